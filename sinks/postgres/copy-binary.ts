/**
 * A writer for PostgreSQL's binary COPY format
 * (https://www.postgresql.org/docs/current/sql-copy.html#id-1.9.3.55.9.4): one buffer per batch,
 * no text round trip. The sink used to turn every embedding into `'{0.12…,…}'` and every
 * column into a text array for UNNEST; building and escaping those strings was about half of
 * the sink's CPU and parsing them back a large part of Postgres' (docs/scaling.md).
 *
 * Only the types the sink writes: text, boolean, float4, int4, int8, timestamptz, float4[] and
 * text[]. Field values are written in the column order of the COPY statement; each row starts
 * with `row(fieldCount)`.
 */

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');
/** Bytes before the first row: the signature, the flags and the header extension length. */
export const COPY_HEADER_BYTES = SIGNATURE.length + 8;
/** The end of the data: a field count of -1. */
export const COPY_TRAILER: Readonly<Buffer> = Buffer.from([0xff, 0xff]);
/** Microseconds between the Unix epoch and Postgres' (2000-01-01T00:00:00Z). */
const PG_EPOCH_MS = 946_684_800_000;
const TWO_32 = 4_294_967_296;
const OID_FLOAT4 = 700;
const OID_TEXT = 25;

// Numbers go through a DataView: its big-endian setters compile to a few instructions, where
// Buffer's writeFloatBE and writeInt32BE check their arguments on every call (a 128-float
// embedding is 256 of them).
export class CopyBinaryWriter {
  private buf: Buffer;
  private view: DataView;
  private pos = 0;

  constructor(initialBytes = 64 * 1024) {
    this.buf = Buffer.allocUnsafe(Math.max(initialBytes, 64));
    this.view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
    SIGNATURE.copy(this.buf, 0);
    this.view.setInt32(11, 0); // flags: no OIDs
    this.view.setInt32(15, 0); // header extension length
    this.pos = COPY_HEADER_BYTES;
  }

  /** Starts a new COPY payload in the same buffer (the previous one must no longer be in use). */
  reset(): this {
    this.pos = COPY_HEADER_BYTES;
    return this;
  }

  /** Bytes the buffer holds. */
  get capacity(): number {
    return this.buf.length;
  }

  /** Bytes written so far (header included): where the next row starts. */
  get position(): number {
    return this.pos;
  }

  /** Drops what was written after `pos` (a row begun and then abandoned). */
  truncate(pos: number): this {
    if (pos < COPY_HEADER_BYTES || pos > this.pos) throw new RangeError(`cannot truncate to ${pos} (at ${this.pos})`);
    this.pos = pos;
    return this;
  }

  /** A text field from bytes that are already valid UTF-8 (`src[start, start+len)`). */
  utf8Bytes(src: Uint8Array, start: number, len: number): this {
    this.ensure(4 + len);
    this.i32(len);
    this.copyIn(src, start, len);
    return this;
  }

  /**
   * A float4[] from n little-endian float32s (Avro's layout) at byte `at` of `src`, in network
   * order; non-finite values are stored as 0, as float4Array does.
   */
  float4ArrayLE(src: DataView, at: number, n: number): this {
    this.ensure(4 + 20 + n * 8);
    this.i32(n === 0 ? 12 : 20 + n * 8);
    this.arrayHeader(n, OID_FLOAT4);
    const view = this.view;
    let p = this.pos;
    for (let i = 0, s = at; i < n; i++, s += 4) {
      const x = src.getUint32(s, true);
      view.setInt32(p, 4);
      // Exponent all ones: Infinity or NaN.
      view.setUint32(p + 4, (x & 0x7f800000) === 0x7f800000 ? 0 : x);
      p += 8;
    }
    this.pos = p;
    return this;
  }

  /** Copies src[start, start+len) to the write position (room already ensured). */
  private copyIn(src: Uint8Array, start: number, len: number): void {
    // A view per short string costs more than the bytes.
    if (len <= 64) {
      const b = this.buf;
      const p = this.pos;
      for (let i = 0; i < len; i++) b[p + i] = src[start + i];
    } else {
      this.buf.set(src.subarray(start, start + len), this.pos);
    }
    this.pos += len;
  }

  /**
   * A text[] of n strings that are already valid UTF-8: string i is src[starts[i], starts[i] + lens[i]).
   */
  utf8BytesArray(src: Uint8Array, starts: ArrayLike<number>, lens: ArrayLike<number>, n: number): this {
    let bytes = n === 0 ? 12 : 20;
    for (let i = 0; i < n; i++) bytes += 4 + lens[i];
    this.ensure(4 + bytes);
    this.i32(bytes);
    this.arrayHeader(n, OID_TEXT);
    for (let i = 0; i < n; i++) {
      this.i32(lens[i]);
      this.copyIn(src, starts[i], lens[i]);
    }
    return this;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
    this.view = new DataView(next.buffer, next.byteOffset, next.length);
  }

  private i16(v: number): void {
    this.view.setInt16(this.pos, v);
    this.pos += 2;
  }

  private i32(v: number): void {
    this.view.setInt32(this.pos, v);
    this.pos += 4;
  }

  private f32(v: number): void {
    this.view.setFloat32(this.pos, v);
    this.pos += 4;
  }

  row(fieldCount: number): this {
    this.ensure(2);
    this.i16(fieldCount);
    return this;
  }

  null(): this {
    this.ensure(4);
    this.i32(-1);
    return this;
  }

  text(s: string | null): this {
    if (s === null) return this.null();
    // UTF-8 is at most 3 bytes per UTF-16 code unit.
    this.ensure(4 + s.length * 3);
    const n = this.buf.write(s, this.pos + 4, 'utf8');
    this.view.setInt32(this.pos, n);
    this.pos += 4 + n;
    return this;
  }

  bool(b: boolean): this {
    this.ensure(5);
    this.i32(1);
    this.buf[this.pos++] = b ? 1 : 0;
    return this;
  }

  float4(v: number): this {
    this.ensure(8);
    this.i32(4);
    this.f32(v);
    return this;
  }

  int4(v: number): this {
    this.ensure(8);
    this.i32(4);
    this.i32(v);
    return this;
  }

  int8(v: number): this {
    this.ensure(12);
    this.i32(8);
    return this.int64(v);
  }

  /** Milliseconds since the Unix epoch, as timestamptz (microseconds since 2000-01-01 UTC). */
  timestamptz(ms: number | null): this {
    if (ms === null) return this.null();
    this.ensure(12);
    this.i32(8);
    return this.int64((ms - PG_EPOCH_MS) * 1000);
  }

  /** A one-dimensional float4[] without NULLs; non-finite values are stored as 0, as before. */
  float4Array(values: ArrayLike<number>): this {
    const n = values.length;
    this.ensure(4 + 20 + n * 8);
    this.i32(n === 0 ? 12 : 20 + n * 8);
    this.arrayHeader(n, OID_FLOAT4);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      this.i32(4);
      this.f32(Number.isFinite(v) ? v : 0);
    }
    return this;
  }

  /** A one-dimensional text[] without NULLs. */
  textArray(values: readonly string[]): this {
    const n = values.length;
    let bytes = n === 0 ? 12 : 20;
    for (const s of values) bytes += 4 + Buffer.byteLength(s, 'utf8');
    this.ensure(4 + bytes);
    this.i32(bytes);
    this.arrayHeader(n, OID_TEXT);
    for (const s of values) {
      const len = this.buf.write(s, this.pos + 4, 'utf8');
      this.view.setInt32(this.pos, len);
      this.pos += 4 + len;
    }
    return this;
  }

  /** The finished COPY data (trailer included). The writer must not be used afterwards. */
  finish(): Buffer {
    this.ensure(2);
    this.i16(-1);
    return this.buf.subarray(0, this.pos);
  }

  private arrayHeader(n: number, elementOid: number): void {
    // An empty array has zero dimensions and no dimension header.
    this.i32(n === 0 ? 0 : 1);
    this.i32(0); // has nulls
    this.i32(elementOid);
    if (n === 0) return;
    this.i32(n);
    this.i32(1); // lower bound
  }

  private int64(v: number): this {
    const hi = Math.floor(v / TWO_32);
    this.i32(hi);
    this.view.setUint32(this.pos, v - hi * TWO_32);
    this.pos += 4;
    return this;
  }
}
