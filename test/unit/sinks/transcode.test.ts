import avro from 'avsc';
import { expect } from 'chai';
import { float32ArrayHook } from '../../../lib/avro-float32';
import { readSchema } from '../../../lib/codec';
import { CopyBinaryWriter } from '../../../sinks/postgres/copy-binary';
import { writePredictionRow, type StoredPrediction } from '../../../sinks/postgres/repository';
import { predictionTranscoder, type PredictionTranscoder } from '../../../sinks/postgres/transcode';

// The transcoder's promise: for every record it takes, the COPY row is byte for byte what the
// sink's decode-then-encode path writes; every record it leaves is one that path would decode.

const schema = readSchema('Prediction');
// The sink's decoder: the registered schema with Float32Array arrays (lib/avro-float32.ts).
const type = avro.Type.forSchema(schema as avro.Schema, { typeHook: float32ArrayHook as never });

function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    return s / 2 ** 32;
  };
}

const PIECES = ['a', 'Zz', ' ', 'é', 'ß', '€', '日本', '😀', '\uFFFD', '\t', '"', '\\', ',', '{', '}', 'NULL', '[EMAIL]', 'ü'];

function randomPrediction(r: () => number, i: number): StoredPrediction {
  const str = (max: number) => Array.from({ length: Math.floor(r() * max) }, () => PIECES[Math.floor(r() * PIECES.length)]).join('');
  const maybe = <T>(v: T): T | null => (r() < 0.5 ? null : v);
  const special = [NaN, Infinity, -Infinity, -0, 1e-45, 3.4e38];
  const floats = (n: number) => Float32Array.from({ length: n }, () => (r() < 0.05 ? special[Math.floor(r() * special.length)] : (r() - 0.5) * 10 ** Math.floor(r() * 8 - 4)));
  const synthetic = r() < 0.3;
  return {
    case_id: `case-${i}-${str(6)}`,
    source: synthetic ? 'synthetic' : 'real',
    intent: ['access_request', 'not_privacy', 'deletion_request'][i % 3] as StoredPrediction['intent'],
    is_privacy: r() < 0.5,
    confidence: r() < 0.05 ? NaN : r(),
    probabilities: floats(9),
    embedding: floats(r() < 0.1 ? 0 : 128),
    model_version: 'pcc-intent-1.3.0',
    redacted_excerpt: str(120),
    pii_found: Array.from({ length: Math.floor(r() * 4) }, () => ['email', 'phone', 'card'][Math.floor(r() * 3)]),
    warnings: r() < 0.2 ? ['PCC_WARN_NUL_REMOVED', str(5)] : [],
    channel: maybe('email'),
    language: maybe(str(3)),
    jurisdiction: maybe('GDPR'),
    received_at: Math.floor(r() * 2 ** 41) * (r() < 0.05 ? -1 : 1),
    predicted_at: 1_700_000_000_000 + Math.floor(r() * 1e10),
    processing_ms: r() * 100,
    ground_truth_intent: synthetic ? maybe('access_request') : null,
    batch_id: synthetic ? maybe(`b-${str(4)}`) : null,
    sla_due_at: maybe(1_800_000_000_000 + Math.floor(r() * 1e9)),
    source_partition: r() < 0.1 ? -1 : Math.floor(r() * 2 ** 31),
    source_offset: r() < 0.1 ? -1 : Math.floor(r() * 2 ** 52),
  };
}

/** A Confluent-framed record as the processor writes it. */
function framed(p: StoredPrediction): Buffer {
  return Buffer.concat([Buffer.from([0, 0, 0, 0, 7]), type.toBuffer(p)]);
}

/** The row the sink writes by decoding the record and encoding the object. */
function slowRow(buf: Buffer): Buffer {
  const w = new CopyBinaryWriter(4096);
  const start = w.position;
  writePredictionRow(w, type.fromBuffer(buf.subarray(5)) as StoredPrediction);
  return Buffer.from(w.finish().subarray(start, w.position - 2));
}

function fastRow(t: PredictionTranscoder, buf: Buffer): { row: Buffer; key: ReturnType<PredictionTranscoder> } {
  const w = new CopyBinaryWriter(64);
  const start = w.position;
  const key = t(buf, 5, w);
  const end = w.position;
  return { row: Buffer.from(w.finish().subarray(start, end)), key };
}

describe('sink: Avro prediction to COPY row transcoder', () => {
  const t = predictionTranscoder(type.schema())!;

  it('is built for the registered Prediction schema (with and without the Float32Array hook)', () => {
    expect(t).to.be.a('function');
    expect(predictionTranscoder(avro.Type.forSchema(schema as avro.Schema).schema())).to.be.a('function');
  });

  it('writes the same bytes as decoding and encoding, for 3,000 random predictions', () => {
    const r = rng(42);
    for (let i = 0; i < 3000; i++) {
      const p = randomPrediction(r, i);
      const buf = framed(p);
      const { row, key } = fastRow(t, buf);
      expect(key, `case ${i}`).to.deep.equal({ caseId: p.case_id, source: p.source, predictedAt: p.predicted_at });
      expect(row.equals(slowRow(buf)), `case ${i}`).to.equal(true);
    }
  });

  it('appends rows after each other and leaves nothing behind for a record it does not take', () => {
    const r = rng(7);
    const a = framed(randomPrediction(r, 1));
    const b = framed(randomPrediction(r, 2));
    const w = new CopyBinaryWriter(64);
    expect(t(a, 5, w)).to.not.equal(null);
    const mid = w.position;
    expect(t(a.subarray(0, a.length - 3), 5, w)).to.equal(null);
    w.truncate(mid);
    expect(t(b, 5, w)).to.not.equal(null);
    const both = w.finish();
    const expected = new CopyBinaryWriter(64);
    writePredictionRow(expected, type.fromBuffer(a.subarray(5)) as StoredPrediction);
    writePredictionRow(expected, type.fromBuffer(b.subarray(5)) as StoredPrediction);
    expect(both.equals(expected.finish())).to.equal(true);
  });

  describe('leaves the record to the decoder when', () => {
    const base = randomPrediction(rng(3), 9);
    const buf = () => framed({ ...base, redacted_excerpt: 'plain text here', warnings: [], pii_found: ['email'] });

    it('a string is not valid UTF-8 (the decoder dead-letters it)', () => {
      const b = buf();
      const at = b.indexOf('plain text here');
      b[at + 2] = 0xc3; // a lead byte followed by ASCII
      expect(() => type.fromBuffer(b.subarray(5))).to.not.throw(); // avsc would repair it to U+FFFD...
      expect(t(b, 5, new CopyBinaryWriter(64))).to.equal(null); // ...the transcoder does not copy it
    });

    it('the record is truncated or has trailing bytes', () => {
      const b = buf();
      for (const cut of [6, 20, b.length - 1]) expect(t(b.subarray(0, cut), 5, new CopyBinaryWriter(64)), `cut ${cut}`).to.equal(null);
      expect(t(Buffer.concat([b, Buffer.from([0])]), 5, new CopyBinaryWriter(64))).to.equal(null);
    });

    it('an array is written in more than one block (valid Avro the transcoder does not take)', () => {
      const b = buf();
      const pii = b.indexOf('email') - 2; // count 1 (zigzag 2), length 5 (zigzag 10), 'email', then 0
      expect(b[pii]).to.equal(2);
      const twoBlocks = Buffer.concat([b.subarray(0, pii + 7), Buffer.from([2, 2, 0x61]), b.subarray(pii + 7)]);
      expect((type.fromBuffer(twoBlocks.subarray(5)) as StoredPrediction).pii_found).to.deep.equal(['email', 'a']);
      expect(t(twoBlocks, 5, new CopyBinaryWriter(64))).to.equal(null);
    });

    it('an enum or union index is out of range, or a boolean byte is not 0 or 1', () => {
      const b = buf();
      const source = 5 + 1 + Buffer.byteLength(base.case_id);
      const badEnum = Buffer.from(b);
      badEnum[source] = 8;
      expect(t(badEnum, 5, new CopyBinaryWriter(64))).to.equal(null);
      const intentLen = b[source + 1] / 2;
      const badBool = Buffer.from(b);
      badBool[source + 2 + intentLen] = 2;
      expect(t(badBool, 5, new CopyBinaryWriter(64))).to.equal(null);
    });
  });

  it('is not built for another layout: a field added, retyped or renamed, or another record', () => {
    const s = JSON.parse(JSON.stringify(schema)) as { name: string; fields: { name: string; type: unknown; default?: unknown }[] };
    const added = { ...s, fields: [...s.fields, { name: 'extra', type: 'string', default: '' }] };
    const retyped = { ...s, fields: s.fields.map((f) => (f.name === 'confidence' ? { ...f, type: 'double' } : f)) };
    const renamed = { ...s, fields: s.fields.map((f) => (f.name === 'intent' ? { ...f, name: 'label' } : f)) };
    const moved = { ...s, fields: [s.fields[1], s.fields[0], ...s.fields.slice(2)] };
    for (const x of [added, retyped, renamed, moved]) expect(predictionTranscoder(avro.Type.forSchema(x as avro.Schema).schema())).to.equal(null);
    expect(predictionTranscoder(avro.Type.forSchema(readSchema('Alert') as avro.Schema).schema())).to.equal(null);
  });
});
