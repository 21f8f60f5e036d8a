/**
 * Pure statistics for the drift monitor. No I/O, no clocks, no global randomness: every random
 * choice takes a seed, so a recomputed window gives the same numbers.
 *
 * References for the formulas are in docs/monitoring.md.
 */

/** Counts or weights → proportions (all zeros stays all zeros). */
export function normalize(v: readonly number[]): number[] {
  const s = v.reduce((a, b) => a + b, 0);
  return s > 0 ? v.map((x) => x / s) : v.map(() => 0);
}

/**
 * Jensen-Shannon distance, base 2: sqrt of the JS divergence, in [0, 1]. 0 for identical
 * distributions, 1 for disjoint ones. Takes counts or proportions.
 */
export function jsDistance(p: readonly number[], q: readonly number[]): number {
  if (p.length !== q.length) throw new RangeError('jsDistance: distributions of different length');
  const P = normalize(p);
  const Q = normalize(q);
  let d = 0;
  for (let i = 0; i < P.length; i++) {
    const m = (P[i] + Q[i]) / 2;
    if (P[i] > 0) d += 0.5 * P[i] * Math.log2(P[i] / m);
    if (Q[i] > 0) d += 0.5 * Q[i] * Math.log2(Q[i] / m);
  }
  return Math.sqrt(Math.max(0, Math.min(1, d)));
}

// ---- gamma functions (Numerical Recipes, 3rd ed., §6.1-6.2) for chi-square p-values ----

function logGamma(x: number): number {
  const c = [76.18009172947146, -86.50532032941677, 24.01409824083091, -1.231739572450155, 0.1208650973866179e-2, -0.5395239384953e-5];
  let y = x;
  const tmp0 = x + 5.5;
  const tmp = tmp0 - (x + 0.5) * Math.log(tmp0);
  let ser = 1.000000000190015;
  for (const cj of c) ser += cj / ++y;
  return -tmp + Math.log((2.5066282746310005 * ser) / x);
}

/** Regularised upper incomplete gamma Q(a, x) = 1 - P(a, x). */
export function gammaQ(a: number, x: number): number {
  if (x < 0 || a <= 0) throw new RangeError('gammaQ: bad arguments');
  if (x === 0) return 1;
  const gln = logGamma(a);
  if (x < a + 1) {
    let ap = a;
    let sum = 1 / a;
    let del = sum;
    for (let n = 0; n < 1000; n++) {
      ap += 1;
      del *= x / ap;
      sum += del;
      if (Math.abs(del) < Math.abs(sum) * 1e-15) break;
    }
    return Math.max(0, 1 - sum * Math.exp(-x + a * Math.log(x) - gln));
  }
  const FPMIN = 1e-300;
  let b = x + 1 - a;
  let c = 1 / FPMIN;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 1000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < FPMIN) d = FPMIN;
    c = b + an / c;
    if (Math.abs(c) < FPMIN) c = FPMIN;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return Math.min(1, Math.exp(-x + a * Math.log(x) - gln) * h);
}

/** Survival function of the chi-square distribution: P(X >= stat) with `df` degrees of freedom. */
export function chiSquareSf(stat: number, df: number): number {
  if (df <= 0) return 1;
  return gammaQ(df / 2, stat / 2);
}

export interface TestResult {
  statistic: number;
  pValue: number;
  df?: number;
}

/**
 * Two-sample chi-square test of homogeneity on a 2 x k contingency table (window counts vs
 * reference counts). Categories empty in both samples are dropped. Unlike a goodness-of-fit test
 * against reference proportions, it accounts for the reference being a sample too.
 */
export function chiSquareTwoSample(a: readonly number[], b: readonly number[]): TestResult {
  const na = a.reduce((s, x) => s + x, 0);
  const nb = b.reduce((s, x) => s + x, 0);
  const n = na + nb;
  if (na === 0 || nb === 0) return { statistic: 0, pValue: 1, df: 0 };
  let stat = 0;
  let k = 0;
  for (let i = 0; i < a.length; i++) {
    const col = a[i] + b[i];
    if (col === 0) continue;
    k++;
    const ea = (na * col) / n;
    const eb = (nb * col) / n;
    stat += (a[i] - ea) ** 2 / ea + (b[i] - eb) ** 2 / eb;
  }
  const df = k - 1;
  return { statistic: stat, pValue: df > 0 ? chiSquareSf(stat, df) : 1, df };
}

/** Chi-square goodness of fit of observed counts to expected proportions. */
export function chiSquareGoodnessOfFit(observed: readonly number[], expectedProportions: readonly number[]): TestResult {
  const n = observed.reduce((s, x) => s + x, 0);
  const e = normalize(expectedProportions);
  let stat = 0;
  let k = 0;
  for (let i = 0; i < observed.length; i++) {
    if (e[i] === 0) continue;
    k++;
    stat += (observed[i] - n * e[i]) ** 2 / (n * e[i]);
  }
  return { statistic: stat, pValue: chiSquareSf(stat, k - 1), df: k - 1 };
}

/** Smallest proportion used for an empty bin in PSI, as Evidently does (np.where(x == 0, 0.0001, x)). */
export const PSI_EPSILON = 1e-4;

/** Population Stability Index of `current` against `reference`, both binned the same way (counts). */
export function psi(reference: readonly number[], current: readonly number[], epsilon = PSI_EPSILON): number {
  if (reference.length !== current.length) throw new RangeError('psi: histograms of different length');
  const R = normalize(reference).map((x) => (x === 0 ? epsilon : x));
  const C = normalize(current).map((x) => (x === 0 ? epsilon : x));
  let s = 0;
  for (let i = 0; i < R.length; i++) s += (C[i] - R[i]) * Math.log(C[i] / R[i]);
  return s;
}

/** Sums adjacent bins of a fine histogram into `bins` equal groups (length must divide). */
export function rebin(hist: readonly number[], bins: number): number[] {
  if (hist.length % bins !== 0) throw new RangeError(`rebin: ${hist.length} bins do not divide into ${bins}`);
  const w = hist.length / bins;
  const out = new Array<number>(bins).fill(0);
  for (let i = 0; i < hist.length; i++) out[Math.floor(i / w)] += hist[i];
  return out;
}

/**
 * Kolmogorov distribution survival function Q_KS(λ) = 2 Σ (-1)^(j-1) exp(-2 j² λ²)
 * (Numerical Recipes §14.3.3).
 */
export function kolmogorovQ(lambda: number): number {
  if (lambda < 1e-3) return 1;
  let sum = 0;
  let sign = 1;
  let prev = 0;
  for (let j = 1; j <= 200; j++) {
    const term = sign * 2 * Math.exp(-2 * j * j * lambda * lambda);
    sum += term;
    if (Math.abs(term) <= 1e-12 * Math.abs(sum) || Math.abs(term) <= 1e-16 * prev) return Math.max(0, Math.min(1, sum));
    sign = -sign;
    prev = Math.abs(term);
  }
  return 1;
}

/** Asymptotic p-value of a two-sample KS statistic D for sample sizes n and m (Stephens' correction). */
export function ksPValue(d: number, n: number, m: number): number {
  if (n === 0 || m === 0) return 1;
  const en = Math.sqrt((n * m) / (n + m));
  return kolmogorovQ((en + 0.12 + 0.11 / en) * d);
}

/** Two-sample Kolmogorov-Smirnov test on raw samples. */
export function ksTwoSample(x: readonly number[], y: readonly number[]): TestResult {
  const a = [...x].sort((p, q) => p - q);
  const b = [...y].sort((p, q) => p - q);
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < a.length && j < b.length) {
    const v = Math.min(a[i], b[j]);
    while (i < a.length && a[i] === v) i++;
    while (j < b.length && b[j] === v) j++;
    d = Math.max(d, Math.abs(i / a.length - j / b.length));
  }
  return { statistic: d, pValue: ksPValue(d, a.length, b.length) };
}

/** Two-sample KS test on two histograms over the same bins (values quantised to the bins). */
export function ksFromHistograms(h1: readonly number[], h2: readonly number[]): TestResult {
  const n = h1.reduce((s, x) => s + x, 0);
  const m = h2.reduce((s, x) => s + x, 0);
  if (n === 0 || m === 0) return { statistic: 0, pValue: 1 };
  let c1 = 0;
  let c2 = 0;
  let d = 0;
  for (let i = 0; i < h1.length; i++) {
    c1 += h1[i];
    c2 += h2[i];
    d = Math.max(d, Math.abs(c1 / n - c2 / m));
  }
  return { statistic: d, pValue: ksPValue(d, n, m) };
}

/** 1 - cosine similarity; 0 for parallel vectors, 1 for orthogonal, 2 for opposite. NaN if either is zero. */
export function cosineDistance(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new RangeError('cosineDistance: vectors of different length');
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  if (na === 0 || nb === 0) return NaN;
  return Math.max(0, 1 - dot / Math.sqrt(na * nb));
}

/** mulberry32: a small seeded PRNG, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** FNV-1a 32-bit hash of a string: order-independent sampling keys and seeds. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

function sqDist(a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - b[i]) ** 2;
  return s;
}

export interface MmdResult {
  /** Biased (V-statistic) estimate of MMD² with an RBF kernel. */
  mmd2: number;
  pValue: number;
  /** Kernel bandwidth parameter: k(x, y) = exp(-gamma |x - y|²). */
  gamma: number;
  permutations: number;
}

/**
 * Maximum mean discrepancy between two samples with an RBF kernel (bandwidth by the median
 * heuristic on the pooled sample), and its permutation-test p-value
 * (Gretton et al., "A Kernel Two-Sample Test", JMLR 2012). Seeded, so reproducible.
 */
export function mmdPermutationTest(x: readonly (readonly number[])[], y: readonly (readonly number[])[], opts: { permutations: number; seed: number }): MmdResult {
  const n = x.length;
  const m = y.length;
  const z = [...x, ...y];
  const N = n + m;
  if (n < 2 || m < 2) return { mmd2: 0, pValue: 1, gamma: 0, permutations: 0 };
  const d2 = new Float64Array(N * N);
  const dists: number[] = [];
  for (let i = 0; i < N; i++) {
    for (let j = i + 1; j < N; j++) {
      const v = sqDist(z[i], z[j]);
      d2[i * N + j] = v;
      d2[j * N + i] = v;
      dists.push(v);
    }
  }
  dists.sort((a, b) => a - b);
  const med = dists[Math.floor(dists.length / 2)];
  const gamma = med > 0 ? 1 / med : 1;
  const K = new Float64Array(N * N);
  for (let i = 0; i < N * N; i++) K[i] = Math.exp(-gamma * d2[i]);

  // With row sums R and the grand total T fixed, a split needs only the within-X sum:
  // Σ_{X×Y} = Σ_{i∈X} R_i − Σ_{X×X} and Σ_{Y×Y} = T − Σ_{X×X} − 2·Σ_{X×Y}. A quarter of the work
  // of summing all three blocks per permutation, which matters when a catch-up closes days of windows.
  const R = new Float64Array(N);
  let T = 0;
  for (let i = 0; i < N; i++) {
    let r = 0;
    for (let j = 0; j < N; j++) r += K[i * N + j];
    R[i] = r;
    T += r;
  }
  const idx = new Int32Array(n);
  const stat = (inX: Uint8Array): number => {
    let c = 0;
    let rx = 0;
    for (let i = 0; i < N; i++) if (inX[i]) {
      idx[c++] = i;
      rx += R[i];
    }
    let sxx = 0;
    for (let a = 0; a < n; a++) {
      const row = idx[a] * N;
      for (let b = 0; b < n; b++) sxx += K[row + idx[b]];
    }
    const sxyHalf = rx - sxx;
    const syy = T - sxx - 2 * sxyHalf;
    return sxx / (n * n) + syy / (m * m) - (2 * sxyHalf) / (n * m);
  };
  const labels = new Uint8Array(N);
  for (let i = 0; i < n; i++) labels[i] = 1;
  const observed = stat(labels);
  const rnd = seededRandom(opts.seed);
  const perm = Uint8Array.from(labels);
  let atLeast = 0;
  for (let p = 0; p < opts.permutations; p++) {
    for (let i = N - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      const t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    if (stat(perm) >= observed - 1e-12) atLeast++;
  }
  return { mmd2: Math.max(0, observed), pValue: (1 + atLeast) / (1 + opts.permutations), gamma, permutations: opts.permutations };
}

export const ECE_BINS = 15;

/** Per-bin sums for the expected calibration error, so windows can be merged. */
export interface CalibrationBins {
  n: number[];
  confidence: number[];
  correct: number[];
}

export function emptyCalibrationBins(bins = ECE_BINS): CalibrationBins {
  return { n: new Array(bins).fill(0), confidence: new Array(bins).fill(0), correct: new Array(bins).fill(0) };
}

/** Bin of a confidence: (i/B, (i+1)/B], with 0 in the first bin (Guo et al. 2017). */
export function calibrationBin(confidence: number, bins = ECE_BINS): number {
  return Math.min(bins - 1, Math.max(0, Math.ceil(confidence * bins) - 1));
}

export function addToCalibration(c: CalibrationBins, confidence: number, correct: boolean): void {
  const b = calibrationBin(confidence, c.n.length);
  c.n[b] += 1;
  c.confidence[b] += confidence;
  c.correct[b] += correct ? 1 : 0;
}

/** Expected calibration error: Σ |B|/n · |accuracy(B) - mean confidence(B)|. */
export function eceFromBins(c: CalibrationBins): number {
  const total = c.n.reduce((a, b) => a + b, 0);
  if (total === 0) return NaN;
  let e = 0;
  for (let i = 0; i < c.n.length; i++) {
    if (c.n[i] === 0) continue;
    e += (c.n[i] / total) * Math.abs(c.correct[i] / c.n[i] - c.confidence[i] / c.n[i]);
  }
  return e;
}

export function ece(confidences: readonly number[], correct: readonly boolean[], bins = ECE_BINS): number {
  const c = emptyCalibrationBins(bins);
  confidences.forEach((v, i) => addToCalibration(c, v, correct[i]));
  return eceFromBins(c);
}

/**
 * Macro-averaged F1 from a confusion matrix (rows = true label, columns = predicted), over the
 * labels that occur as truth or prediction (scikit-learn's default label set). A label with no
 * true positives scores 0.
 */
export function macroF1FromConfusion(confusion: readonly (readonly number[])[]): number {
  const k = confusion.length;
  let sum = 0;
  let labels = 0;
  for (let i = 0; i < k; i++) {
    const tp = confusion[i][i];
    let row = 0;
    let col = 0;
    for (let j = 0; j < k; j++) {
      row += confusion[i][j];
      col += confusion[j][i];
    }
    if (row === 0 && col === 0) continue;
    labels++;
    const denom = row + col;
    sum += denom > 0 ? (2 * tp) / denom : 0;
  }
  return labels > 0 ? sum / labels : NaN;
}

export function confusionMatrix(truth: readonly number[], predicted: readonly number[], k: number): number[][] {
  const m = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  truth.forEach((t, i) => (m[t][predicted[i]] += 1));
  return m;
}

export function mean(xs: readonly number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

/** Sample standard deviation (n - 1). */
export function stdDev(xs: readonly number[]): number {
  if (xs.length < 2) return NaN;
  const mu = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - mu) ** 2, 0) / (xs.length - 1));
}
