import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { createProducer } from '../../../lib/kafka';
import { waitFor } from '../../helpers';
import { makeCases, StreamHarness } from './harness';

const ROOT = path.resolve(__dirname, '../../..');

describe('poison input and repairable cases (real services)', function () {
  this.timeout(300_000);
  let h: StreamHarness;

  before(async () => {
    h = await new StreamHarness().setup();
  });

  after(async () => {
    await h.teardown();
  });

  it('dead-letters each kind of poison with its own reason code and predicts the cases around it', async () => {
    const topic = h.config.topics.casesReal;
    const [good1, good2, longCase, futureCase, emptyCase, hugeCase, utf8Case, truncCase] = makeCases(8);
    const enc = (v: object) => h.codec.encode(topic, v);

    const valid = await enc(truncCase);
    const truncated = valid.subarray(0, valid.length - 20);
    const unknownSchema = Buffer.concat([Buffer.from([0, 0x3b, 0x9a, 0xc9, 0xff]), valid.subarray(5)]);
    const marker = 'INVALIDUTF8MARKER';
    const utf8 = await enc({ ...utf8Case, body: `hello ${marker} world` });
    const at = utf8.indexOf(Buffer.from(marker));
    utf8[at] = 0xff;
    utf8[at + 1] = 0xfe;

    const messages = [
      { key: good1.case_id, value: await enc(good1) },
      { key: 'poison-magic', value: Buffer.from('{"case_id":"poison-magic","body":"not avro"}') },
      { key: 'poison-schema', value: unknownSchema },
      { key: truncCase.case_id, value: truncated },
      { key: emptyCase.case_id, value: await enc({ ...emptyCase, body: '   ' }) },
      { key: hugeCase.case_id, value: await enc({ ...hugeCase, body: 'x'.repeat(1_100_000) }) },
      { key: utf8Case.case_id, value: utf8 },
      { key: longCase.case_id, value: await enc({ ...longCase, body: `Please delete all my personal data. ${'More words here. '.repeat(3_000)}` }) },
      { key: futureCase.case_id, value: await enc({ ...futureCase, received_at: Date.now() + 3_600_000 }) },
      { key: good2.case_id, value: await enc(good2) },
    ];
    const producer = createProducer(h.kafka);
    await producer.connect();
    // One partition for all of them, so the poison sits between the good cases in one batch.
    await producer.send({ topic, messages: messages.map((m) => ({ ...m, partition: 0 })) });
    await producer.disconnect();

    const pipeline = h.start('run', ['--no-drift']);
    await waitFor(async () => {
      const { rows } = await h.pool.query('SELECT (SELECT count(*) FROM pcc.predictions)::int AS p, (SELECT count(*) FROM pcc.dead_letters)::int AS d');
      return rows[0].p >= 4 && rows[0].d >= 6;
    }, { timeoutMs: 120_000, intervalMs: 300, what: 'predictions and dead letters' });

    const dl = await h.pool.query<{ reason_code: string; case_id: string | null; source: string }>('SELECT reason_code, case_id, source FROM pcc.dead_letters ORDER BY source_offset');
    expect(dl.rows.map((r) => r.reason_code)).to.deep.equal([
      'PCC_DECODE_MAGIC_BYTE',
      'PCC_DECODE_UNKNOWN_SCHEMA',
      'PCC_DECODE_AVRO',
      'PCC_VALIDATION_EMPTY_BODY',
      'PCC_VALIDATION_BODY_TOO_LARGE',
      'PCC_DECODE_INVALID_UTF8',
    ]);
    expect(dl.rows.every((r) => r.source === 'real')).to.equal(true);

    const preds = await h.pool.query<{ case_id: string; warnings: string[]; received_at: Date; predicted_at: Date }>('SELECT case_id, warnings, received_at, predicted_at FROM pcc.predictions');
    const byId = new Map(preds.rows.map((r) => [r.case_id, r]));
    expect([...byId.keys()].sort()).to.deep.equal([good1.case_id, good2.case_id, longCase.case_id, futureCase.case_id].sort());
    expect(byId.get(longCase.case_id)!.warnings).to.deep.equal(['PCC_WARN_BODY_TRUNCATED']);
    expect(byId.get(futureCase.case_id)!.warnings).to.deep.equal(['PCC_WARN_FUTURE_TIMESTAMP']);
    expect(byId.get(futureCase.case_id)!.received_at.getTime()).to.be.at.most(byId.get(futureCase.case_id)!.predicted_at.getTime());
    expect(byId.get(good1.case_id)!.warnings).to.deep.equal([]);
    expect(await pipeline.kill('SIGTERM')).to.equal(0);
  });

  it('predicts a replayed dead letter once, however often it is replayed', async () => {
    const [big] = makeCases(1);
    big.body = `Please erase my account and all data. ${'padding '.repeat(400)}`;
    // First pass with a 1,000-byte limit: the case is dead-lettered as too large.
    const strict = h.start('run', ['--no-drift'], { PCC_MAX_BODY_BYTES: '1000' });
    await h.publishReal([big]);
    await waitFor(async () => (await h.pool.query(`SELECT 1 FROM pcc.dead_letters WHERE case_id = $1`, [big.case_id])).rowCount, { timeoutMs: 120_000, what: 'the dead letter' });
    await strict.kill('SIGTERM');
    await h.pool.query('DELETE FROM pcc.dead_letters WHERE case_id IS DISTINCT FROM $1', [big.case_id]);

    // The fix: the default limit. Replay twice; the second replay includes the replayed one.
    h.start('run', ['--no-drift']);
    const env = { ...process.env, ...h.env };
    for (const extra of [[], ['--all']]) {
      const out = execFileSync(process.execPath, [path.join(ROOT, 'bin/pcc.js'), 'dlq', 'replay', ...extra], { cwd: ROOT, env }).toString();
      expect(JSON.parse(out).replayed).to.equal(1);
    }
    await waitFor(async () => (await h.pool.query(`SELECT 1 FROM pcc.predictions WHERE case_id = $1`, [big.case_id])).rowCount, { timeoutMs: 120_000, what: 'the replayed prediction' });
    // Both replays reach the processor; wait until the second has gone through the sink too.
    await waitFor(async () => {
      const lag = await h.kafka.admin();
      await lag.connect();
      try {
        const committed = await lag.fetchOffsets({ groupId: h.config.sink.groupId, topics: [h.config.topics.predictions] });
        const ends = await lag.fetchTopicOffsets(h.config.topics.predictions);
        return committed[0].partitions.every((p) => {
          const end = Number(ends.find((e) => e.partition === p.partition)!.high);
          return end === 0 || Number(p.offset) >= end - 1;
        });
      } finally {
        await lag.disconnect();
      }
    }, { timeoutMs: 120_000, intervalMs: 500, what: 'the sink to reach the end of the predictions topic' });
    const rows = await h.pool.query(`SELECT count(*)::int AS n FROM pcc.predictions WHERE case_id = $1`, [big.case_id]);
    expect(rows.rows[0].n).to.equal(1);
    const dl = await h.pool.query(`SELECT replay_count FROM pcc.dead_letters WHERE case_id = $1`, [big.case_id]);
    expect(dl.rows[0].replay_count).to.equal(2);
  });
  it('sink: stores predictions transcoded from Avro or decoded, once each, and dead-letters unreadable ones', async () => {
    const topic = h.config.topics.predictions;
    const sink = h.start('sink');
    const id = `tc-${Date.now()}`;
    const now = Date.now();
    const pred = (caseId: string, over: Record<string, unknown> = {}) => ({
      case_id: caseId, source: 'real', intent: 'access_request', is_privacy: true, confidence: 0.75,
      probabilities: Array.from({ length: 9 }, (_, i) => i / 10), embedding: Array.from({ length: 128 }, (_, i) => Math.fround(Math.sin(i))),
      model_version: 'test', redacted_excerpt: 'Send me my data, [EMAIL] é日😀', pii_found: ['email'], warnings: [],
      channel: 'email', language: null, jurisdiction: 'GDPR', received_at: now - 1000, predicted_at: now, processing_ms: 1.5,
      ground_truth_intent: null, batch_id: null, sla_due_at: now + 86_400_000, source_partition: 2, source_offset: 41, ...over,
    });
    const enc = (v: object) => h.codec.encode(topic, v);
    const good = await enc(pred(`${id}-good`));
    const bad = await enc(pred(`${id}-utf8`, { redacted_excerpt: 'plain MARK text' }));
    const at = bad.indexOf('MARK');
    bad[at] = 0xc3; // a lead byte without its continuation
    // pii_found in two blocks: valid Avro the transcoder leaves to the decoder.
    const plain = await enc(pred(`${id}-blocks`, { pii_found: ['email'] }));
    const pii = plain.indexOf('email', plain.indexOf('😀')) - 2;
    const blocks = Buffer.concat([plain.subarray(0, pii + 7), Buffer.from([2, 2, 0x61]), plain.subarray(pii + 7)]);
    const truncated = good.subarray(0, good.length - 9);
    const synthetic = await enc(pred(`${id}-good`, { source: 'synthetic', ground_truth_intent: 'access_request', batch_id: 'b1' }));
    const producer = h.kafka.producer();
    await producer.connect();
    await producer.send({
      topic,
      messages: [good, bad, blocks, truncated, good, synthetic].map((value, i) => ({ key: `k${i}`, value, partition: 0 })),
    });
    await producer.disconnect();
    await waitFor(async () => {
      const { rows } = await h.pool.query(`SELECT (SELECT count(*) FROM pcc.predictions WHERE case_id LIKE $1)::int AS p, (SELECT count(*) FROM pcc.dead_letters WHERE source_topic = $2)::int AS d`, [`${id}-%`, topic]);
      return rows[0].p >= 3 && rows[0].d >= 2;
    }, { timeoutMs: 120_000, intervalMs: 300, what: 'the hand-written predictions' });
    const dl = await h.pool.query<{ reason_code: string }>('SELECT reason_code FROM pcc.dead_letters WHERE source_topic = $1 ORDER BY source_offset', [topic]);
    expect(dl.rows.map((r) => r.reason_code)).to.deep.equal(['PCC_DECODE_INVALID_UTF8', 'PCC_DECODE_AVRO']);
    const { rows } = await h.pool.query(
      `SELECT case_id, source, redacted_excerpt, pii_found, embedding, probabilities, sla_due_at, source_offset, batch_id FROM pcc.predictions WHERE case_id LIKE $1 ORDER BY case_id, source`,
      [`${id}-%`],
    );
    expect(rows.map((r) => `${r.case_id}/${r.source}`)).to.deep.equal([`${id}-blocks/real`, `${id}-good/real`, `${id}-good/synthetic`]);
    expect(rows[0].pii_found).to.deep.equal(['email', 'a']);
    expect(rows[1].redacted_excerpt).to.equal('Send me my data, [EMAIL] é日😀');
    expect(rows[1].embedding.map(Math.fround)).to.deep.equal(pred('x').embedding);
    expect(rows[1].probabilities.map(Math.fround)).to.deep.equal(pred('x').probabilities.map(Math.fround));
    expect(rows[1].sla_due_at.getTime()).to.equal(now + 86_400_000);
    expect(Number(rows[1].source_offset)).to.equal(41);
    expect(rows[2].batch_id).to.equal('b1');
    // The earlier tests' pipelines may still run a sink in the same group; either may have written.
    await sink.kill('SIGTERM');
  });
});
