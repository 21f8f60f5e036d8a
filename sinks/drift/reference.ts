/**
 * References a closed window is compared with: the trailing one (earlier closed windows of the
 * same source that raised nothing, PCC_DRIFT_REFERENCE_DAYS long) or a frozen one built once
 * from a file of predictions, e.g. the model's evaluation data (PCC_DRIFT_REFERENCE_FILE).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PccError } from '../../lib/errors';
import type { Source } from '../../lib/taxonomy';
import type { HistoryWindow } from './compute';
import { emptySummary, foldPrediction, type PredictionLike, type WindowSummary } from './window';

/** Windows of `history` that lie in the reference period before `windowStart`. */
export function trailingHistory(history: readonly HistoryWindow[], windowStart: number, referenceMs: number): HistoryWindow[] {
  return history.filter((h) => h.summary.windowStart < windowStart && h.summary.windowStart >= windowStart - referenceMs);
}

/** Builds a reference summary from predictions (any source; the frozen reference serves both). */
export function buildReference(records: Iterable<Omit<PredictionLike, 'source' | 'received_at'> & Partial<PredictionLike>>, source: Source, opts: { lowConfidence: number; sampleSize: number }): WindowSummary {
  const s = emptySummary(source, 0, 0);
  for (const r of records) {
    // Ground truth is left out: a frozen reference describes inputs and outputs, not accuracy.
    foldPrediction(s, { ...r, source, received_at: 0, ground_truth_intent: null }, opts);
  }
  return s;
}

/**
 * Reads a JSONL file of predictions ({case_id, intent, confidence, probabilities, embedding} per
 * line, the fields of the Prediction schema) into a frozen reference.
 */
export function loadFrozenReference(file: string, source: Source, opts: { lowConfidence: number; sampleSize: number }): { label: string; summary: WindowSummary } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new PccError('PCC_DRIFT_REFERENCE_INVALID', `cannot read the frozen reference ${file}: ${(err as Error).message}`, { file }, { cause: err });
  }
  const records: PredictionLike[] = [];
  text.split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let r: Partial<PredictionLike>;
    try {
      r = JSON.parse(line);
    } catch {
      throw new PccError('PCC_DRIFT_REFERENCE_INVALID', `${file}:${i + 1}: not valid JSON`, { file, line: i + 1 });
    }
    if (typeof r.intent !== 'string' || typeof r.confidence !== 'number' || !Array.isArray(r.embedding)) {
      throw new PccError('PCC_DRIFT_REFERENCE_INVALID', `${file}:${i + 1}: needs intent, confidence and embedding`, { file, line: i + 1 });
    }
    records.push({ case_id: r.case_id ?? `ref-${i}`, source, intent: r.intent, confidence: r.confidence, probabilities: r.probabilities ?? [], embedding: r.embedding, received_at: 0 });
  });
  if (records.length === 0) throw new PccError('PCC_DRIFT_REFERENCE_INVALID', `${file} holds no predictions`, { file });
  return { label: `frozen:${path.basename(file)}`, summary: buildReference(records, source, opts) };
}
