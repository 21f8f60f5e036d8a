/**
 * Avro Prediction bytes straight into one binary COPY row of pcc.predictions, without building
 * the JavaScript object in between. Decoding every prediction into an object (strings, a
 * Float32Array, arrays) and encoding it again was most of the sink's CPU and garbage; the Avro
 * fields are already in the COPY's column order, so each one is copied or byte-swapped.
 *
 * The transcoder handles exactly what the decoder-then-encoder path would write the same way, and
 * nothing else: it is built only for a writer schema with the 22 fields of schemas/prediction.avsc
 * (names, order and types), and for one record it returns null, having written nothing that is
 * kept, when anything is unusual: a string that is not valid UTF-8, an array written in more than
 * one block, a union or enum index out of range, a boolean byte other than 0 or 1, a long beyond
 * 2^53, an int beyond 32 bits, a truncated record or trailing bytes. The sink then decodes that
 * record as before, so its fate (stored, or dead-lettered with the decoder's reason) is unchanged.
 * A unit test compares both paths byte for byte.
 */
import { isUtf8 } from 'node:buffer';
import type { CopyBinaryWriter } from './copy-binary';

/** What the sink needs of a row besides its bytes: the ledger key and the day partition. */
export interface RowKey {
  caseId: string;
  source: string;
  predictedAt: number;
}

/** Writes the record at payload[start..] as one row; null (and the row abandoned) to decode it instead. */
export type PredictionTranscoder = (payload: Buffer, start: number, w: CopyBinaryWriter) => RowKey | null;

type Kind = 'string' | 'enum' | 'boolean' | 'float' | 'floats' | 'strings' | 'nstring' | 'timestamp' | 'ntimestamp' | 'int' | 'long';

/** schemas/prediction.avsc, field by field, as COPY columns (PREDICTION_COLUMNS' order). */
const LAYOUT: readonly (readonly [string, Kind])[] = [
  ['case_id', 'string'], ['source', 'enum'], ['intent', 'string'], ['is_privacy', 'boolean'], ['confidence', 'float'],
  ['probabilities', 'floats'], ['embedding', 'floats'], ['model_version', 'string'], ['redacted_excerpt', 'string'],
  ['pii_found', 'strings'], ['warnings', 'strings'], ['channel', 'nstring'], ['language', 'nstring'], ['jurisdiction', 'nstring'],
  ['received_at', 'timestamp'], ['predicted_at', 'timestamp'], ['processing_ms', 'float'],
  ['ground_truth_intent', 'nstring'], ['batch_id', 'nstring'], ['sla_due_at', 'ntimestamp'], ['source_partition', 'int'], ['source_offset', 'long'],
];

function typeName(t: unknown): string | null {
  if (typeof t === 'string') return t;
  if (t && typeof t === 'object' && !Array.isArray(t) && typeof (t as { type?: unknown }).type === 'string') return (t as { type: string }).type;
  return null;
}

/** The kind of one field's Avro type, or null for anything the transcoder does not take. */
function kindOf(t: unknown, name: string): Kind | null {
  const want = LAYOUT.find(([n]) => n === name)?.[1];
  const tn = typeName(t);
  if (Array.isArray(t)) {
    if (t.length !== 2 || typeName(t[0]) !== 'null') return null;
    const inner = typeName(t[1]);
    if (inner === 'string' && want === 'nstring') return 'nstring';
    if (inner === 'long' && want === 'ntimestamp') return 'ntimestamp';
    return null;
  }
  if (tn === 'string') return 'string';
  if (tn === 'boolean') return 'boolean';
  if (tn === 'float') return 'float';
  if (tn === 'int') return 'int';
  if (tn === 'long') return want === 'timestamp' ? 'timestamp' : 'long';
  if (tn === 'enum') return 'enum';
  if (tn === 'array') {
    const items = typeName((t as { items?: unknown }).items);
    if (items === 'float') return 'floats';
    if (items === 'string') return 'strings';
  }
  return null;
}

/**
 * The transcoder for a writer schema (the registry's JSON of one schema id), or null when the
 * schema is not the Prediction layout above (another record, a field added, removed, moved or
 * retyped): records of that schema are then decoded.
 */
export function predictionTranscoder(schema: unknown): PredictionTranscoder | null {
  if (!schema || typeof schema !== 'object' || (schema as { type?: unknown }).type !== 'record') return null;
  const name = String((schema as { name?: unknown }).name ?? '');
  if (name.split('.').pop() !== 'Prediction') return null;
  const fields = (schema as { fields?: unknown }).fields;
  if (!Array.isArray(fields) || fields.length !== LAYOUT.length) return null;
  let symbols: string[] | null = null;
  for (let i = 0; i < LAYOUT.length; i++) {
    const f = fields[i] as { name?: unknown; type?: unknown };
    if (f?.name !== LAYOUT[i][0] || kindOf(f.type, LAYOUT[i][0]) !== LAYOUT[i][1]) return null;
    if (LAYOUT[i][1] === 'enum') {
      const s = (f.type as { symbols?: unknown }).symbols;
      if (!Array.isArray(s) || !s.every((x) => typeof x === 'string')) return null;
      symbols = s as string[];
    }
  }
  if (!symbols) return null;
  return makeTranscoder(symbols);
}

const TWO_53 = 2 ** 53;

/**
 * A cursor over one record. One per transcoder, reused record after record: closures made per
 * record cost more than the copying itself. It holds on to the last record's buffer (one fetch
 * response) until the next record.
 */
class Reader {
  b: Buffer = Buffer.alloc(0);
  /** A DataView of b's ArrayBuffer (the records of one fetch share one), for the float arrays. */
  view: DataView = new DataView(new ArrayBuffer(0));
  p = 0;
  end = 0;
  /** Set by any read that fails; the record is then left to the decoder. */
  bad = false;
  // Scratch for the items of a string array (two passes: the COPY needs the total length first).
  itemStarts = new Int32Array(16);
  itemLens = new Int32Array(16);

  constructor(readonly symbols: readonly string[]) {}

  /** Avro long: zigzag varint. Sets `bad` from 2^53 on (avsc refuses longs past 2^53 - 1) or past the end. */
  long(): number {
    const b = this.b;
    let p = this.p;
    let n = 0;
    let mul = 1;
    for (let i = 0; i < 8; i++) {
      if (p >= this.end) break;
      const c = b[p++];
      n += (c & 0x7f) * mul;
      if ((c & 0x80) === 0) {
        this.p = p;
        if (n >= TWO_53) break;
        return n % 2 === 1 ? -(n + 1) / 2 : n / 2;
      }
      mul *= 128;
    }
    this.bad = true;
    return 0;
  }

  /** A string's length; its bytes are [p, p + len), checked to be UTF-8. -1 (and `bad`) when not. */
  stringLen(): number {
    const len = this.long();
    const p = this.p;
    if (this.bad || len < 0 || p + len > this.end) {
      this.bad = true;
      return -1;
    }
    const b = this.b;
    const e = p + len;
    // Short strings are looked at here; longer ones go to the native validator at once.
    let ok = true;
    if (len > 32) ok = isUtf8(b.subarray(p, e));
    else {
      for (let i = p; i < e; i++) {
        if (b[i] >= 0x80) {
          ok = isUtf8(b.subarray(p, e));
          break;
        }
      }
    }
    if (!ok) {
      this.bad = true;
      return -1;
    }
    return len;
  }

  text(w: CopyBinaryWriter): boolean {
    const len = this.stringLen();
    if (len < 0) return false;
    w.utf8Bytes(this.b, this.p, len);
    this.p += len;
    return true;
  }

  /** ["null", "string"]: NULL or the text. */
  nullableText(w: CopyBinaryWriter): boolean {
    const branch = this.long();
    if (this.bad) return false;
    if (branch === 0) {
      w.null();
      return true;
    }
    return branch === 1 && this.text(w);
  }

  float(w: CopyBinaryWriter): boolean {
    if (this.p + 4 > this.end) return false;
    w.float4(this.b.readFloatLE(this.p));
    this.p += 4;
    return true;
  }

  /** array<float> in one block then the terminating 0; anything else is decoded instead. */
  floats(w: CopyBinaryWriter): boolean {
    const n = this.long();
    if (this.bad || n < 0) return false;
    if (n === 0) {
      w.float4ArrayLE(this.view, 0, 0);
      return true;
    }
    const at = this.p;
    if (at + 4 * n > this.end) return false;
    this.p = at + 4 * n;
    if (this.long() !== 0 || this.bad) return false;
    w.float4ArrayLE(this.view, this.b.byteOffset + at, n);
    return true;
  }

  /** array<string> in one block then the terminating 0. */
  strings(w: CopyBinaryWriter): boolean {
    const n = this.long();
    if (this.bad || n < 0) return false;
    if (n > this.itemStarts.length) {
      this.itemStarts = new Int32Array(n);
      this.itemLens = new Int32Array(n);
    }
    for (let i = 0; i < n; i++) {
      const len = this.stringLen();
      if (len < 0) return false;
      this.itemStarts[i] = this.p;
      this.itemLens[i] = len;
      this.p += len;
    }
    if (n > 0 && (this.long() !== 0 || this.bad)) return false;
    w.utf8BytesArray(this.b, this.itemStarts, this.itemLens, n);
    return true;
  }

  timestamp(w: CopyBinaryWriter): number | null {
    const ms = this.long();
    if (this.bad) return null;
    w.timestamptz(ms);
    return ms;
  }

  record(b: Buffer, start: number, w: CopyBinaryWriter): RowKey | null {
    this.b = b;
    if (this.view.buffer !== b.buffer) this.view = new DataView(b.buffer);
    this.p = start;
    this.end = b.length;
    this.bad = false;
    w.row(LAYOUT.length);
    // case_id
    const idLen = this.stringLen();
    if (idLen < 0) return null;
    const caseId = b.toString('utf8', this.p, this.p + idLen);
    w.utf8Bytes(b, this.p, idLen);
    this.p += idLen;
    // source
    const si = this.long();
    if (this.bad || si < 0 || si >= this.symbols.length) return null;
    const source = this.symbols[si];
    w.text(source);
    // intent, is_privacy, confidence, probabilities, embedding, model_version, redacted_excerpt
    if (!this.text(w)) return null;
    if (this.p >= this.end || b[this.p] > 1) return null;
    w.bool(b[this.p++] === 1);
    if (!this.float(w) || !this.floats(w) || !this.floats(w) || !this.text(w) || !this.text(w)) return null;
    // pii_found, warnings; channel, language, jurisdiction
    if (!this.strings(w) || !this.strings(w)) return null;
    if (!this.nullableText(w) || !this.nullableText(w) || !this.nullableText(w)) return null;
    // received_at, predicted_at, processing_ms
    if (this.timestamp(w) === null) return null;
    const predictedAt = this.timestamp(w);
    if (predictedAt === null || !this.float(w)) return null;
    // ground_truth_intent, batch_id, sla_due_at (["null", long])
    if (!this.nullableText(w) || !this.nullableText(w)) return null;
    const branch = this.long();
    if (this.bad || (branch !== 0 && branch !== 1)) return null;
    if (branch === 0) w.null();
    else if (this.timestamp(w) === null) return null;
    // source_partition (int), source_offset (long)
    const part = this.long();
    if (this.bad || part < -2147483648 || part > 2147483647) return null;
    w.int4(part);
    const offset = this.long();
    if (this.bad) return null;
    w.int8(offset);
    if (this.p !== this.end) return null;
    return { caseId, source, predictedAt };
  }
}

function makeTranscoder(symbols: readonly string[]): PredictionTranscoder {
  const reader = new Reader(symbols);
  return (payload, start, w) => reader.record(payload, start, w);
}
