import { expect } from 'chai';
import * as fs from 'fs';
import * as path from 'path';
import { createBagKernel } from '../../../ml/bag-kernel';
import { assemble } from '../../../ml/wasm/build';

const WASM_DIR = path.resolve(__dirname, '..', '..', '..', 'ml', 'wasm');

/** The sum the kernel must reproduce, written out element by element (as ml/classifier.ts's addTokens). */
function referenceSum(q: Int8Array, vectors: Float32Array, bagDim: number, n: number, vecAt: Int32Array, rowAt: Int32Array, rowScale: Float64Array): Float32Array {
  const out = new Float32Array(bagDim);
  for (let d = 0; d < bagDim; d++) {
    let a = 0;
    for (let t = 0; t < n; t++) {
      const v = vectors[vecAt[t] + d];
      a = rowAt[t] >= 0 ? Math.fround(a + (v + Math.fround(q[rowAt[t] + d] * rowScale[t]))) : Math.fround(a + v);
    }
    out[d] = a;
  }
  return out;
}

/** A seeded generator (LCG) so a failure repeats. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Floats over many exponents and signs, with zeros, negative zeros and subnormals among them. */
function awkwardFloat(r: () => number): number {
  const k = r();
  if (k < 0.03) return 0;
  if (k < 0.06) return -0;
  if (k < 0.09) return (r() < 0.5 ? -1 : 1) * r() * 1e-39; // subnormal in float32
  return Math.fround((r() < 0.5 ? -1 : 1) * r() * 2 ** Math.floor(r() * 40 - 30));
}

describe('bag kernel (WebAssembly SIMD)', () => {
  it('ships the binary that its source assembles to', async () => {
    for (const f of fs.readdirSync(WASM_DIR).filter((n) => n.endsWith('.wat'))) {
      const built = await assemble(path.join(WASM_DIR, f));
      const committed = fs.readFileSync(path.join(WASM_DIR, f.replace(/\.wat$/, '.wasm')));
      expect(committed.equals(built), `${f}: run npm run build:wasm`).to.equal(true);
    }
  });

  it('is available on this runtime (otherwise the classifier silently takes the slower loop)', () => {
    expect(createBagKernel(new Int8Array(64), 64, 10, 16)).to.not.equal(null);
  });

  for (const bagDim of [4, 8, 12, 64]) {
    it(`sums rows bit-identically to the element-by-element loop (bagDim ${bagDim}, random and awkward values)`, () => {
      const r = rng(bagDim * 7919);
      const rows = 257;
      const entries = 33;
      const maxTokens = 300;
      const table = new Int8Array(rows * bagDim);
      for (let i = 0; i < table.length; i++) table[i] = Math.floor(r() * 256) - 128;
      const kernel = createBagKernel(table, bagDim, entries, maxTokens)!;
      expect(kernel.q).to.deep.equal(table);
      for (let i = 0; i < kernel.vectors.length; i++) kernel.vectors[i] = awkwardFloat(r);
      const vecAt = new Int32Array(maxTokens);
      const rowAt = new Int32Array(maxTokens);
      const rowScale = new Float64Array(maxTokens);
      const out = new Float32Array(bagDim * 3);
      for (let trial = 0; trial < 400; trial++) {
        const n = trial % 50 === 0 ? maxTokens : Math.floor(r() * 120);
        for (let t = 0; t < n; t++) {
          vecAt[t] = Math.floor(r() * entries) * bagDim;
          rowAt[t] = r() < 0.15 ? -1 : Math.floor(r() * rows) * bagDim;
          rowScale[t] = Math.abs(awkwardFloat(r)) || Math.fround(1 / 127);
        }
        out.fill(NaN);
        kernel.addTokens(out, bagDim, n, vecAt, rowAt, rowScale);
        const want = referenceSum(table, kernel.vectors, bagDim, n, vecAt, rowAt, rowScale);
        for (let d = 0; d < bagDim; d++) {
          if (!Object.is(out[bagDim + d], want[d])) expect.fail(`trial ${trial}, n ${n}: dimension ${d} is ${out[bagDim + d]}, expected ${want[d]}`);
        }
        // Only its own slot of out is written.
        expect(Number.isNaN(out[0]) && Number.isNaN(out[2 * bagDim])).to.equal(true);
      }
    });
  }

  it('refuses more tokens than its scratch area holds', () => {
    const kernel = createBagKernel(new Int8Array(8 * 4), 4, 2, 5)!;
    const z = new Int32Array(6);
    expect(() => kernel.addTokens(new Float32Array(4), 0, 6, z, z, new Float64Array(6))).to.throw(/at most 5 tokens/);
  });
});
