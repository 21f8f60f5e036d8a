import { expect } from 'chai';
import * as avro from 'avsc';
import { readSchema } from '../../../lib/codec';
import { float32ArrayHook, Float32ArrayType } from '../../../lib/avro-float32';

const plain = avro.Type.forSchema({ type: 'array', items: 'float' });
const fast = avro.Type.forSchema({ type: 'array', items: 'float' }, { typeHook: float32ArrayHook as never });

/** Random floats over many exponents, with zeros, infinities and NaN among them. */
function floats(n: number, seed: number): number[] {
  let s = seed >>> 0;
  const next = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  return Array.from({ length: n }, (_, i) => (i % 17 === 3 ? -0 : i % 29 === 5 ? Infinity : i % 31 === 7 ? NaN : Math.fround((next() - 0.5) * 2 ** Math.floor(next() * 60 - 30))));
}

describe('array<float> as Float32Array (lib/avro-float32)', () => {
  it('is the type the hook picks for array<float>, and only for it', () => {
    expect(fast).to.be.instanceOf(Float32ArrayType);
    expect(float32ArrayHook({ type: 'array', items: { type: 'float' } }, {})).to.be.instanceOf(Float32ArrayType);
    expect(float32ArrayHook({ type: 'array', items: 'double' }, {})).to.equal(undefined);
    expect(float32ArrayHook({ type: 'array', items: 'string' }, {})).to.equal(undefined);
    expect(float32ArrayHook('float', {})).to.equal(undefined);
  });

  it('reads what avsc writes, value for value, for empty, short and long arrays', () => {
    for (const n of [0, 1, 9, 128, 1000]) {
      const values = floats(n, n + 1);
      const got = fast.fromBuffer(plain.toBuffer(values)) as Float32Array;
      expect(got).to.be.instanceOf(Float32Array);
      expect(got.length).to.equal(n);
      for (let i = 0; i < n; i++) expect(Object.is(got[i], Math.fround(values[i])) || (Number.isNaN(got[i]) && Number.isNaN(values[i])), `item ${i}`).to.equal(true);
    }
  });

  it('keeps every decoded array its own values when many share a slab', () => {
    const inputs = Array.from({ length: 1500 }, (_, i) => floats(i % 3 === 0 ? 128 : 17 + (i % 50), i + 100).map((x) => (Number.isNaN(x) ? 1 : x)));
    const decoded = inputs.map((v) => fast.fromBuffer(plain.toBuffer(v)) as Float32Array);
    decoded.forEach((d, i) => expect(Array.from(d), `array ${i}`).to.deep.equal(inputs[i].map(Math.fround)));
    // Writing through one view leaves its neighbours alone.
    decoded[3].fill(0);
    expect(Array.from(decoded[2])).to.deep.equal(inputs[2].map(Math.fround));
    expect(Array.from(decoded[4])).to.deep.equal(inputs[4].map(Math.fround));
  });

  it('reads arrays written in several blocks, with and without block sizes', () => {
    // Two blocks: 2 items, then (negative count, byte size) 3 items, then the end.
    const a = [1.5, -2.25];
    const b = [3, 0.125, -1e-3];
    const parts: Buffer[] = [avro.Type.forSchema('long').toBuffer(2), Buffer.concat(a.map((x) => avro.Type.forSchema('float').toBuffer(x))), avro.Type.forSchema('long').toBuffer(-3), avro.Type.forSchema('long').toBuffer(12), Buffer.concat(b.map((x) => avro.Type.forSchema('float').toBuffer(x))), Buffer.from([0])];
    const buf = Buffer.concat(parts);
    expect(Array.from(fast.fromBuffer(buf) as Float32Array)).to.deep.equal([...a, ...b].map(Math.fround));
    expect(plain.fromBuffer(buf)).to.deep.equal([...a, ...b].map(Math.fround));
  });

  it('writes the same bytes as avsc from a number[] and from a Float32Array', () => {
    const values = floats(128, 7).filter((x) => !Number.isNaN(x));
    const want = plain.toBuffer(values);
    expect(fast.toBuffer(values).equals(want)).to.equal(true);
    expect(fast.toBuffer(Float32Array.from(values)).equals(want)).to.equal(true);
    expect(fast.isValid(Float32Array.from(values))).to.equal(true);
    expect(fast.isValid(['x'])).to.equal(false);
    expect(() => fast.toBuffer('nope' as never)).to.throw();
  });

  it('refuses a truncated array as avsc does', () => {
    const buf = plain.toBuffer(floats(10, 3));
    expect(() => plain.fromBuffer(buf.subarray(0, buf.length - 6))).to.throw();
    expect(() => fast.fromBuffer(buf.subarray(0, buf.length - 6))).to.throw();
  });

  it('decodes a whole Prediction with Float32Array embedding and probabilities and the other fields unchanged', () => {
    const schema = readSchema('Prediction');
    const std = avro.Type.forSchema(schema as avro.Schema);
    const f32 = avro.Type.forSchema(schema as avro.Schema, { typeHook: float32ArrayHook as never });
    const value = {
      case_id: 'c-1', source: 'real', intent: 'deletion_request', is_privacy: true, confidence: 0.75,
      probabilities: floats(9, 1).map(Math.abs), embedding: floats(128, 2).map((x) => (Number.isNaN(x) ? 0 : x)),
      model_version: 'm', redacted_excerpt: 'please delete [EMAIL]', pii_found: ['email'], warnings: [], channel: 'email', language: 'en',
      jurisdiction: 'GDPR', received_at: 1_700_000_000_000, predicted_at: 1_700_000_000_500, processing_ms: 1.25, ground_truth_intent: null,
      batch_id: null, sla_due_at: 1_702_592_000_000, source_partition: 3, source_offset: 42,
    };
    const buf = std.toBuffer(value);
    const a = std.fromBuffer(buf) as Record<string, unknown>;
    const b = f32.fromBuffer(buf) as Record<string, unknown>;
    expect(b.embedding).to.be.instanceOf(Float32Array);
    expect(Array.from(b.embedding as Float32Array)).to.deep.equal(a.embedding);
    expect(Array.from(b.probabilities as Float32Array)).to.deep.equal(a.probabilities);
    expect({ ...b, embedding: null, probabilities: null }).to.deep.equal({ ...a, embedding: null, probabilities: null });
    expect(f32.toBuffer(b).equals(buf)).to.equal(true);
  });
});
