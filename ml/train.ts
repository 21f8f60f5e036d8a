/**
 * `make train`: trains the released classifier, reproducibly for a seed.
 *
 * Data: template-generated cases plus data/train/handwritten.jsonl (upweighted: it is the most
 * realistic text we have), minus any case that is a near-duplicate (word 3-shingle Jaccard
 * >= 0.8) of a dev-set case. The dev set is only read to drop near-duplicates and is never
 * trained, calibrated or tuned on.
 *
 * Calibration by cross-fitting (issue 3): the hand-written rows are split into K stratified,
 * seeded folds; K fold models are each trained without one fold (early-stopped on that fold
 * plus a small template hold-out) and score the fold they did not see. The temperature and the
 * privacy threshold are fitted on those out-of-fold hand-written logits only: template text is
 * near-perfectly separable, so a temperature fitted on it (as in 1.0.0) made the model
 * over-confident on human text. The released model is then trained on ALL rows for the median
 * best epoch of the folds, so no hand-written case is lost to calibration. It sees K/(K-1)
 * times the hand-written data of each fold model, so the transferred temperature errs, if at
 * all, on the side of under-confidence. K = 3 by default: each fold run costs about as much as
 * the final one, and K = 4 took 13 minutes on a busy 2-core machine against the 15-minute budget.
 *
 * Optimisation: the dense head is trained with Adam in TensorFlow.js (cpu backend); the
 * embedding table gets a sparse Adagrad update of just the rows a batch touched, computed
 * from tf's gradient with respect to the bag vectors. A dense optimiser over a 2^17 x 64
 * table would touch 8M parameters per step for a few thousand non-zero gradient rows.
 */
import * as fs from 'fs';
import * as path from 'path';
import { SingleBar } from 'cli-progress';
import { INTENTS, NOT_PRIVACY } from '../lib/taxonomy';
import { GENERATOR_NAME, GENERATOR_VERSION, TEMPLATE_HASH, generateTemplateCases } from '../producers/synthetic/template';
import { createRng } from '../producers/synthetic/template/prng';
import { MODELS_DIR, setLatest, writeArtifact, type Calibration } from './artifact';
import { initBackend, tf } from './backend';
import { expectedCalibrationError, fitTemperature, nllAtTemperature } from './calibration';
import { DEFAULT_DECISION_RULE, decideIndex, NOT_PRIVACY_INDEX } from './decision';
import { DEFAULT_FEATURE_SETTINGS, featureIds, type FeatureSettings } from './features';
import { hashRows, labelIndex, nearDuplicateIndices, readLabelledJsonl, rowsFromTemplateCases, type LabelledRow } from './data';
import { bagInto, createInitialWeights, decodeWeights, denseForward, encodeWeights, softmaxInto, type ModelShape, type ModelWeights } from './model';

export const DEFAULT_MODEL_VERSION = 'pcc-intent-1.3.0';

export interface TrainOptions {
  seed: number;
  version: string;
  outDir: string;
  handwrittenPath: string;
  devsetPath: string;
  templateCount: number;
  handwrittenWeight: number;
  maxEpochs: number;
  patience: number;
  batchSize: number;
  bagDim: number;
  embeddingDim: number;
  features: FeatureSettings;
  lrDense: number;
  lrTable: number;
  dropout: number;
  /** Folds of the hand-written rows for cross-fitted calibration (>= 2). */
  calibrationFolds: number;
  /** Share of template rows held out, with the fold, for early stopping of the fold models. */
  heldOutTemplate: number;
  nearDuplicateJaccard: number;
  setLatest: boolean;
  progress: boolean;
}

export function defaultTrainOptions(root = path.resolve(__dirname, '..')): TrainOptions {
  return {
    seed: 20261128,
    version: DEFAULT_MODEL_VERSION,
    outDir: path.join(MODELS_DIR, DEFAULT_MODEL_VERSION),
    handwrittenPath: path.join(root, 'data/train/handwritten.jsonl'),
    devsetPath: path.join(root, 'data/devset/devset.jsonl'),
    templateCount: 40_000,
    handwrittenWeight: 4,
    maxEpochs: 10,
    patience: 2,
    batchSize: 128,
    bagDim: 64,
    embeddingDim: 128,
    features: { ...DEFAULT_FEATURE_SETTINGS },
    lrDense: 0.002,
    lrTable: 0.05,
    dropout: 0.2,
    calibrationFolds: 3,
    heldOutTemplate: 0.04,
    nearDuplicateJaccard: 0.8,
    setLatest: true,
    progress: true,
  };
}

interface Example {
  ids: Int32Array;
  label: number;
  weight: number;
  source: LabelledRow['source'];
}

/** Groups rows by label and shuffles each group with a seeded Rng, labels in sorted order. */
function shuffledByLabel(rows: readonly LabelledRow[], seed: number): LabelledRow[][] {
  const rng = createRng(seed);
  const groups = new Map<string, LabelledRow[]>();
  for (const r of rows) {
    const g = groups.get(r.label);
    if (g) g.push(r);
    else groups.set(r.label, [r]);
  }
  return [...groups.keys()].sort().map((key) => rng.shuffle(groups.get(key) ?? []));
}

/** Stratified (by label), seeded assignment of rows to k folds: fold sizes per label differ by at most one. */
export function stratifiedFolds(rows: readonly LabelledRow[], k: number, seed: number): LabelledRow[][] {
  if (!(Number.isInteger(k) && k >= 2)) throw new Error(`calibration folds must be an integer >= 2, got ${k}`);
  const folds: LabelledRow[][] = Array.from({ length: k }, () => []);
  let next = 0;
  for (const g of shuffledByLabel(rows, seed)) {
    // Continue the round-robin across labels so small labels do not all start in fold 0.
    for (const r of g) {
      folds[next].push(r);
      next = (next + 1) % k;
    }
  }
  return folds;
}

/** A stratified, seeded hold-out of `share` of the rows (none from a label with < 4 rows). */
function stratifiedHoldOut(rows: readonly LabelledRow[], share: number, seed: number): { kept: LabelledRow[]; heldOut: LabelledRow[] } {
  const kept: LabelledRow[] = [];
  const heldOut: LabelledRow[] = [];
  for (const g of shuffledByLabel(rows, seed)) {
    const n = g.length >= 4 ? Math.max(1, Math.round(g.length * share)) : 0;
    heldOut.push(...g.slice(0, n));
    kept.push(...g.slice(n));
  }
  return { kept, heldOut };
}

function toExamples(rows: readonly LabelledRow[], opts: TrainOptions): Example[] {
  return rows.map((r) => ({
    ids: featureIds(r.subject, r.text, opts.features),
    label: labelIndex(r.label),
    weight: r.source === 'handwritten' ? opts.handwrittenWeight : 1,
    source: r.source,
  }));
}

interface DenseState {
  w1: ReturnType<typeof tf.variable>;
  b1: ReturnType<typeof tf.variable>;
  w2: ReturnType<typeof tf.variable>;
  b2: ReturnType<typeof tf.variable>;
}

/** Logits [n x k] for examples, in batches, without dropout. */
function predictLogits(examples: readonly Example[], table: Float32Array, dense: DenseState, bagDim: number): Float32Array {
  const k = INTENTS.length;
  const out = new Float32Array(examples.length * k);
  const B = 512;
  for (let s = 0; s < examples.length; s += B) {
    const batch = examples.slice(s, s + B);
    const bags = new Float32Array(batch.length * bagDim);
    batch.forEach((e, i) => bagInto(e.ids, table, bagDim, bags, i * bagDim));
    const logitsT = tf.tidy(() => denseForward(tf, tf.tensor2d(bags, [batch.length, bagDim]), dense as never).logits);
    const logits = logitsT.dataSync() as Float32Array;
    logitsT.dispose();
    out.set(logits, s * k);
  }
  return out;
}

function accuracyOf(logits: Float32Array, examples: readonly Example[], filter: (e: Example) => boolean): number {
  const k = INTENTS.length;
  let n = 0;
  let correct = 0;
  examples.forEach((e, i) => {
    if (!filter(e)) return;
    n++;
    let best = 0;
    for (let j = 1; j < k; j++) if (logits[i * k + j] > logits[i * k + best]) best = j;
    if (best === e.label) correct++;
  });
  return n ? correct / n : 0;
}

/**
 * The privacy threshold maximising F2 (recall weighted over precision: a missed request costs
 * a legal deadline) of privacy-vs-not on held-out training rows; ties go to 0.5.
 */
export function choosePrivacyThreshold(probs: Float32Array, labels: readonly number[], weights: readonly number[]): number {
  const k = INTENTS.length;
  let best = DEFAULT_DECISION_RULE.privacyThreshold;
  let bestScore = -1;
  const candidates = [0.5, 0.45, 0.55, 0.4, 0.6, 0.65, 0.7, 0.75, 0.8, 0.35, 0.3];
  for (const t of candidates) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < labels.length; i++) {
      const pred = decideIndex(probs, i * k, { privacyThreshold: t }) !== NOT_PRIVACY_INDEX;
      const truth = labels[i] !== NOT_PRIVACY_INDEX;
      if (pred && truth) tp += weights[i];
      else if (pred && !truth) fp += weights[i];
      else if (!pred && truth) fn += weights[i];
    }
    const p = tp / Math.max(tp + fp, 1e-9);
    const r = tp / Math.max(tp + fn, 1e-9);
    const f2 = p + r > 0 ? (5 * p * r) / (4 * p + r) : 0;
    // Candidates are ordered by distance from 0.5, so a strict improvement is needed to move.
    if (f2 > bestScore + 1e-9) {
      bestScore = f2;
      best = t;
    }
  }
  return best;
}

export interface TrainSummary {
  version: string;
  outDir: string;
  seconds: number;
  finalEpochs: number;
  foldBestEpochs: number[];
  rows: Record<string, number>;
  temperature: number;
  privacyThreshold: number;
  outOfFold: Record<string, number>;
}

interface EpochEntry {
  run: string;
  epoch: number;
  train_loss: number;
  stop_nll?: number;
  stop_accuracy?: number;
  stop_handwritten_accuracy?: number;
}

interface RunResult {
  weights: ModelWeights;
  bestEpoch: number;
  epochs: EpochEntry[];
}

interface RunSpec {
  name: string;
  trainEx: readonly Example[];
  /** Early-stopping rows; with none, the run trains exactly maxEpochs and keeps the last weights. */
  stopEx: readonly Example[];
  maxEpochs: number;
}

const log = (msg: string): void => {
  process.stderr.write(`[train] ${msg}\n`);
};

/** One training run from the seeded initial weights; every run with the same seed starts alike. */
function runTraining(spec: RunSpec, opts: TrainOptions, shape: ModelShape): RunResult {
  const rng = createRng(opts.seed);
  const init = createInitialWeights(shape, rng.fork('init'));
  const table = init.table;
  const accum = new Float32Array(table.length).fill(0.1);
  const gradBuf = new Float32Array(table.length);
  const touched = new Uint8Array(shape.buckets);
  const dense: DenseState = {
    w1: tf.variable(tf.tensor2d(init.w1, [shape.bagDim, shape.embeddingDim]), true, 'pcc_w1'),
    b1: tf.variable(tf.tensor1d(init.b1), true, 'pcc_b1'),
    w2: tf.variable(tf.tensor2d(init.w2, [shape.embeddingDim, shape.numLabels]), true, 'pcc_w2'),
    b2: tf.variable(tf.tensor1d(init.b2), true, 'pcc_b2'),
  };
  const optimizer = tf.train.adam(opts.lrDense);
  const { bagDim } = shape;
  const k = INTENTS.length;
  const { trainEx, stopEx } = spec;

  const batchesPerEpoch = Math.ceil(trainEx.length / opts.batchSize);
  const bar = opts.progress ? new SingleBar({ stream: process.stderr, format: `${spec.name.padEnd(6)} |{bar}| {percentage}% | epoch {epoch} | {value}/{total} batches | loss {loss} | eta {eta}s`, hideCursor: true }) : null;
  bar?.start(batchesPerEpoch * spec.maxEpochs, 0, { epoch: 1, loss: '-' });

  const snapshot = (): Omit<ModelWeights, 'shape'> => ({
    table: table.slice(),
    w1: (dense.w1.dataSync() as Float32Array).slice(),
    b1: (dense.b1.dataSync() as Float32Array).slice(),
    w2: (dense.w2.dataSync() as Float32Array).slice(),
    b2: (dense.b2.dataSync() as Float32Array).slice(),
  });
  let best: { nll: number; epoch: number; weights: Omit<ModelWeights, 'shape'> | null } = { nll: Infinity, epoch: 0, weights: null };
  let stepSeed = opts.seed;
  const stopLabels = stopEx.map((e) => e.label);
  const stopWeights = stopEx.map((e) => e.weight);
  const epochLog: EpochEntry[] = [];

  for (let epoch = 1; epoch <= spec.maxEpochs; epoch++) {
    const order = rng.shuffle(trainEx.map((_, i) => i));
    let lossSum = 0;
    for (let b = 0; b < batchesPerEpoch; b++) {
      const idx = order.slice(b * opts.batchSize, (b + 1) * opts.batchSize);
      const n = idx.length;
      const bags = new Float32Array(n * bagDim);
      const labels = new Int32Array(n);
      const w = new Float32Array(n);
      idx.forEach((ei, i) => {
        bagInto(trainEx[ei].ids, table, bagDim, bags, i * bagDim);
        labels[i] = trainEx[ei].label;
        w[i] = trainEx[ei].weight;
      });
      stepSeed = (stepSeed + 1) >>> 0;
      const seedNow = stepSeed;
      const { value, grads } = tf.tidy(() => {
        const bagT = tf.tensor2d(bags, [n, bagDim]);
        const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), k);
        const wT = tf.tensor1d(w);
        const wSum = w.reduce((s, x) => s + x, 0);
        const f = tf.valueAndGrads((bag: tf.Tensor, w1: tf.Tensor, b1: tf.Tensor, w2: tf.Tensor, b2: tf.Tensor) => {
          const dropped = opts.dropout > 0 ? tf.dropout(bag, opts.dropout, undefined, seedNow) : bag;
          const { logits } = denseForward(tf, dropped as tf.Tensor2D, { w1: w1 as tf.Tensor2D, b1: b1 as tf.Tensor1D, w2: w2 as tf.Tensor2D, b2: b2 as tf.Tensor1D });
          const perExample = tf.neg(tf.sum(tf.mul(oneHot, tf.logSoftmax(logits)), 1));
          return tf.div(tf.sum(tf.mul(perExample, wT)), wSum) as tf.Scalar;
        });
        return f([bagT, dense.w1, dense.b1, dense.w2, dense.b2]);
      });
      optimizer.applyGradients({ pcc_w1: grads[1], pcc_b1: grads[2], pcc_w2: grads[3], pcc_b2: grads[4] } as unknown as Parameters<typeof optimizer.applyGradients>[0]);
      const dBag = grads[0].dataSync() as Float32Array;
      lossSum += (value.dataSync() as Float32Array)[0];
      tf.dispose([value, ...grads]);

      // Sparse Adagrad on the table rows this batch touched.
      const touchedRows: number[] = [];
      idx.forEach((ei, i) => {
        const ids = trainEx[ei].ids;
        if (!ids.length) return;
        const s = 1 / Math.sqrt(ids.length);
        const go = i * bagDim;
        for (let q = 0; q < ids.length; q++) {
          const r = ids[q];
          if (!touched[r]) {
            touched[r] = 1;
            touchedRows.push(r);
          }
          const ro = r * bagDim;
          for (let d = 0; d < bagDim; d++) gradBuf[ro + d] += dBag[go + d] * s;
        }
      });
      for (const r of touchedRows) {
        touched[r] = 0;
        const ro = r * bagDim;
        for (let d = 0; d < bagDim; d++) {
          const g = gradBuf[ro + d];
          gradBuf[ro + d] = 0;
          accum[ro + d] += g * g;
          table[ro + d] -= (opts.lrTable * g) / Math.sqrt(accum[ro + d]);
        }
      }
      bar?.increment(1, { epoch, loss: (lossSum / (b + 1)).toFixed(4) });
    }

    const entry: EpochEntry = { run: spec.name, epoch, train_loss: lossSum / batchesPerEpoch };
    epochLog.push(entry);
    if (!stopEx.length) {
      if (!bar) log(JSON.stringify(entry));
      continue;
    }
    const stopLogits = predictLogits(stopEx, table, dense, bagDim);
    entry.stop_nll = nllAtTemperature(stopLogits, stopLabels, k, 1, stopWeights);
    entry.stop_accuracy = accuracyOf(stopLogits, stopEx, () => true);
    entry.stop_handwritten_accuracy = accuracyOf(stopLogits, stopEx, (e) => e.source === 'handwritten');
    if (!bar) log(JSON.stringify(entry));
    if (entry.stop_nll < best.nll - 1e-4) {
      best = { nll: entry.stop_nll, epoch, weights: snapshot() };
    } else if (epoch - best.epoch >= opts.patience) {
      break;
    }
  }
  bar?.update(batchesPerEpoch * spec.maxEpochs);
  bar?.stop();
  const kept = stopEx.length && best.weights ? best : { epoch: epochLog.length, weights: snapshot() };
  tf.dispose([dense.w1, dense.b1, dense.w2, dense.b2]);
  optimizer.dispose();
  for (const e of epochLog) {
    const stop = e.stop_nll === undefined ? '' : ` stop nll ${e.stop_nll.toFixed(4)} acc ${(e.stop_accuracy ?? 0).toFixed(4)} handwritten acc ${(e.stop_handwritten_accuracy ?? 0).toFixed(4)}`;
    log(`${e.run} epoch ${e.epoch}: loss ${e.train_loss.toFixed(4)}${stop}`);
  }
  return { weights: { shape, ...(kept.weights as Omit<ModelWeights, 'shape'>) }, bestEpoch: kept.epoch, epochs: epochLog };
}

/** Logits of examples under the weights as they will be served (int8 round-trip of the table). */
function servedLogits(weights: ModelWeights, examples: readonly Example[]): Float32Array {
  const served = decodeWeights(encodeWeights(weights));
  const { bagDim, embeddingDim, numLabels } = weights.shape;
  const vars: DenseState = {
    w1: tf.variable(tf.tensor2d(served.w1, [bagDim, embeddingDim]), false),
    b1: tf.variable(tf.tensor1d(served.b1), false),
    w2: tf.variable(tf.tensor2d(served.w2, [embeddingDim, numLabels]), false),
    b2: tf.variable(tf.tensor1d(served.b2), false),
  };
  const logits = predictLogits(examples, served.table, vars, bagDim);
  tf.dispose([vars.w1, vars.b1, vars.w2, vars.b2]);
  return logits;
}

/** ECE (15 bins) of the decided label's probability, as the classifier reports confidence. */
export function decisionEce(logits: Float32Array, labels: readonly number[], temperature: number, privacyThreshold: number): number {
  const k = INTENTS.length;
  const p = new Float32Array(k);
  const conf: number[] = [];
  const correct: boolean[] = [];
  for (let i = 0; i < labels.length; i++) {
    softmaxInto(logits, i * k, k, temperature, p, 0);
    const j = decideIndex(p, 0, { privacyThreshold });
    conf.push(p[j]);
    correct.push(j === labels[i]);
  }
  return expectedCalibrationError(conf, correct, 15).ece;
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export async function train(opts: TrainOptions): Promise<TrainSummary> {
  const started = Date.now();
  await initBackend('cpu');

  const hw = readLabelledJsonl(opts.handwrittenPath, 'handwritten');
  const dev = readLabelledJsonl(opts.devsetPath, 'handwritten');
  const templates = rowsFromTemplateCases(generateTemplateCases({ count: opts.templateCount, seed: opts.seed }));
  const hwDup = nearDuplicateIndices(hw.rows, dev.rows, opts.nearDuplicateJaccard);
  const tplDup = nearDuplicateIndices(templates, dev.rows, opts.nearDuplicateJaccard);
  const hwRows = hw.rows.filter((_, i) => !hwDup.has(i));
  const tplRows = templates.filter((_, i) => !tplDup.has(i));
  const rows = [...hwRows, ...tplRows];
  log(`handwritten ${hw.rows.length} (skipped ${hw.skipped} bad lines), template ${templates.length}, dev ${dev.rows.length}`);
  log(`dropped near-duplicates of dev cases (Jaccard >= ${opts.nearDuplicateJaccard}): handwritten ${hwDup.size}, template ${tplDup.size}`);
  const trainingDataSha256 = hashRows(rows);

  const K = opts.calibrationFolds;
  const folds = stratifiedFolds(hwRows, K, opts.seed ^ 0x5eed);
  const { kept: tplFit, heldOut: tplStop } = stratifiedHoldOut(tplRows, opts.heldOutTemplate, opts.seed ^ 0x7e57);
  const tplFitEx = toExamples(tplFit, opts);
  const tplStopEx = toExamples(tplStop, opts);
  const foldEx = folds.map((f) => toExamples(f, opts));
  const shape: ModelShape = { buckets: opts.features.buckets, bagDim: opts.bagDim, embeddingDim: opts.embeddingDim, numLabels: INTENTS.length };
  const k = INTENTS.length;

  // Out-of-fold logits of every hand-written row, from the fold model that did not see it.
  const oofLogits = new Float32Array(hwRows.length * k);
  const oofLabels: number[] = [];
  const foldBestEpochs: number[] = [];
  const epochLog: EpochEntry[] = [];
  let o = 0;
  for (let f = 0; f < K; f++) {
    const trainEx = [...foldEx.filter((_, g) => g !== f).flat(), ...tplFitEx];
    const stopEx = [...foldEx[f], ...tplStopEx];
    log(`fold ${f + 1}/${K}: train ${trainEx.length}, early stopping on ${stopEx.length} (handwritten ${foldEx[f].length})`);
    const run = runTraining({ name: `fold${f + 1}`, trainEx, stopEx, maxEpochs: opts.maxEpochs }, opts, shape);
    foldBestEpochs.push(run.bestEpoch);
    epochLog.push(...run.epochs);
    oofLogits.set(servedLogits(run.weights, foldEx[f]), o * k);
    for (const e of foldEx[f]) oofLabels.push(e.label);
    o += foldEx[f].length;
  }

  const temperature = fitTemperature(oofLogits, oofLabels, k);
  const probs = new Float32Array(oofLogits.length);
  for (let i = 0; i < oofLabels.length; i++) softmaxInto(oofLogits, i * k, k, temperature, probs, i * k);
  const privacyThreshold = choosePrivacyThreshold(probs, oofLabels, oofLabels.map(() => 1));
  const calibration: Calibration = {
    temperature,
    privacyThreshold,
    fittedOn: `out-of-fold logits of all ${oofLabels.length} hand-written training rows (${K}-fold cross-fitting, stratified by label, seeded); template rows excluded`,
    heldOutNllBefore: nllAtTemperature(oofLogits, oofLabels, k, 1),
    heldOutNllAfter: nllAtTemperature(oofLogits, oofLabels, k, temperature),
    heldOutEceBefore: decisionEce(oofLogits, oofLabels, 1, privacyThreshold),
    heldOutEceAfter: decisionEce(oofLogits, oofLabels, temperature, privacyThreshold),
  };
  log(`calibration on ${oofLabels.length} out-of-fold hand-written rows: T=${temperature.toFixed(3)}, threshold ${privacyThreshold}, NLL ${calibration.heldOutNllBefore.toFixed(4)} -> ${calibration.heldOutNllAfter.toFixed(4)}, ECE ${calibration.heldOutEceBefore?.toFixed(4)} -> ${calibration.heldOutEceAfter?.toFixed(4)}`);

  // The released model: every row, for the median best epoch of the fold models.
  const finalEpochs = Math.max(1, Math.round(median(foldBestEpochs)));
  const allEx = toExamples(rows, opts);
  log(`final model: train ${allEx.length} rows for ${finalEpochs} epochs (fold best epochs ${foldBestEpochs.join(', ')})`);
  const final = runTraining({ name: 'final', trainEx: allEx, stopEx: [], maxEpochs: finalEpochs }, opts, shape);
  epochLog.push(...final.epochs);

  const seconds = (Date.now() - started) / 1000;
  const countBy = (rs: readonly LabelledRow[]): Record<string, number> => Object.fromEntries(INTENTS.map((l) => [l, rs.filter((r) => r.label === l).length]));
  const training = {
    seed: opts.seed,
    generator: { name: GENERATOR_NAME, version: GENERATOR_VERSION, template_hash: TEMPLATE_HASH, count: opts.templateCount },
    training_data_sha256: trainingDataSha256,
    rows: {
      handwritten_read: hw.rows.length,
      handwritten_bad_lines: hw.skipped,
      template_generated: templates.length,
      dev_rows_for_dedup: dev.rows.length,
      dropped_near_duplicates_handwritten: hwDup.size,
      dropped_near_duplicates_template: tplDup.size,
      train: allEx.length,
      calibration_out_of_fold_handwritten: oofLabels.length,
      fold_early_stopping_template: tplStopEx.length,
    },
    label_counts: countBy(rows),
    near_duplicate_rule: `word 3-shingle Jaccard >= ${opts.nearDuplicateJaccard} against data/devset/devset.jsonl`,
    hyperparameters: {
      bagDim: opts.bagDim, embeddingDim: opts.embeddingDim, batchSize: opts.batchSize, maxEpochs: opts.maxEpochs, patience: opts.patience,
      lrDense: opts.lrDense, lrTable: opts.lrTable, dropout: opts.dropout, handwrittenWeight: opts.handwrittenWeight, calibrationFolds: K,
    },
    fold_best_epochs: foldBestEpochs,
    final_epochs: finalEpochs,
    epochs: epochLog,
    train_seconds: seconds,
    not_privacy_label: NOT_PRIVACY,
  };
  writeArtifact({ dir: opts.outDir, version: opts.version, weights: final.weights, settings: opts.features, calibration, training, trainingDataSha256 });
  if (opts.setLatest) setLatest(opts.version);
  log(`wrote ${opts.outDir} in ${seconds.toFixed(1)} s (${finalEpochs} epochs, T=${temperature.toFixed(3)}, privacy threshold ${privacyThreshold})`);
  return {
    version: opts.version,
    outDir: opts.outDir,
    seconds,
    finalEpochs,
    foldBestEpochs,
    rows: training.rows,
    temperature,
    privacyThreshold,
    outOfFold: {
      nll_before: calibration.heldOutNllBefore,
      nll_after: calibration.heldOutNllAfter,
      ece_before: calibration.heldOutEceBefore ?? NaN,
      ece_after: calibration.heldOutEceAfter ?? NaN,
    },
  };
}

export function parseTrainArgs(argv: readonly string[], base = defaultTrainOptions()): TrainOptions {
  const opts = { ...base, features: { ...base.features } };
  const num = (name: string, v: string | undefined): number => {
    const x = Number(v);
    if (v === undefined || !Number.isFinite(x)) throw new Error(`--${name} needs a number, got ${String(v)}`);
    return x;
  };
  let outDirSet = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    switch (a) {
      case '--seed': opts.seed = num('seed', v); i++; break;
      case '--version': opts.version = String(v); i++; break;
      case '--out': opts.outDir = path.resolve(String(v)); outDirSet = true; i++; break;
      case '--handwritten': opts.handwrittenPath = path.resolve(String(v)); i++; break;
      case '--devset': opts.devsetPath = path.resolve(String(v)); i++; break;
      case '--template-count': opts.templateCount = num('template-count', v); i++; break;
      case '--epochs': opts.maxEpochs = num('epochs', v); i++; break;
      case '--buckets': opts.features.buckets = num('buckets', v); i++; break;
      case '--folds': opts.calibrationFolds = num('folds', v); i++; break;
      case '--no-latest': opts.setLatest = false; break;
      case '--no-progress': opts.progress = false; break;
      default: throw new Error(`unknown option ${a}`);
    }
  }
  if (!outDirSet) opts.outDir = path.join(MODELS_DIR, opts.version);
  if (!process.stderr.isTTY) opts.progress = opts.progress && false;
  return opts;
}

if (require.main === module) {
  train(parseTrainArgs(process.argv.slice(2)))
    .then((s) => {
      process.stdout.write(JSON.stringify(s, null, 2) + '\n');
    })
    .catch((err: unknown) => {
      process.stderr.write(`train failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
      process.exitCode = 1;
    });
  void fs;
}
