/**
 * Turns one JSONL line into a Case value for the real topic (or a SyntheticCase for the
 * synthetic one), or says why it is refused locally. Pure.
 *
 * Accepted spellings: `id` for case_id, `text` for body; received_at as ISO 8601 or epoch ms
 * (kept when given, now otherwise); a missing case_id is generated.
 */
import { randomUUID } from 'node:crypto';
import { PccError } from '../../lib/errors';
import { CHANNELS, isIntent, type Source } from '../../lib/taxonomy';

export interface CaseValue {
  case_id: string;
  received_at: number;
  channel: string;
  language: string | null;
  subject: string | null;
  body: string;
  customer_ref: string | null;
  jurisdiction: string | null;
  metadata: Record<string, string>;
}

export interface SyntheticCaseValue extends CaseValue {
  batch_id: string;
  generator: { name: string; version: string; model: string | null; prompt_id: string; prompt_hash: string; seed: number };
  ground_truth_intent: string;
  tags: string[];
}

function optString(o: Record<string, unknown>, k: string): string | null {
  const v = o[k];
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string') throw new PccError('PCC_VALIDATION_BAD_FIELD', `${k} must be a string`);
  return v;
}

export function parseTime(v: unknown, nowMs: number): number {
  if (v === undefined || v === null || v === '') return nowMs;
  if (typeof v === 'number' && Number.isFinite(v) && v > 0) return Math.round(v);
  if (typeof v === 'string') {
    const t = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    if (Number.isFinite(t) && t > 0) return t;
  }
  throw new PccError('PCC_VALIDATION_BAD_TIMESTAMP', 'received_at is not an ISO 8601 time or epoch milliseconds');
}

export function toCaseValue(line: string, source: Source, nowMs: number, defaults: { batchId?: string } = {}): CaseValue | SyntheticCaseValue {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch {
    throw new PccError('PCC_INPUT_INVALID_JSON', 'line is not valid JSON');
  }
  if (!o || typeof o !== 'object' || Array.isArray(o)) throw new PccError('PCC_INPUT_INVALID_JSON', 'line is not a JSON object');
  const r = o as Record<string, unknown>;
  const body = optString(r, 'body') ?? optString(r, 'text');
  if (body === null || body.trim() === '') throw new PccError('PCC_INPUT_NO_TEXT', 'line has no text (or body)');
  const rawId = optString(r, 'case_id') ?? (r.id === undefined || r.id === null ? null : String(r.id));
  const channel = optString(r, 'channel') ?? 'ticket';
  if (!(CHANNELS as readonly string[]).includes(channel)) throw new PccError('PCC_VALIDATION_BAD_CHANNEL', `channel must be one of ${CHANNELS.join(', ')}`);
  const metadata: Record<string, string> = {};
  if (r.metadata && typeof r.metadata === 'object') {
    for (const [k, v] of Object.entries(r.metadata as Record<string, unknown>)) metadata[k] = String(v);
  }
  const base: CaseValue = {
    case_id: rawId ?? (source === 'synthetic' ? `syn-${randomUUID()}` : randomUUID()),
    received_at: parseTime(r.received_at, nowMs),
    channel,
    language: optString(r, 'language'),
    subject: optString(r, 'subject'),
    body,
    customer_ref: optString(r, 'customer_ref'),
    jurisdiction: optString(r, 'jurisdiction'),
    metadata,
  };
  if (source === 'real') {
    if ('batch_id' in r || 'ground_truth_intent' in r || base.case_id.startsWith('syn-')) {
      throw new PccError('PCC_SYNTHETIC_ON_REAL_TOPIC', 'a line with batch_id, ground_truth_intent or a syn- id cannot go to the real stream');
    }
    return base;
  }
  const intent = r.ground_truth_intent ?? r.label ?? r.intent;
  if (!isIntent(intent)) throw new PccError('PCC_VALIDATION_BAD_FIELD', 'a synthetic line needs ground_truth_intent (or label) from the taxonomy');
  const batchId = optString(r, 'batch_id') ?? defaults.batchId;
  if (!batchId) throw new PccError('PCC_VALIDATION_MISSING_FIELD', 'a synthetic line needs batch_id (or --batch-id)');
  return {
    ...base,
    case_id: base.case_id.startsWith('syn-') ? base.case_id : `syn-${base.case_id}`,
    batch_id: batchId,
    generator: { name: 'file', version: '1', model: null, prompt_id: 'jsonl', prompt_hash: '', seed: 0 },
    ground_truth_intent: intent,
    tags: Array.isArray(r.tags) ? r.tags.map(String) : [],
  };
}
