/**
 * The classifier network and its weights.
 *
 *   hashed n-gram ids --(embedding bag: sum of table rows / sqrt(n))--> bag [bagDim]
 *     --dense + relu--> embedding [embeddingDim]   (logged by the pipeline for drift)
 *     --dense--> 9 logits in INTENTS order --softmax(logits / T)--> calibrated probabilities
 *
 * The embedding bag is the hot path and is sparse, so it is computed as a tight loop over the
 * model's own table (a Float32Array); the dense layers run in TensorFlow.js on the whole batch.
 * Training uses the same bag code, with a sparse update of the touched rows (see train.ts).
 */
import type * as tfTypes from '@tensorflow/tfjs';
import type { Rng } from '../producers/synthetic/template/prng';

export interface ModelShape {
  buckets: number;
  bagDim: number;
  embeddingDim: number;
  numLabels: number;
}

export interface ModelWeights {
  shape: ModelShape;
  /** [buckets x bagDim], row-major. */
  table: Float32Array;
  /** [bagDim x embeddingDim] */
  w1: Float32Array;
  b1: Float32Array;
  /** [embeddingDim x numLabels] */
  w2: Float32Array;
  b2: Float32Array;
  /**
   * The table as stored: int8 rows and one scale per row, table[i] === Math.fround(q[i] *
   * scales[row]) exactly. Set by decodeWeights; inference reads rows from it (a row is one cache
   * line instead of four) and gets the same floats.
   */
  quantized?: { q: Int8Array; scales: Float32Array };
}

/** Gaussian draw from a seeded Rng (Box-Muller); initialisation must repeat for a seed. */
function gaussian(rng: Rng): number {
  const u = Math.max(rng.next(), 1e-12);
  const v = rng.next();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

export function createInitialWeights(shape: ModelShape, rng: Rng): ModelWeights {
  const { buckets, bagDim, embeddingDim, numLabels } = shape;
  const table = new Float32Array(buckets * bagDim);
  // fastText-style small uniform init: the bag starts near zero and grows with evidence.
  const a = 1 / bagDim;
  for (let i = 0; i < table.length; i++) table[i] = (rng.next() * 2 - 1) * a;
  const he = (fanIn: number, n: number): Float32Array => {
    const out = new Float32Array(n);
    const sd = Math.sqrt(2 / fanIn);
    for (let i = 0; i < n; i++) out[i] = gaussian(rng) * sd;
    return out;
  };
  return {
    shape: { ...shape },
    table,
    w1: he(bagDim, bagDim * embeddingDim),
    b1: new Float32Array(embeddingDim),
    w2: he(embeddingDim, embeddingDim * numLabels),
    b2: new Float32Array(numLabels),
  };
}

/**
 * Writes the bag vector of one case into out[offset .. offset+bagDim): the sum of the table
 * rows of its feature ids divided by sqrt(count), so long and short cases land on a
 * comparable scale without washing out the request sentence of a long e-mail.
 */
export function bagInto(ids: ArrayLike<number>, table: Float32Array, bagDim: number, out: Float32Array, offset: number): void {
  for (let k = 0; k < ids.length; k++) {
    const row = ids[k] * bagDim;
    for (let d = 0; d < bagDim; d++) out[offset + d] += table[row + d];
  }
  if (ids.length > 0) {
    const s = 1 / Math.sqrt(ids.length);
    for (let d = 0; d < bagDim; d++) out[offset + d] *= s;
  }
}

export interface DenseVars {
  w1: tfTypes.Tensor2D;
  b1: tfTypes.Tensor1D;
  w2: tfTypes.Tensor2D;
  b2: tfTypes.Tensor1D;
}

/** The dense head shared by training and inference. */
export function denseForward(tf: typeof tfTypes, bag: tfTypes.Tensor2D, v: DenseVars): { embedding: tfTypes.Tensor2D; logits: tfTypes.Tensor2D } {
  const embedding = tf.relu(tf.add(tf.matMul(bag, v.w1), v.b1)) as tfTypes.Tensor2D;
  const logits = tf.add(tf.matMul(embedding, v.w2), v.b2) as tfTypes.Tensor2D;
  return { embedding, logits };
}

/** Numerically stable softmax of logits / temperature, in place into out. */
export function softmaxInto(logits: ArrayLike<number>, offset: number, n: number, temperature: number, out: Float32Array | number[], outOffset: number): void {
  let max = -Infinity;
  for (let j = 0; j < n; j++) max = Math.max(max, logits[offset + j] / temperature);
  let sum = 0;
  for (let j = 0; j < n; j++) {
    const e = Math.exp(logits[offset + j] / temperature - max);
    out[outOffset + j] = e;
    sum += e;
  }
  for (let j = 0; j < n; j++) out[outOffset + j] /= sum;
}

// ---------------------------------------------------------------------------------------------
// Binary weight file. The table is int8 with one float32 scale per row (absmax), which keeps
// the released artifact near 8 MB for 2^17 x 64; the dense layers are small and stay float32.
// Layout: header JSON length (u32 LE) | header JSON | table scales f32[buckets] | table i8[...]
//         | padding to 4 | w1 | b1 | w2 | b2 (f32 LE)
// ---------------------------------------------------------------------------------------------

const MAGIC = 'PCCW1';

export function encodeWeights(w: ModelWeights): Buffer {
  const { buckets, bagDim } = w.shape;
  const header = Buffer.from(JSON.stringify({ magic: MAGIC, shape: w.shape, table: 'int8-row-absmax' }), 'utf8');
  const scales = new Float32Array(buckets);
  const q = new Int8Array(buckets * bagDim);
  for (let r = 0; r < buckets; r++) {
    let m = 0;
    for (let d = 0; d < bagDim; d++) m = Math.max(m, Math.abs(w.table[r * bagDim + d]));
    const s = m > 0 ? m / 127 : 1;
    scales[r] = s;
    for (let d = 0; d < bagDim; d++) q[r * bagDim + d] = Math.round(w.table[r * bagDim + d] / s);
  }
  const parts: Buffer[] = [];
  const len = Buffer.alloc(4);
  len.writeUInt32LE(header.length, 0);
  parts.push(len, header);
  const pad = (n: number): void => {
    if (n % 4) parts.push(Buffer.alloc(4 - (n % 4)));
  };
  pad(4 + header.length);
  parts.push(Buffer.from(scales.buffer, scales.byteOffset, scales.byteLength));
  parts.push(Buffer.from(q.buffer, q.byteOffset, q.byteLength));
  pad(q.byteLength);
  for (const a of [w.w1, w.b1, w.w2, w.b2]) parts.push(Buffer.from(a.buffer, a.byteOffset, a.byteLength));
  return Buffer.concat(parts);
}

export function decodeWeights(buf: Buffer): ModelWeights {
  const headerLen = buf.readUInt32LE(0);
  const header = JSON.parse(buf.subarray(4, 4 + headerLen).toString('utf8')) as { magic: string; shape: ModelShape };
  if (header.magic !== MAGIC) throw new Error(`not a PCC weight file (magic ${header.magic})`);
  const { buckets, bagDim, embeddingDim, numLabels } = header.shape;
  let off = 4 + headerLen;
  off += (4 - (off % 4)) % 4;
  // Copy into fresh aligned arrays: Buffer slices may not be 4-byte aligned.
  const f32 = (n: number): Float32Array => {
    const out = new Float32Array(n);
    Buffer.from(out.buffer).set(buf.subarray(off, off + n * 4));
    off += n * 4;
    return out;
  };
  const scales = f32(buckets);
  const q = new Int8Array(buf.buffer.slice(buf.byteOffset + off, buf.byteOffset + off + buckets * bagDim));
  off += buckets * bagDim;
  off += (4 - (off % 4)) % 4;
  const w1 = f32(bagDim * embeddingDim);
  const b1 = f32(embeddingDim);
  const w2 = f32(embeddingDim * numLabels);
  const b2 = f32(numLabels);
  if (off !== buf.length) throw new Error(`weight file size mismatch: read ${off} of ${buf.length} bytes`);
  const weights = { shape: header.shape, w1, b1, w2, b2, quantized: { q, scales } } as ModelWeights;
  // The float table is built on first use only: inference reads the int8 rows, and a serving
  // process saves its 32 MB (2^17 x 64 floats).
  let table: Float32Array | undefined;
  Object.defineProperty(weights, 'table', {
    enumerable: true,
    get: (): Float32Array => {
      if (!table) {
        table = new Float32Array(buckets * bagDim);
        for (let r = 0; r < buckets; r++) {
          const s = scales[r];
          for (let d = 0; d < bagDim; d++) table[r * bagDim + d] = q[r * bagDim + d] * s;
        }
      }
      return table;
    },
  });
  return weights;
}
