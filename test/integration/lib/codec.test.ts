import { expect } from 'chai';
import { randomUUID } from 'node:crypto';
import { createCodec, createRegistry, readSchema, registerSchema, subjectFor } from '../../../lib/codec';
import { createProducer, ensureTopics } from '../../../lib/kafka';
import { deleteSubject, testConfig, testKafka, waitFor } from '../../helpers';

describe('codec (real Kafka and registry)', () => {
  const config = testConfig();
  const kafka = testKafka(config);
  const registry = createRegistry(config);
  const topic = config.topics.casesReal;

  before(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await ensureTopics(admin, [{ topic, numPartitions: 1 }]);
    await admin.disconnect();
    await registerSchema(registry, subjectFor(topic), readSchema('Case'));
  });

  after(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
    await deleteSubject(config, subjectFor(topic));
  });

  it('consumes back an Avro Case equal to the one produced, through the registry', async () => {
    const codec = createCodec(registry);
    const sent = {
      case_id: randomUUID(),
      received_at: Date.UTC(2026, 10, 28, 12, 0, 0),
      channel: 'email',
      language: 'en',
      subject: 'Data request',
      body: 'Please send me a copy of the data you hold on me.',
      customer_ref: 'cust-42',
      jurisdiction: 'GDPR',
      metadata: { queue: 'privacy', ticket: 'T-1' },
    };
    const producer = createProducer(kafka);
    await producer.connect();
    const value = await codec.encode(topic, sent);
    expect(value[0]).to.equal(0);
    await producer.send({ topic, messages: [{ key: sent.case_id, value }] });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `${topic}-reader` });
    const received: unknown[] = [];
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        received.push((await codec.decode(message.value, 'Case')).value);
      },
    });
    await waitFor(() => received.length === 1, { what: 'the case to come back' });
    await consumer.disconnect();
    expect({ ...(received[0] as object) }).to.deep.equal(sent);
  });

  it('encodes with a synchronous encoder exactly as encode does, across and beyond its shared buffers', async () => {
    const codec = createCodec(registry);
    const encode = await codec.encoderFor(topic);
    const make = (i: number, bodyChars: number) => ({
      case_id: `c-${i}`, received_at: Date.UTC(2026, 10, 28) + i, channel: 'chat', language: null, subject: null,
      body: 'é'.repeat(bodyChars), customer_ref: null, jurisdiction: null, metadata: {},
    });
    // ~3 MB in all: several 1 MB buffers, a value straddling each boundary, and one larger than a buffer.
    const values = [...Array.from({ length: 1500 }, (_, i) => make(i, 1000)), make(9999, 700_000), make(10_000, 10)];
    const encoded = values.map((v) => encode(v));
    for (let i = 0; i < values.length; i++) {
      expect(encoded[i].equals(await codec.encode(topic, values[i])), `value ${i}`).to.equal(true);
      expect({ ...(await codec.decode(encoded[i], 'Case')).value }).to.deep.equal(values[i]);
    }
    expect(() => encode({ case_id: 'x' })).to.throw().with.property('code', 'PCC_INTERNAL');
  });

  it('encodes a Float32Array embedding as the same bytes as a number[], and a sink codec reads it back as Float32Array', async () => {
    const predictions = config.topics.predictions;
    await registerSchema(registry, subjectFor(predictions), readSchema('Prediction'));
    try {
      const embedding = Array.from({ length: 128 }, (_, i) => Math.fround(Math.cos(i) / (i + 1)));
      const value = {
        case_id: 'c-f32', source: 'real', intent: 'access_request', is_privacy: true, confidence: 0.5,
        probabilities: [0.5, 0.1, 0.1, 0.1, 0.1, 0.025, 0.025, 0.025, 0.025], embedding, model_version: 'm', redacted_excerpt: 'x',
        pii_found: [], warnings: [], channel: null, language: null, jurisdiction: 'GDPR', received_at: 1, predicted_at: 2,
        processing_ms: 0.5, ground_truth_intent: null, batch_id: null, sla_due_at: 3, source_partition: 0, source_offset: 0,
      };
      const codec = createCodec(registry);
      const encode = await codec.encoderFor(predictions);
      const want = await codec.encode(predictions, value);
      expect(encode(value).equals(want)).to.equal(true);
      // A view into a larger buffer, as the classifier returns it.
      const batch = new Float32Array(3 * 128);
      batch.set(embedding, 128);
      expect(encode({ ...value, embedding: batch.subarray(128, 256) }).equals(want)).to.equal(true);
      expect((await codec.decode(want, 'Prediction')).value.embedding).to.deep.equal(embedding);
      const sinkSide = (await createCodec(createRegistry(config, { float32Arrays: true })).decode(want, 'Prediction')).value;
      expect(sinkSide.embedding).to.be.instanceOf(Float32Array);
      expect(Array.from(sinkSide.embedding as Float32Array)).to.deep.equal(embedding);
    } finally {
      await deleteSubject(config, subjectFor(predictions));
    }
  });

  it('refuses a value without the magic byte with its own code', async () => {
    const codec = createCodec(registry);
    const err = await codec.decode(Buffer.from('{"case_id":"x"}')).catch((e) => e);
    expect(err.code).to.equal('PCC_DECODE_MAGIC_BYTE');
  });

  it('refuses an unknown schema id with its own code', async () => {
    const codec = createCodec(registry);
    const buf = Buffer.alloc(10);
    buf.writeInt32BE(987654321, 1);
    const err = await codec.decode(buf).catch((e) => e);
    expect(err.code).to.equal('PCC_DECODE_UNKNOWN_SCHEMA');
  });
});

describe('schema registry compatibility (BACKWARD)', () => {
  const config = testConfig();
  const registry = createRegistry(config);
  const subject = `compat-${randomUUID()}-value`;
  const v1 = {
    type: 'record',
    name: 'Probe',
    namespace: 'pcc.test',
    fields: [
      { name: 'id', type: 'string' },
      { name: 'n', type: 'long' },
    ],
  };

  before(async () => {
    await registerSchema(registry, subject, v1);
  });

  after(() => deleteSubject(config, subject));

  it('accepts a compatible change: a new optional field', async () => {
    const v2 = { ...v1, fields: [...v1.fields, { name: 'note', type: ['null', 'string'], default: null }] };
    const id = await registerSchema(registry, subject, v2);
    expect(id).to.be.a('number');
  });

  it('rejects a new field without a default (old records could not be read)', async () => {
    const bad = { ...v1, fields: [...v1.fields, { name: 'required_now', type: 'string' }] };
    const err = await registerSchema(registry, subject, bad).catch((e) => e);
    expect(err.code).to.equal('PCC_SCHEMA_INCOMPATIBLE');
  });

  it('rejects a field whose type changes incompatibly', async () => {
    const bad = { ...v1, fields: [{ name: 'id', type: 'int' }, v1.fields[1]] };
    const err = await registerSchema(registry, subject, bad).catch((e) => e);
    expect(err.code).to.equal('PCC_SCHEMA_INCOMPATIBLE');
  });
});
