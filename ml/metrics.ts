/** Classification metrics over label indices (INTENTS order). */
import { INTENTS, NOT_PRIVACY, type Intent } from '../lib/taxonomy';

export interface LabelMetrics {
  label: Intent;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

export interface ClassificationReport {
  n: number;
  accuracy: number;
  macroF1: number;
  perLabel: LabelMetrics[];
  /** Binary privacy (any privacy label) vs not_privacy. */
  privacy: { precision: number; recall: number; f1: number; tp: number; fp: number; fn: number; tn: number };
  /** confusion[true][predicted], INTENTS order. */
  confusion: number[][];
}

const safeDiv = (a: number, b: number): number => (b > 0 ? a / b : 0);
const f1Of = (p: number, r: number): number => (p + r > 0 ? (2 * p * r) / (p + r) : 0);

export function classificationReport(truth: readonly number[], predicted: readonly number[]): ClassificationReport {
  const k = INTENTS.length;
  const notIdx = INTENTS.indexOf(NOT_PRIVACY);
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let tn = 0;
  for (let i = 0; i < truth.length; i++) {
    confusion[truth[i]][predicted[i]]++;
    if (truth[i] === predicted[i]) correct++;
    const t = truth[i] !== notIdx;
    const p = predicted[i] !== notIdx;
    if (t && p) tp++;
    else if (!t && p) fp++;
    else if (t && !p) fn++;
    else tn++;
  }
  const perLabel: LabelMetrics[] = INTENTS.map((label, j) => {
    const tpj = confusion[j][j];
    const predCount = confusion.reduce((s, row) => s + row[j], 0);
    const support = confusion[j].reduce((s, v) => s + v, 0);
    const precision = safeDiv(tpj, predCount);
    const recall = safeDiv(tpj, support);
    return { label, precision, recall, f1: f1Of(precision, recall), support };
  });
  // Macro-F1 over labels present in the truth, so an absent label does not count as a zero.
  const present = perLabel.filter((m) => m.support > 0);
  const macroF1 = safeDiv(present.reduce((s, m) => s + m.f1, 0), present.length);
  const pp = safeDiv(tp, tp + fp);
  const pr = safeDiv(tp, tp + fn);
  return {
    n: truth.length,
    accuracy: safeDiv(correct, truth.length),
    macroF1,
    perLabel,
    privacy: { precision: pp, recall: pr, f1: f1Of(pp, pr), tp, fp, fn, tn },
    confusion,
  };
}
