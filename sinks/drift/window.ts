/**
 * Event-time window aggregation (pure). Tumbling windows per source on received_at; a source's
 * watermark is its max received_at minus the allowed lateness, held back by any partition that
 * still has a backlog so that a partition read ahead of the others cannot close windows whose
 * events are still unread. A window closes when the watermark passes its end; an event whose
 * window has closed is counted as late and dropped.
 *
 * Everything in a window is a sum, a histogram or an order-independent sample (bottom-k by a
 * hash of case_id), so windows merge into references and the result does not depend on the
 * order partitions were read in.
 */
import { INTENTS, type Source } from '../../lib/taxonomy';
import { addToCalibration, emptyCalibrationBins, hash32, type CalibrationBins } from './stats';

/** Confidence histogram resolution for KS and PSI: 1000 bins of 0.001 on [0, 1]. */
export const CONFIDENCE_BINS = 1000;
export const K = INTENTS.length;
const INTENT_INDEX = new Map<string, number>(INTENTS.map((x, i) => [x, i]));

export interface SampleItem {
  key: number;
  id: string;
  intent: number;
  e: number[];
}

/** Everything a closed window contributes to its metrics and to later references. */
export interface WindowSummary {
  source: Source;
  windowStart: number;
  windowEnd: number;
  count: number;
  deadLetters: number;
  warnings: number;
  lowConfidence: number;
  /** Sum of top-1 calibrated probabilities (the label-free accuracy estimate's numerator). */
  top1Sum: number;
  intentCounts: number[];
  confidenceHist: number[];
  embeddingDim: number;
  embeddingCount: number;
  embeddingSum: number[];
  embeddingCountByIntent: number[];
  embeddingSumByIntent: number[][];
  embeddingDimMismatch: number;
  sample: SampleItem[];
  /** Synthetic only: cases with a known intent, and how the prediction compared. */
  labelled: number;
  correct: number;
  confusion: number[][] | null;
  calibration: CalibrationBins | null;
  /** "topic:partition" -> [first, last] offset folded into this window. */
  offsets: Record<string, [number, number]>;
}

export interface PredictionLike {
  case_id: string;
  source: Source;
  intent: string;
  confidence: number;
  probabilities: number[];
  embedding: number[];
  received_at: number;
  warnings?: string[];
  ground_truth_intent?: string | null;
}

export function emptySummary(source: Source, windowStart: number, windowEnd: number): WindowSummary {
  return {
    source,
    windowStart,
    windowEnd,
    count: 0,
    deadLetters: 0,
    warnings: 0,
    lowConfidence: 0,
    top1Sum: 0,
    intentCounts: new Array(K).fill(0),
    confidenceHist: new Array(CONFIDENCE_BINS).fill(0),
    embeddingDim: 0,
    embeddingCount: 0,
    embeddingSum: [],
    embeddingCountByIntent: new Array(K).fill(0),
    embeddingSumByIntent: Array.from({ length: K }, () => []),
    embeddingDimMismatch: 0,
    sample: [],
    labelled: 0,
    correct: 0,
    confusion: source === 'synthetic' ? Array.from({ length: K }, () => new Array(K).fill(0)) : null,
    calibration: source === 'synthetic' ? emptyCalibrationBins() : null,
    offsets: {},
  };
}

export function confidenceBin(c: number): number {
  return Math.min(CONFIDENCE_BINS - 1, Math.max(0, Math.floor(c * CONFIDENCE_BINS)));
}

function compareSample(a: SampleItem, b: SampleItem): number {
  return a.key - b.key || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/** Adds to a bottom-k sample kept sorted by (hash, id); returns the sample. */
export function addToSample(sample: SampleItem[], item: SampleItem, k: number): SampleItem[] {
  if (sample.length >= k && compareSample(item, sample[sample.length - 1]) >= 0) return sample;
  let lo = 0;
  let hi = sample.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (compareSample(sample[mid], item) < 0) lo = mid + 1;
    else hi = mid;
  }
  if (sample[lo] && compareSample(sample[lo], item) === 0) return sample;
  sample.splice(lo, 0, item);
  if (sample.length > k) sample.length = k;
  return sample;
}

function addVec(into: number[], v: readonly number[]): void {
  if (into.length === 0) for (let i = 0; i < v.length; i++) into.push(0);
  for (let i = 0; i < v.length; i++) into[i] += v[i];
}

function noteOffset(s: WindowSummary, tp: string, offset: number): void {
  const r = s.offsets[tp];
  if (!r) s.offsets[tp] = [offset, offset];
  else {
    if (offset < r[0]) r[0] = offset;
    if (offset > r[1]) r[1] = offset;
  }
}

export function foldPrediction(s: WindowSummary, p: PredictionLike, opts: { lowConfidence: number; sampleSize: number }, tp?: string, offset?: number): void {
  const intent = INTENT_INDEX.get(p.intent);
  s.count += 1;
  if (tp !== undefined && offset !== undefined) noteOffset(s, tp, offset);
  if ((p.warnings?.length ?? 0) > 0) s.warnings += 1;
  if (p.confidence < opts.lowConfidence) s.lowConfidence += 1;
  const top1 = p.probabilities.length ? Math.max(...p.probabilities) : p.confidence;
  s.top1Sum += top1;
  s.confidenceHist[confidenceBin(p.confidence)] += 1;
  if (intent === undefined) return;
  s.intentCounts[intent] += 1;
  const e = p.embedding;
  if (e.length > 0) {
    if (s.embeddingDim === 0) s.embeddingDim = e.length;
    if (e.length !== s.embeddingDim) s.embeddingDimMismatch += 1;
    else {
      s.embeddingCount += 1;
      addVec(s.embeddingSum, e);
      s.embeddingCountByIntent[intent] += 1;
      addVec(s.embeddingSumByIntent[intent], e);
      addToSample(s.sample, { key: hash32(p.case_id), id: p.case_id, intent, e: Array.from(e) }, opts.sampleSize);
    }
  }
  if (s.source === 'synthetic' && p.ground_truth_intent) {
    const truth = INTENT_INDEX.get(p.ground_truth_intent);
    if (truth !== undefined) {
      s.labelled += 1;
      const ok = truth === intent;
      if (ok) s.correct += 1;
      s.confusion![truth][intent] += 1;
      addToCalibration(s.calibration!, p.confidence, ok);
    }
  }
}

/** Merges windows into one summary (a reference). Windows with another embedding dimension are left out of the embedding parts. */
export function mergeSummaries(source: Source, parts: readonly WindowSummary[], sampleSize: number): WindowSummary {
  const out = emptySummary(source, parts.length ? Math.min(...parts.map((p) => p.windowStart)) : 0, parts.length ? Math.max(...parts.map((p) => p.windowEnd)) : 0);
  const dims = new Map<number, number>();
  for (const p of parts) if (p.embeddingDim) dims.set(p.embeddingDim, (dims.get(p.embeddingDim) ?? 0) + p.embeddingCount);
  // The most common dimension wins: after a model change the reference follows the majority.
  out.embeddingDim = [...dims.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? 0;
  let sample: SampleItem[] = [];
  for (const p of parts) {
    out.count += p.count;
    out.deadLetters += p.deadLetters;
    out.warnings += p.warnings;
    out.lowConfidence += p.lowConfidence;
    out.top1Sum += p.top1Sum;
    out.labelled += p.labelled;
    out.correct += p.correct;
    for (let i = 0; i < K; i++) out.intentCounts[i] += p.intentCounts[i];
    for (let i = 0; i < CONFIDENCE_BINS; i++) out.confidenceHist[i] += p.confidenceHist[i];
    if (p.embeddingDim && p.embeddingDim === out.embeddingDim) {
      out.embeddingCount += p.embeddingCount;
      addVec(out.embeddingSum, p.embeddingSum);
      for (let i = 0; i < K; i++) {
        out.embeddingCountByIntent[i] += p.embeddingCountByIntent[i];
        if (p.embeddingSumByIntent[i].length) addVec(out.embeddingSumByIntent[i], p.embeddingSumByIntent[i]);
      }
      for (const it of p.sample) sample = addToSample(sample, it, sampleSize);
    }
    if (out.confusion && p.confusion) for (let i = 0; i < K; i++) for (let j = 0; j < K; j++) out.confusion[i][j] += p.confusion[i][j];
    if (out.calibration && p.calibration) {
      for (let i = 0; i < out.calibration.n.length; i++) {
        out.calibration.n[i] += p.calibration.n[i];
        out.calibration.confidence[i] += p.calibration.confidence[i];
        out.calibration.correct[i] += p.calibration.correct[i];
      }
    }
  }
  out.sample = sample;
  return out;
}

export interface PartitionProgress {
  maxEventTime: number | null;
  caughtUp: boolean;
  nextOffset: number;
  highWatermark: number;
  /** Wall-clock time the partition last delivered records (or was first seen); absent in old checkpoints. */
  activeAt?: number;
}

export interface AggregatorOptions {
  windowMs: number;
  latenessMs: number;
  lowConfidence: number;
  sampleSize: number;
  /** Most empty windows emitted in one go after a silence (older empty windows are skipped). */
  maxEmptyWindows: number;
  /**
   * A caught-up partition stops holding the watermark back only after it has delivered nothing for
   * this long (wall clock; Flink's "idleness"). Caught up is not enough: a partition the writer has
   * not reached yet looks caught up, and the others' later events would close its windows.
   */
  idleMs?: number;
}

/** The serialisable state of the aggregator (what the checkpoint stores). */
export interface AggregatorState {
  open: Record<string, WindowSummary>;
  nextClose: Partial<Record<Source, number>>;
  anyClosed: Partial<Record<Source, boolean>>;
  maxEventTime: Partial<Record<Source, number>>;
  partitions: Record<string, PartitionProgress>;
  lateSinceClose: Partial<Record<Source, number>>;
  lateTotal: Partial<Record<Source, number>>;
}

export function emptyAggregatorState(): AggregatorState {
  return { open: {}, nextClose: {}, anyClosed: {}, maxEventTime: {}, partitions: {}, lateSinceClose: {}, lateTotal: {} };
}

export type FoldOutcome = 'folded' | 'late' | 'skipped';

export class WindowAggregator {
  readonly state: AggregatorState;

  constructor(private readonly o: AggregatorOptions, state?: AggregatorState) {
    this.state = state ?? emptyAggregatorState();
  }

  windowStartOf(t: number): number {
    return Math.floor(t / this.o.windowMs) * this.o.windowMs;
  }

  /** Offset to resume a partition from (everything before it is already in the state). */
  nextOffset(tp: string): number | undefined {
    return this.state.partitions[tp]?.nextOffset;
  }

  private windowFor(source: Source, t: number): WindowSummary | null {
    const start = this.windowStartOf(t);
    const st = this.state;
    if (st.anyClosed[source] && start < (st.nextClose[source] ?? -Infinity)) return null;
    if (!st.anyClosed[source]) st.nextClose[source] = Math.min(st.nextClose[source] ?? Infinity, start);
    const key = `${source}:${start}`;
    let w = st.open[key];
    if (!w) {
      w = emptySummary(source, start, start + this.o.windowMs);
      st.open[key] = w;
    }
    return w;
  }

  private progress(tp: string, t: number | null, offset: number): void {
    const p = (this.state.partitions[tp] ??= { maxEventTime: null, caughtUp: false, nextOffset: 0, highWatermark: 0 });
    if (t !== null) p.maxEventTime = Math.max(p.maxEventTime ?? -Infinity, t);
    p.nextOffset = Math.max(p.nextOffset, offset + 1);
  }

  private late(source: Source): FoldOutcome {
    this.state.lateSinceClose[source] = (this.state.lateSinceClose[source] ?? 0) + 1;
    this.state.lateTotal[source] = (this.state.lateTotal[source] ?? 0) + 1;
    return 'late';
  }

  addPrediction(p: PredictionLike, tp: string, offset: number): FoldOutcome {
    if (offset < (this.nextOffset(tp) ?? 0)) return 'skipped';
    this.progress(tp, p.received_at, offset);
    this.state.maxEventTime[p.source] = Math.max(this.state.maxEventTime[p.source] ?? -Infinity, p.received_at);
    const w = this.windowFor(p.source, p.received_at);
    if (!w) return this.late(p.source);
    foldPrediction(w, p, this.o, tp, offset);
    return 'folded';
  }

  /** A dead letter counts in its source's window by failed_at; it does not move the watermark itself. */
  addDeadLetter(source: Source | null, failedAt: number, tp: string, offset: number): FoldOutcome {
    if (offset < (this.nextOffset(tp) ?? 0)) return 'skipped';
    this.progress(tp, failedAt, offset);
    if (!source) return 'skipped';
    const w = this.windowFor(source, failedAt);
    if (!w) return this.late(source);
    w.deadLetters += 1;
    noteOffset(w, tp, offset);
    return 'folded';
  }

  /** Records a partition's position after a fetch, or an offset consumed without a usable record. */
  notePartition(tp: string, update: { highWatermark: number; nextOffset?: number; activeAt?: number }): void {
    const p = (this.state.partitions[tp] ??= { maxEventTime: null, caughtUp: false, nextOffset: 0, highWatermark: 0, activeAt: update.activeAt });
    if (update.activeAt !== undefined) p.activeAt = Math.max(p.activeAt ?? 0, update.activeAt);
    if (update.nextOffset !== undefined) p.nextOffset = Math.max(p.nextOffset, update.nextOffset);
    p.highWatermark = update.highWatermark;
    p.caughtUp = p.nextOffset >= p.highWatermark;
  }

  /**
   * Event time up to which every partition that is behind or still active has been read (Infinity
   * when none is). `now` is the wall clock; the default treats every caught-up partition as idle.
   */
  private readBound(now: number): number {
    let bound = Infinity;
    const idleMs = this.o.idleMs ?? 0;
    for (const p of Object.values(this.state.partitions)) {
      if (p.caughtUp && (p.activeAt === undefined || now - p.activeAt >= idleMs)) continue;
      bound = Math.min(bound, p.maxEventTime ?? -Infinity);
    }
    return bound;
  }

  watermark(source: Source, now = Infinity): number | null {
    const max = this.state.maxEventTime[source];
    if (max === undefined) return null;
    const wm = Math.min(max, this.readBound(now)) - this.o.latenessMs;
    return Number.isFinite(wm) ? wm : null;
  }

  /** Whether closeReady() would close a window now. */
  hasReady(now = Infinity): boolean {
    for (const source of ['real', 'synthetic'] as Source[]) {
      const wm = this.watermark(source, now);
      const start = this.state.nextClose[source];
      if (wm !== null && start !== undefined && start + this.o.windowMs <= wm) return true;
    }
    return false;
  }

  /** Closes every window whose end the watermark has passed, in order, empty ones included. */
  closeReady(now = Infinity): WindowSummary[] {
    const out: WindowSummary[] = [];
    const st = this.state;
    for (const source of ['real', 'synthetic'] as Source[]) {
      const wm = this.watermark(source, now);
      let start = st.nextClose[source];
      if (wm === null || start === undefined) continue;
      while (start + this.o.windowMs <= wm) {
        const key = `${source}:${start}`;
        let w = st.open[key];
        if (!w) {
          // After a long silence, skip ahead rather than emitting weeks of empty windows.
          const emptyRun = Math.floor((wm - start) / this.o.windowMs);
          const nextOpen = Object.values(st.open).filter((x) => x.source === source && x.windowStart > start!).map((x) => x.windowStart);
          const limit = this.windowStartOf(wm) - this.o.maxEmptyWindows * this.o.windowMs;
          if (emptyRun > this.o.maxEmptyWindows && start < limit) {
            start = Math.min(limit, ...nextOpen);
            continue;
          }
          w = emptySummary(source, start, start + this.o.windowMs);
        }
        delete st.open[key];
        out.push(w);
        start += this.o.windowMs;
      }
      st.nextClose[source] = start;
      if (out.some((w) => w.source === source)) st.anyClosed[source] = true;
    }
    return out;
  }

  /** Late events since the previous close of `source`, reset by the call. */
  takeLate(source: Source): number {
    const n = this.state.lateSinceClose[source] ?? 0;
    this.state.lateSinceClose[source] = 0;
    return n;
  }

  /** Records behind the high watermark over the given partitions. */
  lag(tps: (tp: string) => boolean): number {
    let lag = 0;
    for (const [tp, p] of Object.entries(this.state.partitions)) if (tps(tp)) lag += Math.max(0, p.highWatermark - p.nextOffset);
    return lag;
  }
}
