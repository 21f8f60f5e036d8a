/**
 * Training and evaluation data: reading the hand-written JSONL files, turning template cases
 * into rows, the exact-rows hash, and the near-duplicate filter that keeps dev-set cases
 * (and paraphrases of them) out of training.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import { INTENTS, isIntent, type Intent } from '../lib/taxonomy';
import type { GeneratedCase } from '../producers/synthetic/template';
import { caseText, normaliseText, tokenize } from './features';

export type RowSource = 'handwritten' | 'template';

export interface LabelledRow {
  id: string;
  channel?: string;
  subject?: string;
  text: string;
  label: Intent;
  source: RowSource;
}

export interface ReadResult {
  rows: LabelledRow[];
  /** Lines that were not valid JSON or lacked text / a known label. */
  skipped: number;
}

/** Reads {id, channel, subject?, text, label} lines; tolerates a file still being written. */
export function readLabelledJsonl(file: string, source: RowSource): ReadResult {
  if (!fs.existsSync(file)) return { rows: [], skipped: 0 };
  const rows: LabelledRow[] = [];
  let skipped = 0;
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let obj: unknown;
    try {
      obj = JSON.parse(line);
    } catch {
      skipped++;
      return;
    }
    const o = obj as Record<string, unknown>;
    const text = typeof o.text === 'string' ? o.text : typeof o.body === 'string' ? o.body : '';
    if (!text.trim() || !isIntent(o.label)) {
      skipped++;
      return;
    }
    rows.push({
      id: typeof o.id === 'string' ? o.id : `${source}-${i + 1}`,
      channel: typeof o.channel === 'string' ? o.channel : undefined,
      subject: typeof o.subject === 'string' && o.subject ? o.subject : undefined,
      text,
      label: o.label,
      source,
    });
  });
  return { rows, skipped };
}

export function rowsFromTemplateCases(cases: readonly GeneratedCase[]): LabelledRow[] {
  return cases.map((c) => ({ id: c.case_id, channel: c.channel, subject: c.subject, text: c.body, label: c.ground_truth_intent, source: 'template' as const }));
}

/** sha256 over the exact training rows, in order (id, subject, text, label). */
export function hashRows(rows: readonly LabelledRow[]): string {
  const h = createHash('sha256');
  for (const r of rows) h.update(JSON.stringify([r.id, r.subject ?? null, r.text, r.label])).update('\n');
  return h.digest('hex');
}

/** Word n-gram shingles of the normalised case text; a short text is one shingle of itself. */
export function shingles(subject: string | undefined, text: string, n = 3): Set<string> {
  const tokens = tokenize(normaliseText(caseText(subject, text)));
  const out = new Set<string>();
  if (tokens.length < n) {
    if (tokens.length) out.add(tokens.join(' '));
    return out;
  }
  for (let i = 0; i + n <= tokens.length; i++) out.add(tokens.slice(i, i + n).join(' '));
  return out;
}

export function jaccard(a: Set<string>, b: Set<string>): number {
  if (!a.size && !b.size) return 1;
  let inter = 0;
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  for (const s of small) if (large.has(s)) inter++;
  return inter / (a.size + b.size - inter);
}

/**
 * Indices of `candidates` whose shingle Jaccard with any `reference` row is >= threshold.
 * An inverted index over reference shingles keeps this near-linear instead of |A| x |B|.
 */
export function nearDuplicateIndices(candidates: readonly LabelledRow[], references: readonly LabelledRow[], threshold = 0.8): Set<number> {
  const refSets = references.map((r) => shingles(r.subject, r.text));
  const index = new Map<string, number[]>();
  refSets.forEach((set, j) => {
    for (const s of set) {
      const list = index.get(s);
      if (list) list.push(j);
      else index.set(s, [j]);
    }
  });
  const out = new Set<number>();
  candidates.forEach((row, i) => {
    const set = shingles(row.subject, row.text);
    const shared = new Map<number, number>();
    for (const s of set) for (const j of index.get(s) ?? []) shared.set(j, (shared.get(j) ?? 0) + 1);
    for (const [j, inter] of shared) {
      if (inter / (set.size + refSets[j].size - inter) >= threshold) {
        out.add(i);
        break;
      }
    }
  });
  return out;
}

export function labelIndex(label: Intent): number {
  return INTENTS.indexOf(label);
}
