/**
 * `array<float>` as a Float32Array, for the consumers that only pass such arrays on (the Postgres
 * sink writes embeddings and probabilities straight into its binary COPY buffer). avsc reads
 * them as number[], one call and one boxed element at a time: for a prediction's 128-float
 * embedding that was most of its decode time and a large share of the sink's garbage.
 *
 * The bytes are those of avsc's own array<float> type in both directions (the writer takes a
 * number[] or any typed array), so the type can decode what any producer wrote.
 */
import * as avro from 'avsc';
import os from 'node:os';

interface Tap {
  buf: Buffer;
  pos: number;
  readLong(): number;
  skipLong(): void;
  writeLong(n: number): void;
  writeFloat(f: number): void;
}

const LITTLE_ENDIAN = os.endianness() === 'LE';
const EMPTY = new Float32Array(0);

/**
 * Arrays of up to MAX_POOLED floats are views into shared slabs, as Node's Buffer pool does for
 * small buffers: V8 gives every typed array over 64 bytes its own malloc'ed backing store, and
 * at one 512-byte embedding per prediction that churn showed as slowly rising sink RSS. A slab
 * is freed when the last view into it is (the predictions of a batch are dropped together).
 */
const SLAB_BYTES = 256 * 1024;
const MAX_POOLED = 4096;
let slab: ArrayBuffer | null = null;
let slabOffset = 0;

function allocFloats(n: number): Float32Array {
  // 64 bytes and less live on V8's heap anyway.
  if (n <= 16 || n > MAX_POOLED) return new Float32Array(n);
  const bytes = n * 4;
  if (!slab || slabOffset + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabOffset = 0;
  }
  const out = new Float32Array(slab, slabOffset, n);
  // Keep every view 8-byte aligned.
  slabOffset += (bytes + 7) & ~7;
  return out;
}

// avsc's ArrayType is a plain constructor function; the subclass keeps its checks and bytes.
const ArrayType = (avro.types as unknown as { ArrayType: new (schema: unknown, opts: unknown) => avro.Type }).ArrayType;

export class Float32ArrayType extends ArrayType {
  _read(tap: Tap): Float32Array {
    let out: Float32Array = EMPTY;
    for (let n = tap.readLong(); n !== 0; n = tap.readLong()) {
      if (n < 0) {
        // A block with its size in bytes, then the same items.
        n = -n;
        tap.skipLong();
      }
      const start = tap.pos;
      const end = start + 4 * n;
      tap.pos = end;
      // Truncated input: avsc's decoder sees pos past the end and reports it.
      if (end > tap.buf.length) return out;
      const next = allocFloats(out.length + n);
      next.set(out);
      if (LITTLE_ENDIAN) new Uint8Array(next.buffer, next.byteOffset + out.length * 4, n * 4).set(tap.buf.subarray(start, end));
      else for (let i = 0; i < n; i++) next[out.length + i] = tap.buf.readFloatLE(start + 4 * i);
      out = next;
    }
    return out;
  }

  _write(tap: Tap, val: ArrayLike<number>): void {
    if (!isNumberArrayLike(val)) throw new Error(`not an array of floats: ${String(val)}`);
    const n = val.length;
    if (n) {
      tap.writeLong(n);
      if (LITTLE_ENDIAN && val instanceof Float32Array) {
        // The array's bytes are the Avro floats: one copy instead of a call per item.
        const end = tap.pos + 4 * n;
        if (end <= tap.buf.length) tap.buf.set(new Uint8Array(val.buffer, val.byteOffset, 4 * n), tap.pos);
        // Past the end, avsc's encoder sees pos beyond the buffer and asks for a larger one.
        tap.pos = end;
      } else {
        for (let i = 0; i < n; i++) tap.writeFloat(val[i]);
      }
    }
    tap.writeLong(0);
  }

  _check(val: unknown, flags: unknown, hook?: (v: unknown, t: unknown) => void): boolean {
    if (isNumberArrayLike(val)) {
      for (let i = 0; i < val.length; i++) if (typeof val[i] !== 'number') return hookFail(hook, val, this);
      return true;
    }
    return hookFail(hook, val, this);
  }
}

function hookFail(hook: ((v: unknown, t: unknown) => void) | undefined, val: unknown, type: unknown): false {
  hook?.(val, type);
  return false;
}

function isNumberArrayLike(v: unknown): v is ArrayLike<number> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

/** avsc typeHook: every array<float> of a schema becomes a Float32ArrayType. */
export function float32ArrayHook(schema: unknown, opts: unknown): avro.Type | undefined {
  if (!schema || typeof schema !== 'object' || (schema as { type?: unknown }).type !== 'array') return undefined;
  const items = (schema as { items?: unknown }).items;
  const plainFloat = items === 'float' || (typeof items === 'object' && items !== null && (items as { type?: unknown }).type === 'float' && !('logicalType' in items));
  if (plainFloat) {
    return new Float32ArrayType(schema, opts);
  }
  return undefined;
}
