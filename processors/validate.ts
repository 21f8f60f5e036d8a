/**
 * Validation and repair of a decoded case. Pure: the clock and the limits come in as arguments.
 *
 * A case that can be repaired is repaired and classified with a warning rather than dropped,
 * because a lost privacy request is a legal risk (issue: the stream). Only what cannot be
 * classified at all is rejected, with a catalogue code, to the dead-letter topic.
 */
import { anyStringIncludes } from '../lib/avro-values';
import { PccError } from '../lib/errors';
import { CHANNELS, isIntent, type Channel, type Intent, type Source } from '../lib/taxonomy';

export interface ValidationLimits {
  maxBodyChars: number;
  maxBodyBytes: number;
  futureSkewMs: number;
}

export type Jurisdiction = 'GDPR' | 'CCPA';

/** A case ready for the model: text cut to the limit, time repaired, warnings recorded. */
export interface ValidCase {
  case_id: string;
  source: Source;
  received_at: number;
  channel: Channel;
  language: string | null;
  subject: string | null;
  body: string;
  jurisdiction: Jurisdiction;
  warnings: string[];
  ground_truth_intent: Intent | null;
  batch_id: string | null;
}

const MAX_CASE_ID_CHARS = 200;
export const SYNTHETIC_ID_PREFIX = 'syn-';

/**
 * Removes U+0000 from every string of a decoded case (metadata values included). Avro and
 * JavaScript allow it, Postgres text does not: one NUL in a body would otherwise stop the sink on
 * the redacted excerpt. The case is kept, with the warning PCC_WARN_NUL_REMOVED.
 */
export function withoutNul(raw: Record<string, unknown>): { value: Record<string, unknown>; removed: boolean } {
  // Nearly every case has no NUL: look first, copy only when there is one to remove.
  if (!anyStringIncludes(raw, '\u0000')) return { value: raw, removed: false };
  let removed = false;
  const clean = (v: unknown): unknown => {
    if (typeof v === 'string') {
      if (!v.includes('\u0000')) return v;
      removed = true;
      return v.replace(/\u0000/g, '');
    }
    if (v && typeof v === 'object' && !Array.isArray(v) && !Buffer.isBuffer(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = clean(x);
      return out;
    }
    if (Array.isArray(v)) return v.map(clean);
    return v;
  };
  const value = clean(raw) as Record<string, unknown>;
  return { value: removed ? value : raw, removed };
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

export function validateCase(raw: Record<string, unknown>, source: Source, nowMs: number, limits: ValidationLimits): ValidCase {
  const caseId = str(raw.case_id)?.trim() ?? '';
  if (!caseId) throw new PccError('PCC_VALIDATION_MISSING_FIELD', 'case_id is missing or empty');
  if (caseId.length > MAX_CASE_ID_CHARS) throw new PccError('PCC_VALIDATION_BAD_FIELD', `case_id is longer than ${MAX_CASE_ID_CHARS} characters`);

  const body = str(raw.body);
  if (body === null) throw new PccError('PCC_VALIDATION_MISSING_FIELD', 'body is missing', { case_id: caseId });
  // /\S/ is trim()'s complement (WhiteSpace and LineTerminator) without copying the body.
  if (!/\S/.test(body)) throw new PccError('PCC_VALIDATION_EMPTY_BODY', 'body is empty', { case_id: caseId });
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > limits.maxBodyBytes) {
    throw new PccError('PCC_VALIDATION_BODY_TOO_LARGE', `body is ${bytes} bytes, over the ${limits.maxBodyBytes}-byte limit`, { case_id: caseId });
  }

  const channel = str(raw.channel);
  if (!channel || !(CHANNELS as readonly string[]).includes(channel)) {
    throw new PccError('PCC_VALIDATION_BAD_CHANNEL', `channel ${JSON.stringify(channel)} is not one of ${CHANNELS.join(', ')}`, { case_id: caseId });
  }

  const warnings: string[] = [];
  let receivedAt = Number(raw.received_at);
  if (!Number.isFinite(receivedAt) || receivedAt <= 0) {
    throw new PccError('PCC_VALIDATION_BAD_TIMESTAMP', 'received_at is not a valid time', { case_id: caseId });
  }
  if (receivedAt > nowMs + limits.futureSkewMs) {
    receivedAt = nowMs;
    warnings.push('PCC_WARN_FUTURE_TIMESTAMP');
  }

  let text = body;
  if (text.length > limits.maxBodyChars) {
    // Cut on a code-point boundary so that a surrogate pair is never split.
    text = Array.from(text.slice(0, limits.maxBodyChars + 1)).join('').slice(0, limits.maxBodyChars);
    if (/[\uD800-\uDBFF]$/.test(text)) text = text.slice(0, -1);
    warnings.push('PCC_WARN_BODY_TRUNCATED');
  }

  const rawJurisdiction = str(raw.jurisdiction)?.trim().toUpperCase() ?? '';
  let jurisdiction: Jurisdiction = 'GDPR';
  if (rawJurisdiction === 'CCPA' || rawJurisdiction === 'CPRA') jurisdiction = 'CCPA';
  else if (rawJurisdiction !== '' && rawJurisdiction !== 'GDPR' && rawJurisdiction !== 'UK_GDPR' && rawJurisdiction !== 'UK-GDPR') {
    warnings.push('PCC_WARN_UNKNOWN_JURISDICTION');
  }

  let groundTruth: Intent | null = null;
  let batchId: string | null = null;
  if (source === 'synthetic') {
    const gt = raw.ground_truth_intent;
    if (!isIntent(gt)) throw new PccError('PCC_VALIDATION_BAD_FIELD', `ground_truth_intent ${JSON.stringify(gt)} is not a label`, { case_id: caseId });
    batchId = str(raw.batch_id)?.trim() || null;
    if (!batchId) throw new PccError('PCC_VALIDATION_MISSING_FIELD', 'batch_id is missing on a synthetic case', { case_id: caseId });
    groundTruth = gt;
  } else if ('batch_id' in raw || 'ground_truth_intent' in raw || caseId.startsWith(SYNTHETIC_ID_PREFIX)) {
    // The syn- prefix is reserved for synthetic cases (migration 0004 refuses it on real rows), so a
    // real case carrying it is dead-lettered here rather than blocking the sink.
    throw new PccError('PCC_SYNTHETIC_ON_REAL_TOPIC', 'a synthetic case (batch, ground truth or syn- id) reached the real stream', { case_id: caseId });
  }

  const subject = str(raw.subject);
  return {
    case_id: caseId,
    source,
    received_at: receivedAt,
    channel: channel as Channel,
    language: str(raw.language),
    subject: subject && subject.trim() ? subject.slice(0, 1000) : null,
    body: text,
    jurisdiction,
    warnings,
    ground_truth_intent: groundTruth,
    batch_id: batchId,
  };
}

const DAY_MS = 86_400_000;

/** The legal deadline: 30 days under GDPR, 45 under CCPA, from when the case was received. */
export function slaDueAt(receivedAt: number, jurisdiction: Jurisdiction): number {
  return receivedAt + (jurisdiction === 'CCPA' ? 45 : 30) * DAY_MS;
}
