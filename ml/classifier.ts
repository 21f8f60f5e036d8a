/**
 * The inference API used by the stream processor and `pcc classify`:
 * `loadClassifier(dir?)` -> a Classifier with a batched `classifyBatch`.
 * Runs offline from the files in a model directory (see ml/artifact.ts).
 */
import { INTENTS, type Intent } from '../lib/taxonomy';
import { readArtifact, resolveModelDir } from './artifact';
import { initBackend, tf, type BackendName } from './backend';
import { decideIndex, type DecisionRule } from './decision';
import { bigramFromHashes, bigramWordHash, caseText, normaliseText, tokenize, wordFeatureIds, type FeatureSettings } from './features';
import { denseForward, softmaxInto, type DenseVars, type ModelWeights } from './model';

export interface ClassifyInput {
  subject?: string;
  body: string;
}

export interface ClassifyResult {
  intent: Intent;
  confidence: number;
  /** Calibrated, one per label in INTENTS order; sums to 1. */
  probabilities: number[];
  embedding: Float32Array;
}

export interface Classifier {
  version: string;
  labels: readonly Intent[];
  embeddingDim: number;
  backend: string;
  classifyBatch(items: readonly ClassifyInput[]): ClassifyResult[];
  dispose(): void;
}

export interface LoadOptions {
  backend?: BackendName;
  /** Bound on the per-word vector cache (entries). */
  wordCacheSize?: number;
}

interface WordVector {
  vec: Float32Array;
  count: number;
  /** bigramWordHash of the word, cached with its vector. */
  bigramHash: number;
}

/**
 * Builds the bag vectors of a batch. Each distinct word's row sum (its unigram plus character
 * n-grams) is cached, so a case costs one vector add per word plus one row per bigram; the
 * result equals bagInto(featureIds(...)) up to float rounding.
 */
export function createBagBuilder(weights: ModelWeights, settings: FeatureSettings, cacheSize = 200_000) {
  const { bagDim } = weights.shape;
  if (bagDim % 4 !== 0) throw new Error(`bagDim must be a multiple of 4, got ${bagDim}`);
  const table = weights.table;
  const cache = new Map<string, WordVector>();
  const bigrams = settings.wordBigrams;
  const buckets = settings.buckets;
  const wordVector = (word: string): WordVector => {
    let wv = cache.get(word);
    if (wv) return wv;
    const ids = wordFeatureIds(word, settings);
    const vec = new Float32Array(bagDim);
    for (const id of ids) {
      const row = id * bagDim;
      for (let d = 0; d < bagDim; d++) vec[d] += table[row + d];
    }
    wv = { vec, count: ids.length, bigramHash: bigramWordHash(word) };
    // A simple bound rather than LRU: clearing is rare and the cache refills from hot words.
    if (cache.size >= cacheSize) cache.clear();
    cache.set(word, wv);
    return wv;
  };
  return (items: readonly ClassifyInput[]): Float32Array => {
    const out = new Float32Array(items.length * bagDim);
    for (let i = 0; i < items.length; i++) {
      const off = i * bagDim;
      const tokens = tokenize(normaliseText(caseText(items[i].subject, items[i].body ?? '')), settings.maxTokens);
      let count = 0;
      let prevHash = 0;
      const acc = out.subarray(off, off + bagDim);
      for (let t = 0; t < tokens.length; t++) {
        const wv = wordVector(tokens[t]);
        const v = wv.vec;
        count += wv.count;
        if (bigrams && t > 0) {
          // Word vector and bigram row added in one pass: one read-modify-write of acc.
          const row = bigramFromHashes(prevHash, wv.bigramHash, buckets) * bagDim;
          for (let d = 0; d < bagDim; d += 4) {
            acc[d] += v[d] + table[row + d];
            acc[d + 1] += v[d + 1] + table[row + d + 1];
            acc[d + 2] += v[d + 2] + table[row + d + 2];
            acc[d + 3] += v[d + 3] + table[row + d + 3];
          }
          count++;
        } else {
          for (let d = 0; d < bagDim; d++) acc[d] += v[d];
        }
        prevHash = wv.bigramHash;
      }
      if (count > 0) {
        const s = 1 / Math.sqrt(count);
        for (let d = 0; d < bagDim; d++) out[off + d] *= s;
      }
    }
    return out;
  };
}

export async function loadClassifier(dir?: string, options: LoadOptions = {}): Promise<Classifier> {
  const modelDir = resolveModelDir(dir);
  const art = readArtifact(modelDir);
  const backend = await initBackend(options.backend ?? 'wasm');
  const { weights, settings, calibration, manifest } = art;
  const { bagDim, embeddingDim, numLabels } = weights.shape;
  if (numLabels !== INTENTS.length) throw new Error(`model has ${numLabels} outputs, expected ${INTENTS.length}`);
  const vars: DenseVars = {
    w1: tf.tensor2d(weights.w1, [bagDim, embeddingDim]),
    b1: tf.tensor1d(weights.b1),
    w2: tf.tensor2d(weights.w2, [embeddingDim, numLabels]),
    b2: tf.tensor1d(weights.b2),
  };
  const buildBags = createBagBuilder(weights, settings, options.wordCacheSize);
  const rule: DecisionRule = { privacyThreshold: calibration.privacyThreshold };
  const temperature = calibration.temperature;
  let disposed = false;
  return {
    version: manifest.version,
    labels: INTENTS,
    embeddingDim,
    backend,
    classifyBatch(items) {
      if (disposed) throw new Error('classifier has been disposed');
      if (items.length === 0) return [];
      const bags = buildBags(items);
      // tidy returns the tensors, not their data: tidy walks whatever it returns, and walking
      // a large typed array element by element cost more than the whole dense head.
      const { embedding: embT, logits: logitsT } = tf.tidy(() => denseForward(tf, tf.tensor2d(bags, [items.length, bagDim]), vars));
      const logits = logitsT.dataSync() as Float32Array;
      const emb = embT.dataSync() as Float32Array;
      tf.dispose([embT, logitsT]);
      const probs = new Float32Array(numLabels);
      const out: ClassifyResult[] = [];
      for (let i = 0; i < items.length; i++) {
        softmaxInto(logits, i * numLabels, numLabels, temperature, probs, 0);
        const k = decideIndex(probs, 0, rule);
        out.push({
          intent: INTENTS[k],
          confidence: probs[k],
          probabilities: Array.from(probs),
          embedding: emb.slice(i * embeddingDim, (i + 1) * embeddingDim),
        });
      }
      return out;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      vars.w1.dispose();
      vars.b1.dispose();
      vars.w2.dispose();
      vars.b2.dispose();
    },
  };
}
