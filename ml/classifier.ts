/**
 * The inference API used by the stream processor and `pcc classify`:
 * `loadClassifier(dir?)` -> a Classifier with a batched `classifyBatch`.
 * Runs offline from the files in a model directory (see ml/artifact.ts).
 */
import { INTENTS, type Intent } from '../lib/taxonomy';
import { readArtifact, resolveModelDir } from './artifact';
import { initBackend, tf, type BackendName } from './backend';
import { createBagKernel } from './bag-kernel';
import { decideIndex, type DecisionRule } from './decision';
import { bigramFromHashes, caseText, createTokenScanner, normaliseText, tokenAt, wordFeatureIds, type FeatureSettings, type TokenSpans } from './features';
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
  /** A view into the batch's embedding buffer (all results of a batch share it); read-only by convention. */
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
  /** Sum the bags with the WebAssembly SIMD kernel (default true; false: the JavaScript loop, same bits). */
  bagKernel?: boolean;
}

/**
 * Builds the bag vectors of a batch. Each distinct word's row sum (its unigram plus character
 * n-grams) is cached, so a case costs one vector add per word plus one row per bigram; the
 * result equals bagInto(featureIds(...)) up to float rounding.
 *
 * The hot path allocates nothing per word: tokens are scanned as spans of the normalised text
 * with their bigram hash, the cache is an open-addressing table keyed by that hash (a hit
 * compares char codes with the stored word, so no token string is built), and the cached
 * vectors live in one Float32Array. The float operations and their order are those of the
 * per-word Map version this replaced, so the bags are bit-identical
 * (test/unit/ml/features-golden.test.ts).
 */
export function createBagBuilder(weights: ModelWeights, settings: FeatureSettings, wordCacheSize = 200_000, options: { kernel?: boolean } = {}) {
  const { bagDim } = weights.shape;
  if (bagDim % 4 !== 0) throw new Error(`bagDim must be a multiple of 4, got ${bagDim}`);
  if (!(wordCacheSize >= 1)) throw new Error(`wordCacheSize must be at least 1, got ${wordCacheSize}`);
  const cacheSize = Math.floor(wordCacheSize);
  // Rows are read from the int8 table the artifact stores: Math.fround(q * scale) is exactly the
  // float table's value, and a row is one cache line instead of four (bigram rows are random
  // reads across the whole table).
  if (!weights.quantized) throw new Error('createBagBuilder needs the int8 table of decoded weights (decodeWeights)');
  const bigrams = settings.wordBigrams;
  const buckets = settings.buckets;
  const maxTokens = settings.maxTokens;
  // The SIMD kernel sums a case's rows (ml/wasm/bag-kernel.wat) with the same float operations
  // as addTokens below; the table and the word vectors then live in its memory.
  const kernel = options.kernel === false ? null : createBagKernel(weights.quantized.q, bagDim, cacheSize, maxTokens);
  const q = kernel ? kernel.q : weights.quantized.q;
  const scales = weights.quantized.scales;
  const scan = createTokenScanner();
  // A local binding: a call through the module import is a property read on the exports object
  // (a getter once TypeScript is compiled to CommonJS), once per token here.
  const bigramOf = bigramFromHashes;

  // Entry e: words[e], hashes[e] (its bigramWordHash), counts[e] (its number of ids) and
  // vectors[e*bagDim ..]. slots holds e+1 per table slot, 0 for empty; at most half full.
  let capacity = Math.min(cacheSize, 1024);
  let size = 0;
  /** Times the cache was emptied; a case compares it before and after its lookups. */
  let clears = 0;
  let words: string[] = [];
  let hashes = new Uint32Array(capacity);
  let counts = new Int32Array(capacity);
  // With the kernel the vectors are reserved at the cache's bound in its memory and never move.
  let vectors = kernel ? kernel.vectors : new Float32Array(capacity * bagDim);
  let slots = new Int32Array(slotCountFor(capacity));
  let slotMask = slots.length - 1;

  const grow = (): void => {
    capacity = Math.min(cacheSize, capacity * 2);
    const h = new Uint32Array(capacity);
    h.set(hashes);
    hashes = h;
    const c = new Int32Array(capacity);
    c.set(counts);
    counts = c;
    if (!kernel) {
      const v = new Float32Array(capacity * bagDim);
      v.set(vectors);
      vectors = v;
    }
    slots = new Int32Array(slotCountFor(capacity));
    slotMask = slots.length - 1;
    for (let e = 0; e < size; e++) {
      let k = hashes[e] & slotMask;
      while (slots[k] !== 0) k = (k + 1) & slotMask;
      slots[k] = e + 1;
    }
  };

  /** Entry of the token text[start, end) with bigram hash h, computing it on a miss. */
  const entryOf = (text: string, start: number, end: number, h: number): number => {
    let k = h & slotMask;
    for (let s = slots[k]; s !== 0; k = (k + 1) & slotMask, s = slots[k]) {
      const e = s - 1;
      if (hashes[e] === h && sameToken(words[e], text, start, end)) return e;
    }
    if (size >= cacheSize) {
      // A simple bound rather than LRU: clearing is rare and the cache refills from hot words.
      size = 0;
      clears++;
      words = [];
      slots.fill(0);
      k = h & slotMask;
    } else if (size === capacity) {
      grow();
      k = h & slotMask;
      while (slots[k] !== 0) k = (k + 1) & slotMask;
    }
    const e = size++;
    const word = tokenAt(text, start, end);
    const ids = wordFeatureIds(word, settings);
    const base = e * bagDim;
    vectors.fill(0, base, base + bagDim);
    for (const id of ids) {
      const row = id * bagDim;
      const sc = scales[id];
      for (let d = 0; d < bagDim; d++) vectors[base + d] += Math.fround(q[row + d] * sc);
    }
    words[e] = word;
    hashes[e] = h;
    counts[e] = ids.length;
    slots[k] = e + 1;
    return e;
  };

  // Per case: each token's vector offset and bigram row offset (-1 for none), then the adds.
  let vecAt = new Int32Array(Math.min(maxTokens, 1024));
  let rowAt = new Int32Array(vecAt.length);
  let rowScale = new Float64Array(vecAt.length);

  /**
   * bag[d] = sum over tokens of (vector[d] + bigram row[d]), rounded to float32 after each
   * token as a Float32Array element is: the order of the per-token adds of the Map version.
   * Eight dimensions at a time, over all tokens, keep the running sums in registers instead
   * of loading and storing the bag once per token.
   */
  const addTokens = (out: Float32Array, off: number, n: number): void => {
    const v = vectors;
    for (let b = 0; b < bagDim; b += 8) {
      let a0 = 0;
      let a1 = 0;
      let a2 = 0;
      let a3 = 0;
      let a4 = 0;
      let a5 = 0;
      let a6 = 0;
      let a7 = 0;
      for (let t = 0; t < n; t++) {
        const vb = vecAt[t] + b;
        const r = rowAt[t];
        if (r >= 0) {
          const rb = r + b;
          const s = rowScale[t];
          a0 = Math.fround(a0 + (v[vb] + Math.fround(q[rb] * s)));
          a1 = Math.fround(a1 + (v[vb + 1] + Math.fround(q[rb + 1] * s)));
          a2 = Math.fround(a2 + (v[vb + 2] + Math.fround(q[rb + 2] * s)));
          a3 = Math.fround(a3 + (v[vb + 3] + Math.fround(q[rb + 3] * s)));
          a4 = Math.fround(a4 + (v[vb + 4] + Math.fround(q[rb + 4] * s)));
          a5 = Math.fround(a5 + (v[vb + 5] + Math.fround(q[rb + 5] * s)));
          a6 = Math.fround(a6 + (v[vb + 6] + Math.fround(q[rb + 6] * s)));
          a7 = Math.fround(a7 + (v[vb + 7] + Math.fround(q[rb + 7] * s)));
        } else {
          a0 = Math.fround(a0 + v[vb]);
          a1 = Math.fround(a1 + v[vb + 1]);
          a2 = Math.fround(a2 + v[vb + 2]);
          a3 = Math.fround(a3 + v[vb + 3]);
          a4 = Math.fround(a4 + v[vb + 4]);
          a5 = Math.fround(a5 + v[vb + 5]);
          a6 = Math.fround(a6 + v[vb + 6]);
          a7 = Math.fround(a7 + v[vb + 7]);
        }
      }
      out[off + b] = a0;
      out[off + b + 1] = a1;
      out[off + b + 2] = a2;
      out[off + b + 3] = a3;
      out[off + b + 4] = a4;
      out[off + b + 5] = a5;
      out[off + b + 6] = a6;
      out[off + b + 7] = a7;
    }
  };

  /** The same sums token by token, for a case whose lookups cleared the cache (see below). */
  const addTokensOneByOne = (out: Float32Array, off: number, text: string, spans: TokenSpans): void => {
    for (let t = 0; t < spans.count; t++) {
      const vb = entryOf(text, spans.start[t], spans.end[t], spans.hash[t]) * bagDim;
      const v = vectors;
      const r = rowAt[t];
      if (r >= 0) {
        const sc = rowScale[t];
        for (let d = 0; d < bagDim; d++) out[off + d] += v[vb + d] + Math.fround(q[r + d] * sc);
      } else {
        for (let d = 0; d < bagDim; d++) out[off + d] += v[vb + d];
      }
    }
  };

  return (items: readonly ClassifyInput[]): Float32Array => {
    const out = new Float32Array(items.length * bagDim);
    for (let i = 0; i < items.length; i++) {
      const off = i * bagDim;
      const text = normaliseText(caseText(items[i].subject, items[i].body ?? ''));
      const spans = scan(text, maxTokens);
      const n = spans.count;
      if (n > vecAt.length) {
        vecAt = new Int32Array(n);
        rowAt = new Int32Array(n);
        rowScale = new Float64Array(n);
      }
      const clearsBefore = clears;
      let count = 0;
      let prevHash = 0;
      for (let t = 0; t < n; t++) {
        const h = spans.hash[t];
        const e = entryOf(text, spans.start[t], spans.end[t], h);
        vecAt[t] = e * bagDim;
        count += counts[e];
        if (bigrams && t > 0) {
          const row = bigramOf(prevHash, h, buckets);
          rowAt[t] = row * bagDim;
          rowScale[t] = scales[row];
          count++;
        } else {
          rowAt[t] = -1;
        }
        prevHash = h;
      }
      // A clear reuses the slots of words looked up earlier in this case; then each word is
      // looked up again right before its add (a case with more distinct words than the
      // cache holds, or one that filled it). The same path serves a bagDim not divisible by 8.
      if (clears === clearsBefore && kernel && n <= kernel.maxTokens) kernel.addTokens(out, off, n, vecAt, rowAt, rowScale);
      else if (clears === clearsBefore && bagDim % 8 === 0) addTokens(out, off, n);
      else addTokensOneByOne(out, off, text, spans);
      if (count > 0) {
        const s = 1 / Math.sqrt(count);
        for (let d = 0; d < bagDim; d++) out[off + d] *= s;
      }
    }
    return out;
  };
}

/** Open-addressing slots for n entries: a power of two at least twice n. */
function slotCountFor(n: number): number {
  let s = 16;
  while (s < 2 * n) s *= 2;
  return s;
}

/** Whether text[start, end), with ’ read as ', is the word. */
function sameToken(word: string, text: string, start: number, end: number): boolean {
  if (word.length !== end - start) return false;
  for (let k = 0; k < word.length; k++) {
    let c = text.charCodeAt(start + k);
    if (c === 0x2019) c = 0x27;
    if (c !== word.charCodeAt(k)) return false;
  }
  return true;
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
  const buildBags = createBagBuilder(weights, settings, options.wordCacheSize, { kernel: options.bagKernel });
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
      const out: ClassifyResult[] = new Array(items.length);
      for (let i = 0; i < items.length; i++) {
        softmaxInto(logits, i * numLabels, numLabels, temperature, probs, 0);
        const k = decideIndex(probs, 0, rule);
        // A plain loop: Array.from on a typed array goes through the iterator protocol.
        const p = new Array<number>(numLabels);
        for (let j = 0; j < numLabels; j++) p[j] = probs[j];
        // A view into the batch's embedding buffer, not a copy per case.
        out[i] = { intent: INTENTS[k], confidence: probs[k], probabilities: p, embedding: emb.subarray(i * embeddingDim, (i + 1) * embeddingDim) };
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
