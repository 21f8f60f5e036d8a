/**
 * The SIMD embedding-bag kernel (ml/wasm/bag-kernel.wat) and the WebAssembly memory it works in.
 * The memory holds the int8 table, the word-vector cache and a per-case scratch area; the bag
 * builder (ml/classifier.ts) reads and writes them through typed-array views, and the kernel sums
 * a case's rows with the same float operations as the JavaScript loop, bit for bit.
 *
 * The memory never grows after creation, so the views stay valid: the word-vector cache is
 * reserved at its bound (untouched pages cost no resident memory) and cases with more tokens
 * than the scratch area holds take the JavaScript loop.
 */
import * as fs from 'fs';
import * as path from 'path';

const WASM_FILE = path.join(__dirname, 'wasm', 'bag-kernel.wasm');
const PAGE = 65_536;
/** Largest memory the kernel reserves; a bigger word cache uses the JavaScript loop instead. */
const MAX_BYTES = 1 << 30;

let compiled: WebAssembly.Module | null | undefined;

/** The compiled kernel, or null where WebAssembly SIMD is not available (the caller falls back). */
function kernelModule(): WebAssembly.Module | null {
  if (compiled === undefined) {
    try {
      const bytes = fs.readFileSync(WASM_FILE);
      compiled = WebAssembly.validate(bytes) ? new WebAssembly.Module(bytes) : null;
    } catch {
      compiled = null;
    }
  }
  return compiled;
}

export interface BagKernel {
  /** The int8 table, copied into the kernel's memory. */
  q: Int8Array;
  /** cacheEntries x bagDim word vectors. */
  vectors: Float32Array;
  /** Most tokens one call takes. */
  maxTokens: number;
  /**
   * Writes the bag sum of n tokens to out[off .. off+bagDim): token t's word vector starts at
   * vectors[vecAt[t]], its bigram row at q[rowAt[t]] (or -1 for none) with scale rowScale[t].
   */
  addTokens(out: Float32Array, off: number, n: number, vecAt: Int32Array, rowAt: Int32Array, rowScale: Float64Array): void;
}

const align = (n: number, a: number): number => Math.ceil(n / a) * a;

export function createBagKernel(q: Int8Array, bagDim: number, cacheEntries: number, maxTokens: number): BagKernel | null {
  const mod = kernelModule();
  if (!mod || bagDim % 4 !== 0) return null;
  const scratchTokens = Math.max(1, Math.min(maxTokens, 4096));
  const qOff = 0;
  const vecOff = align(qOff + q.length, 64);
  const vecAtOff = align(vecOff + cacheEntries * bagDim * 4, 64);
  const rowAtOff = vecAtOff + scratchTokens * 4;
  const scaleOff = rowAtOff + scratchTokens * 4;
  const outOff = align(scaleOff + scratchTokens * 4, 64);
  const total = outOff + bagDim * 4;
  if (total > MAX_BYTES) return null;
  const memory = new WebAssembly.Memory({ initial: Math.ceil(total / PAGE) });
  const add = (new WebAssembly.Instance(mod, { env: { memory } }).exports as { addTokens: (out: number, n: number, vecAt: number, rowAt: number, scaleAt: number, dim: number) => void }).addTokens;
  const buf = memory.buffer;
  const qView = new Int8Array(buf, qOff, q.length);
  qView.set(q);
  const vectors = new Float32Array(buf, vecOff, cacheEntries * bagDim);
  const vecAtK = new Int32Array(buf, vecAtOff, scratchTokens);
  const rowAtK = new Int32Array(buf, rowAtOff, scratchTokens);
  const scaleK = new Float32Array(buf, scaleOff, scratchTokens);
  const outK = new Float32Array(buf, outOff, bagDim);
  return {
    q: qView,
    vectors,
    maxTokens: scratchTokens,
    addTokens(out, off, n, vecAt, rowAt, rowScale) {
      if (n > scratchTokens) throw new Error(`bag kernel takes at most ${scratchTokens} tokens, got ${n}`);
      for (let t = 0; t < n; t++) {
        vecAtK[t] = vecOff + vecAt[t] * 4;
        const r = rowAt[t];
        rowAtK[t] = r >= 0 ? qOff + r : -1;
        // rowScale holds float32 values (the table's scales): exact as f32.
        scaleK[t] = rowScale[t];
      }
      add(outOff, n, vecAtOff, rowAtOff, scaleOff, bagDim);
      out.set(outK, off);
    },
  };
}
