/**
 * Probability calibration: temperature scaling (Guo et al. 2017, "On Calibration of Modern
 * Neural Networks") and the expected calibration error used to judge it.
 */
import { softmaxInto } from './model';

/** Mean negative log-likelihood of labels under softmax(logits / T). logits: [n x k] row-major. */
export function nllAtTemperature(logits: ArrayLike<number>, labels: ArrayLike<number>, k: number, temperature: number, weights?: ArrayLike<number>): number {
  const n = labels.length;
  const p = new Float32Array(k);
  let total = 0;
  let wsum = 0;
  for (let i = 0; i < n; i++) {
    softmaxInto(logits, i * k, k, temperature, p, 0);
    const w = weights ? weights[i] : 1;
    total += -Math.log(Math.max(p[labels[i]], 1e-12)) * w;
    wsum += w;
  }
  return total / Math.max(wsum, 1e-12);
}

/**
 * The single temperature T minimising NLL on held-out logits, by golden-section search over
 * log T in [log 0.05, log 20] (NLL is unimodal in T for fixed logits).
 */
export function fitTemperature(logits: ArrayLike<number>, labels: ArrayLike<number>, k: number, weights?: ArrayLike<number>): number {
  let lo = Math.log(0.05);
  let hi = Math.log(20);
  const f = (x: number): number => nllAtTemperature(logits, labels, k, Math.exp(x), weights);
  const g = (Math.sqrt(5) - 1) / 2;
  let c = hi - g * (hi - lo);
  let d = lo + g * (hi - lo);
  let fc = f(c);
  let fd = f(d);
  for (let it = 0; it < 60; it++) {
    if (fc < fd) {
      hi = d;
      d = c;
      fd = fc;
      c = hi - g * (hi - lo);
      fc = f(c);
    } else {
      lo = c;
      c = d;
      fc = fd;
      d = lo + g * (hi - lo);
      fd = f(d);
    }
  }
  return Math.exp((lo + hi) / 2);
}

export interface EceResult {
  ece: number;
  bins: { lower: number; upper: number; count: number; accuracy: number; confidence: number }[];
}

/** Expected calibration error of top-label confidence over equal-width bins (15 by default). */
export function expectedCalibrationError(confidences: ArrayLike<number>, correct: ArrayLike<boolean>, numBins = 15): EceResult {
  const n = confidences.length;
  const count = new Array<number>(numBins).fill(0);
  const acc = new Array<number>(numBins).fill(0);
  const conf = new Array<number>(numBins).fill(0);
  for (let i = 0; i < n; i++) {
    const c = confidences[i];
    const b = Math.min(numBins - 1, Math.max(0, Math.ceil(c * numBins) - 1));
    count[b]++;
    conf[b] += c;
    if (correct[i]) acc[b]++;
  }
  let ece = 0;
  const bins: EceResult['bins'] = [];
  for (let b = 0; b < numBins; b++) {
    const a = count[b] ? acc[b] / count[b] : 0;
    const cf = count[b] ? conf[b] / count[b] : 0;
    if (n) ece += (count[b] / n) * Math.abs(a - cf);
    bins.push({ lower: b / numBins, upper: (b + 1) / numBins, count: count[b], accuracy: a, confidence: cf });
  }
  return { ece, bins };
}
