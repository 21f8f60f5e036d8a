/**
 * From a closed window and its reference to metric rows (pure). Real and synthetic are never
 * pooled: the caller passes windows and references of one source, and synthetic-only metrics
 * are only produced for source synthetic.
 */
import { INTENTS, type Source } from '../../lib/taxonomy';
import { chiSquareTwoSample, cosineDistance, eceFromBins, hash32, jsDistance, ksFromHistograms, macroF1FromConfusion, mean, mmdPermutationTest, psi, rebin, stdDev } from './stats';
import { judge, metricDef, type MetricName, type Status, type Thresholds } from './thresholds';
import { mergeSummaries, type WindowSummary } from './window';

/** PSI bins: ten equal-width bins over [0, 1] (confidence is bounded, so quantile bins buy nothing). */
export const PSI_BINS = 10;

export interface MetricRow {
  source: Source;
  windowStart: number;
  windowEnd: number;
  metric: MetricName;
  segment: string;
  value: number | null;
  threshold: number | null;
  status: Status;
  reference: string;
  sampleSize: number;
  offsets: Record<string, [number, number]>;
  details: Record<string, unknown>;
}

export interface ComputeOptions {
  thresholds: Thresholds;
  minCases: number;
  sampleSize: number;
  permutations: number;
  /** Label of the reference in the rows: 'trailing_7d' or 'frozen:<name>'. */
  referenceLabel: string;
  /** A frozen reference replaces the trailing one for distribution metrics (volume always uses history). */
  frozen?: WindowSummary | null;
  windowMs: number;
}

/** An earlier closed window of the same source within the reference period, with what it may serve as. */
export interface HistoryWindow {
  summary: WindowSummary;
  /** Usable as a distribution reference (enough cases, raised nothing). */
  reference: boolean;
  /** Usable as a volume baseline (its own volume was not anomalous). */
  volume: boolean;
}

export interface WindowInputs {
  window: WindowSummary;
  history: HistoryWindow[];
  lateEvents: number;
  consumerLag: number;
}

const DAY_MS = 86_400_000;

function meanVec(sum: readonly number[], n: number): number[] {
  return sum.map((x) => x / n);
}

/** Volume baseline: the same hour of previous days when at least 3 exist, else every reference window. */
export function volumeBaseline(window: WindowSummary, history: readonly WindowSummary[], windowMs: number): { counts: number[]; basis: 'same_hour' | 'all_windows' } {
  const sameHour = DAY_MS % windowMs === 0 ? history.filter((h) => (window.windowStart - h.windowStart) % DAY_MS === 0) : [];
  if (sameHour.length >= 3) return { counts: sameHour.map((h) => h.count), basis: 'same_hour' };
  return { counts: history.map((h) => h.count), basis: 'all_windows' };
}

/**
 * z-score of a count against baseline counts. The spread is at least the Poisson one (√mean):
 * a perfectly regular history must not turn a handful of cases into a huge z.
 */
export function volumeZ(count: number, baseline: readonly number[]): { z: number; mean: number; sd: number } {
  const mu = mean(baseline);
  const sd = Math.max(Number.isFinite(stdDev(baseline)) ? stdDev(baseline) : 0, Math.sqrt(Math.max(mu, 1)));
  return { z: (count - mu) / sd, mean: mu, sd };
}

export function computeWindowMetrics(input: WindowInputs, o: ComputeOptions): MetricRow[] {
  const w = input.window;
  const rows: MetricRow[] = [];
  const synthetic = w.source === 'synthetic';
  const refWindows = input.history.filter((h) => h.reference).map((h) => h.summary);
  const ref = o.frozen ?? mergeSummaries(w.source, refWindows, o.sampleSize);
  const enough = w.count >= o.minCases;
  const refEnough = ref.count >= o.minCases;

  const row = (metric: MetricName, value: number | null, extra: { segment?: string; details?: Record<string, unknown>; insufficient?: boolean; sampleSize?: number; gateP?: number } = {}) => {
    if (metricDef(metric).syntheticOnly && !synthetic) throw new Error(`${metric} is synthetic-only`);
    let status: Status;
    let threshold: number | null;
    if (value === null || extra.insufficient || !Number.isFinite(value)) {
      const j = judge(metric, NaN, o.thresholds);
      status = 'insufficient_data';
      threshold = j.threshold;
    } else {
      const j = judge(metric, value, o.thresholds);
      status = j.status;
      threshold = j.threshold;
    }
    const details = { ...(extra.details ?? {}) };
    // Two keys: a distance counts only when its significance test agrees (see docs/monitoring.md).
    const gate = metricDef(metric).gate as MetricName | undefined;
    // A critical needs the stricter critical level of the test too (it fires after one window, and
    // an hourly monitor runs 24 tests a day per metric); short of that it counts as a warning,
    // which needs consecutive windows. Without this a stable stream of ~60 cases per window fired
    // critical intent drift about once a day (issue #5, stable-stream test).
    if (gate && extra.gateP !== undefined && (status === 'warning' || status === 'critical')) {
      const alpha = o.thresholds[gate].warning;
      const strict = o.thresholds[gate].critical;
      const ungated = status;
      if (alpha !== null && !(extra.gateP < alpha)) status = 'ok';
      else if (status === 'critical' && strict !== null && !(extra.gateP < strict)) status = 'warning';
      if (status !== ungated) {
        details.gated_by = gate;
        details.ungated_status = ungated;
      }
    }
    rows.push({
      source: w.source,
      windowStart: w.windowStart,
      windowEnd: w.windowEnd,
      metric,
      segment: extra.segment ?? '',
      value: value !== null && Number.isFinite(value) ? value : null,
      threshold,
      status,
      reference: o.referenceLabel,
      sampleSize: extra.sampleSize ?? w.count,
      offsets: w.offsets,
      details,
    });
  };

  // Volume: judged even on a small window, since a small window is exactly what a drop looks like.
  const base = volumeBaseline(w, input.history.filter((h) => h.volume).map((h) => h.summary), o.windowMs);
  if (base.counts.length >= 3) {
    const v = volumeZ(w.count, base.counts);
    row('volume_zscore', v.z, { details: { count: w.count, baseline_mean: v.mean, baseline_sd: v.sd, basis: base.basis, baseline_windows: base.counts.length } });
  } else {
    row('volume_zscore', null, { insufficient: true, details: { count: w.count, baseline_windows: base.counts.length } });
  }

  const total = w.count + w.deadLetters;
  row('dead_letter_rate', total > 0 ? w.deadLetters / total : null, { insufficient: total < o.minCases, sampleSize: total, details: { dead_letters: w.deadLetters, predictions: w.count } });
  row('warning_rate', w.count > 0 ? w.warnings / w.count : null, { insufficient: !enough, details: { with_warnings: w.warnings } });
  row('late_events', input.lateEvents, { details: {} });
  row('consumer_lag', input.consumerLag, { details: { unit: 'records' } });

  const insufficient = !enough || !refEnough;
  const refDetails = { reference_size: ref.count, reference_windows: o.frozen ? null : refWindows.length };

  // Intent mix.
  const chi = chiSquareTwoSample(w.intentCounts, ref.intentCounts);
  const topMovers = INTENTS.map((name, i) => ({ intent: name, window: w.count ? w.intentCounts[i] / w.count : 0, reference: ref.count ? ref.intentCounts[i] / ref.count : 0 }))
    .map((m) => ({ ...m, change: m.window - m.reference }))
    .sort((a, b) => Math.abs(b.change) - Math.abs(a.change))
    .slice(0, 3);
  row('intent_chi2_p', chi.pValue, { insufficient, details: { statistic: chi.statistic, df: chi.df, ...refDetails } });
  row('intent_js_distance', jsDistance(w.intentCounts, ref.intentCounts), { insufficient, gateP: chi.pValue, details: { chi2_p: chi.pValue, top_movers: topMovers, ...refDetails } });

  // Confidence.
  const ks = ksFromHistograms(w.confidenceHist, ref.confidenceHist);
  row('confidence_ks_d', ks.statistic, { insufficient, details: { p_value: ks.pValue, ...refDetails } });
  row('confidence_ks_p', ks.pValue, { insufficient, details: { statistic: ks.statistic, ...refDetails } });
  row('confidence_psi', psi(rebin(ref.confidenceHist, PSI_BINS), rebin(w.confidenceHist, PSI_BINS)), { insufficient, gateP: ks.pValue, details: { ks_p: ks.pValue, bins: PSI_BINS, ...refDetails } });
  row('low_confidence_share', w.count ? w.lowConfidence / w.count : null, { insufficient: !enough, details: { low_confidence: w.lowConfidence, reference_share: ref.count ? ref.lowConfidence / ref.count : null } });
  row('estimated_accuracy', w.count ? w.top1Sum / w.count : null, { insufficient: !enough, details: { reference_estimate: ref.count ? ref.top1Sum / ref.count : null } });

  // Embeddings.
  const embOk = !insufficient && w.embeddingCount >= o.minCases && ref.embeddingCount >= o.minCases && w.embeddingDim === ref.embeddingDim && w.embeddingDim > 0;
  let mmdP: number | undefined;
  if (embOk) {
    const seed = hash32(`${w.source}:${w.windowStart}`);
    const mmd = mmdPermutationTest(w.sample.map((s) => s.e), ref.sample.map((s) => s.e), { permutations: o.permutations, seed });
    mmdP = mmd.pValue;
    const d = { p_value: mmd.pValue, gamma: mmd.gamma, permutations: mmd.permutations, window_sample: w.sample.length, reference_sample: ref.sample.length, ...refDetails };
    row('embedding_mmd', mmd.mmd2, { details: d, sampleSize: w.sample.length });
    row('embedding_mmd_p', mmd.pValue, { details: d, sampleSize: w.sample.length });
  } else {
    row('embedding_mmd', null, { insufficient: true, details: { dim: w.embeddingDim, reference_dim: ref.embeddingDim, ...refDetails } });
    row('embedding_mmd_p', null, { insufficient: true, details: {} });
  }
  const cos = embOk ? cosineDistance(meanVec(w.embeddingSum, w.embeddingCount), meanVec(ref.embeddingSum, ref.embeddingCount)) : null;
  row('embedding_cosine_distance', cos, { insufficient: !embOk, gateP: mmdP, sampleSize: w.embeddingCount, details: { mmd_p: mmdP ?? null, dim_mismatch: w.embeddingDimMismatch, ...refDetails } });
  INTENTS.forEach((intent, i) => {
    const n = w.embeddingCountByIntent[i];
    const rn = ref.embeddingCountByIntent[i];
    const segOk = embOk && n >= o.minCases && rn >= o.minCases;
    const v = segOk ? cosineDistance(meanVec(w.embeddingSumByIntent[i], n), meanVec(ref.embeddingSumByIntent[i], rn)) : null;
    row('embedding_cosine_distance', v, { segment: intent, insufficient: !segOk, sampleSize: n, details: { reference_size: rn } });
  });

  if (synthetic) {
    const labelledOk = w.labelled >= o.minCases;
    const acc = w.labelled ? w.correct / w.labelled : null;
    const est = w.count ? w.top1Sum / w.count : null;
    row('synthetic_accuracy', acc, { insufficient: !labelledOk, sampleSize: w.labelled, details: { correct: w.correct } });
    row('synthetic_macro_f1', w.confusion && w.labelled ? macroF1FromConfusion(w.confusion) : null, { insufficient: !labelledOk, sampleSize: w.labelled });
    row('synthetic_ece', w.calibration && w.labelled ? eceFromBins(w.calibration) : null, { insufficient: !labelledOk, sampleSize: w.labelled, details: { bins: 15 } });
    row('synthetic_estimation_gap', acc !== null && est !== null ? Math.abs(est - acc) : null, { insufficient: !labelledOk, sampleSize: w.labelled, details: { estimated_accuracy: est, realised_accuracy: acc } });
  }
  return rows;
}

/**
 * The synthetic-to-real gap for one window, written under source synthetic: how far the
 * synthetic stream's intent mix and mean embedding are from real traffic's in the same window.
 */
export function computeGapMetrics(synthetic: WindowSummary, real: WindowSummary, o: Pick<ComputeOptions, 'thresholds' | 'minCases'>): MetricRow[] {
  const enough = synthetic.count >= o.minCases && real.count >= o.minCases;
  const out: MetricRow[] = [];
  const push = (metric: MetricName, value: number | null, details: Record<string, unknown>) => {
    const j = judge(metric, value === null || !enough ? NaN : value, o.thresholds);
    out.push({
      source: 'synthetic',
      windowStart: synthetic.windowStart,
      windowEnd: synthetic.windowEnd,
      metric,
      segment: '',
      value: value !== null && Number.isFinite(value) ? value : null,
      threshold: j.threshold,
      status: j.status,
      reference: 'real_same_window',
      sampleSize: synthetic.count,
      offsets: synthetic.offsets,
      details: { real_size: real.count, ...details },
    });
  };
  push('synthetic_real_intent_js', jsDistance(synthetic.intentCounts, real.intentCounts), {});
  const embOk = synthetic.embeddingCount > 0 && real.embeddingCount > 0 && synthetic.embeddingDim === real.embeddingDim;
  push(
    'synthetic_real_embedding_cosine',
    embOk ? cosineDistance(meanVec(synthetic.embeddingSum, synthetic.embeddingCount), meanVec(real.embeddingSum, real.embeddingCount)) : null,
    {},
  );
  return out;
}

/**
 * What a closed window may serve as later: a distribution reference when it had enough cases and
 * raised nothing (a shift must not become its own baseline; operational metrics do not count),
 * a volume baseline when its volume was not anomalous.
 */
export function referenceFlags(rows: readonly MetricRow[], window: WindowSummary, minCases: number): { reference: boolean; volume: boolean } {
  const bad = (r: MetricRow) => r.status === 'warning' || r.status === 'critical';
  const volume = !rows.some((r) => r.metric === 'volume_zscore' && bad(r));
  if (window.count < minCases) return { reference: false, volume };
  const reference = !rows.some((r) => r.segment === '' && !metricDef(r.metric).operational && metricDef(r.metric).alert !== null && bad(r));
  return { reference, volume };
}
