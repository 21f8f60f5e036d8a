import { expect } from 'chai';
import pg from 'pg';
import { createPool, inTransaction } from '../../../../lib/db';
import { migrate } from '../../../../lib/migrations';
import type { DeadLetterValue, PredictionValue } from '../../../../processors/pipeline';
import { CopyBinaryWriter } from '../../../../sinks/postgres/copy-binary';
import { daysOf, dropOldPartitions, ensurePartitions, insertDeadLetters, encodePredictionRows, insertPredictionRows, insertPredictions, upsertAlerts } from '../../../../sinks/postgres/repository';
import { createTestDatabase } from '../../../helpers';

const DAY = 86_400_000;

function prediction(id: string, over: Partial<PredictionValue> = {}): PredictionValue {
  const t = Date.UTC(2026, 10, 28, 10);
  return {
    case_id: id, source: 'real', intent: 'deletion_request', is_privacy: true, confidence: 0.8,
    probabilities: [0, 0.8, 0, 0, 0, 0, 0, 0, 0.2], embedding: [0.1, -0.2, 0.3], model_version: 'm1',
    redacted_excerpt: 'please delete [EMAIL]', pii_found: ['email'], warnings: [], channel: 'email', language: 'en',
    jurisdiction: 'GDPR', received_at: t - 1000, predicted_at: t, processing_ms: 3, ground_truth_intent: null, batch_id: null,
    sla_due_at: t + 30 * DAY, source_partition: 0, source_offset: 1, ...over,
  };
}

describe('Postgres sink repository (real Postgres)', () => {
  let db: { url: string; drop: () => Promise<void> };
  let pool: pg.Pool;

  before(async () => {
    db = await createTestDatabase();
    pool = createPool({ db: { url: db.url, poolMax: 3 } });
    await migrate(pool);
  });

  after(async () => {
    await pool.end();
    await db.drop();
  });

  it('replays a batch and finds one row per case', async () => {
    const batch = [prediction('a'), prediction('b'), prediction('c', { source: 'synthetic', batch_id: 'b1', ground_truth_intent: 'deletion_request' })];
    await ensurePartitions(pool, daysOf(batch.map((p) => p.predicted_at)));
    const first = await inTransaction(pool, (c) => insertPredictions(c, batch));
    expect(first).to.deep.equal({ real: 2, synthetic: 1 });
    // The replay carries a later predicted_at, as a re-processed case would: still one row.
    const replay = batch.map((p) => ({ ...p, predicted_at: p.predicted_at + DAY }));
    await ensurePartitions(pool, daysOf(replay.map((p) => p.predicted_at)));
    expect(await inTransaction(pool, (c) => insertPredictions(c, replay))).to.deep.equal({});
    const { rows } = await pool.query('SELECT case_id, source, count(*)::int AS n FROM pcc.predictions GROUP BY 1, 2 ORDER BY 1');
    expect(rows).to.deep.equal([
      { case_id: 'a', source: 'real', n: 1 },
      { case_id: 'b', source: 'real', n: 1 },
      { case_id: 'c', source: 'synthetic', n: 1 },
    ]);
  });

  it('stores only the new cases of a batch that mixes replays and new cases, with their own values', async () => {
    await ensurePartitions(pool, daysOf([prediction('x').predicted_at]));
    expect(await inTransaction(pool, (c) => insertPredictions(c, [prediction('mix-a'), prediction('mix-b', { confidence: 0.3 })]))).to.deep.equal({ real: 2 });
    const second = [prediction('mix-b', { confidence: 0.9 }), prediction('mix-c', { confidence: 0.7 }), prediction('mix-d', { source: 'synthetic', batch_id: 'b', ground_truth_intent: 'not_privacy', confidence: 0.6 })];
    expect(await inTransaction(pool, (c) => insertPredictions(c, second))).to.deep.equal({ real: 1, synthetic: 1 });
    const { rows } = await pool.query(`SELECT case_id, source, confidence FROM pcc.predictions WHERE case_id LIKE 'mix-%' ORDER BY case_id`);
    expect(rows.map((r) => [r.case_id, r.source, Math.round(r.confidence * 10) / 10])).to.deep.equal([
      ['mix-a', 'real', 0.8],
      ['mix-b', 'real', 0.3],
      ['mix-c', 'real', 0.7],
      ['mix-d', 'synthetic', 0.6],
    ]);
  });

  it('keeps one row when the same case appears twice in one batch', async () => {
    const n = await inTransaction(pool, (c) => insertPredictions(c, [prediction('dup'), prediction('dup', { confidence: 0.5 })]));
    expect(n).to.deep.equal({ real: 1 });
  });

  it('keeps the same case id apart for real and synthetic', async () => {
    const n = await inTransaction(pool, (c) => insertPredictions(c, [prediction('shared'), prediction('shared', { source: 'synthetic', batch_id: 'b', ground_truth_intent: 'not_privacy' })]));
    expect(n).to.deep.equal({ real: 1, synthetic: 1 });
  });

  it('stores probabilities, embedding and arrays intact', async () => {
    const { rows } = await pool.query(`SELECT probabilities, embedding, pii_found, warnings FROM pcc.predictions WHERE case_id = 'a'`);
    expect(rows[0].probabilities.map((x: number) => Math.round(x * 10) / 10)).to.deep.equal([0, 0.8, 0, 0, 0, 0, 0, 0, 0.2]);
    expect(rows[0].embedding).to.have.length(3);
    expect(rows[0].pii_found).to.deep.equal(['email']);
  });

  it('stores every column exactly as the binary COPY wrote it', async () => {
    const p = prediction('full-é', {
      source: 'synthetic', intent: 'not_privacy', is_privacy: false, sla_due_at: null, confidence: 0.25,
      probabilities: [0.1, 0, 0, 0, 0, 0, 0, 0, 0.25], embedding: [1.5, -0.25, Number.NaN, 3e-8],
      redacted_excerpt: 'ünïcödé 日本語 "quoted", {braces} \\ back\nline', pii_found: [], warnings: ['PCC_BODY_TRUNCATED', 'W "2"'],
      channel: null, language: null, jurisdiction: null, ground_truth_intent: 'not_privacy', batch_id: 'b9',
      received_at: Date.UTC(1999, 11, 31, 23, 59, 59, 123), source_partition: 5, source_offset: 2 ** 40 + 7,
    });
    await ensurePartitions(pool, daysOf([p.predicted_at]));
    expect(await inTransaction(pool, (c) => insertPredictions(c, [p]))).to.deep.equal({ synthetic: 1 });
    const { rows } = await pool.query(
      `SELECT source::text, intent::text, is_privacy, confidence, probabilities, embedding, redacted_excerpt, pii_found, warnings, channel,
              language, jurisdiction, received_at, predicted_at, processing_ms, ground_truth_intent::text, batch_id, sla_due_at,
              source_partition, source_offset FROM pcc.predictions WHERE case_id = 'full-é'`,
    );
    expect(rows[0]).to.deep.equal({
      source: 'synthetic', intent: 'not_privacy', is_privacy: false, confidence: 0.25, probabilities: [0.1, 0, 0, 0, 0, 0, 0, 0, 0.25],
      embedding: [1.5, -0.25, 0, 3e-8], redacted_excerpt: p.redacted_excerpt, pii_found: [], warnings: ['PCC_BODY_TRUNCATED', 'W "2"'],
      channel: null, language: null, jurisdiction: null, received_at: new Date(p.received_at), predicted_at: new Date(p.predicted_at),
      processing_ms: 3, ground_truth_intent: 'not_privacy', batch_id: 'b9', sla_due_at: null, source_partition: 5, source_offset: 2 ** 40 + 7,
    });
  });

  it('stores Float32Array probabilities and embeddings (as the sink decodes them) like number[]', async () => {
    const embedding = Array.from({ length: 128 }, (_, i) => Math.fround(Math.sin(i) * 10 ** ((i % 9) - 4)));
    const probabilities = [0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125, 0.00390625, 0.00390625];
    const asArrays = prediction('f32-arrays', { embedding, probabilities });
    const asTyped = { ...prediction('f32-typed'), embedding: Float32Array.from(embedding), probabilities: Float32Array.from(probabilities) };
    await ensurePartitions(pool, daysOf([asArrays.predicted_at]));
    expect(await inTransaction(pool, (c) => insertPredictions(c, [asArrays, asTyped]))).to.deep.equal({ real: 2 });
    const { rows } = await pool.query(`SELECT case_id, probabilities, embedding FROM pcc.predictions WHERE case_id IN ('f32-arrays', 'f32-typed') ORDER BY case_id`);
    expect(rows.map((r) => r.case_id)).to.deep.equal(['f32-arrays', 'f32-typed']);
    // real[] comes back as the shortest decimal of each float4: equal once read as float32 again.
    expect(rows[1].embedding.map(Math.fround)).to.deep.equal(embedding);
    expect(rows[1].probabilities.map(Math.fround)).to.deep.equal(probabilities);
    expect(rows[1].embedding).to.deep.equal(rows[0].embedding);
  });

  it('stores batches of changing size written one after another into one reused COPY buffer (the sink\'s way), each as given', async () => {
    const client = await pool.connect();
    try {
      const rnd = (k: number) => Math.fround(Math.sin(k) * 3);
      const batch = (tag: string, n: number, excerptChars: number) =>
        Array.from({ length: n }, (_, i) =>
          prediction(`reuse-${tag}-${i}`, { embedding: Array.from({ length: 128 }, (_, d) => rnd(i * 131 + d + tag.length)), redacted_excerpt: `${tag} ${'é'.repeat(excerptChars)} ${i}` }),
        );
      // Big, then small (the kept buffer holds stale bytes past the new end), then bigger (it grows).
      const batches = [batch('big', 200, 280), batch('small', 3, 5), batch('bigger', 900, 280)];
      await ensurePartitions(pool, daysOf([batches[0][0].predicted_at]));
      const writer = new CopyBinaryWriter(1024);
      for (const b of batches) {
        await client.query('BEGIN');
        expect(await insertPredictionRows(client, encodePredictionRows(b, writer))).to.deep.equal({ real: b.length });
        await client.query('COMMIT');
      }
      const { rows } = await pool.query(`SELECT case_id, redacted_excerpt, embedding FROM pcc.predictions WHERE case_id LIKE 'reuse-%'`);
      expect(rows).to.have.length(1103);
      const want = new Map(batches.flat().map((p) => [p.case_id, p]));
      for (const r of rows) {
        const p = want.get(r.case_id)!;
        expect(r.redacted_excerpt, r.case_id).to.equal(p.redacted_excerpt);
        expect(r.embedding.map(Math.fround), r.case_id).to.deep.equal(p.embedding);
      }
    } finally {
      client.release();
    }
  });

  it('refuses to write predictions outside a transaction, where the ledger key could commit without its row', async () => {
    const client = await pool.connect();
    try {
      let err: unknown;
      await insertPredictions(client, [prediction('no-txn')]).catch((e) => (err = e));
      expect((err as { code?: string }).code).to.equal('25P01');
      const { rows } = await pool.query(`SELECT count(*)::int AS n FROM pcc.prediction_keys WHERE case_id = 'no-txn'`);
      expect(rows[0].n).to.equal(0);
    } finally {
      client.release();
    }
  });

  it('rejects a batch that breaks a table constraint, leaving nothing behind', async () => {
    const bad = prediction('bad-conf', { confidence: 1.5 });
    let err: unknown;
    await inTransaction(pool, (c) => insertPredictions(c, [prediction('ok-with-bad'), bad])).catch((e) => (err = e));
    expect((err as { code?: string }).code).to.equal('23514');
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM pcc.prediction_keys WHERE case_id IN ('bad-conf', 'ok-with-bad')`);
    expect(rows[0].n).to.equal(0);
  });

  it('writes a dead letter once per (topic, partition, offset)', async () => {
    const d: DeadLetterValue = { case_id: 'x', source: 'real', source_topic: 't', source_partition: 0, source_offset: 7, reason_code: 'PCC_DECODE_AVRO', reason: 'bad', failed_at: Date.now(), payload: Buffer.from([1, 2, 3]), payload_redacted: false };
    expect(await insertDeadLetters(pool, [d])).to.equal(1);
    expect(await insertDeadLetters(pool, [d])).to.equal(0);
    const { rows } = await pool.query(`SELECT payload FROM pcc.dead_letters WHERE source_offset = 7`);
    expect([...rows[0].payload]).to.deep.equal([1, 2, 3]);
  });

  it('opens an alert on firing and closes it on resolved, whatever the replay order', async () => {
    const base = { alert_id: 'al1', fingerprint: 'drift/intent_js/real', kind: 'drift', severity: 'warning', metric: 'intent_js', value: 0.3, threshold: 0.1, window_start: Date.now() - 3600_000, window_end: Date.now(), source: 'real', details: '{"a":1}', emitted_at: Date.now() };
    await upsertAlerts(pool, [{ ...base, status: 'firing' }]);
    await upsertAlerts(pool, [{ ...base, status: 'resolved', value: 0.01 }]);
    await upsertAlerts(pool, [{ ...base, status: 'firing' }]);
    const { rows } = await pool.query(`SELECT status, resolved_at IS NOT NULL AS closed, details FROM pcc.alerts WHERE alert_id = 'al1'`);
    expect(rows).to.deep.equal([{ status: 'resolved', closed: true, details: { a: 1 } }]);
  });

  it('drops partitions older than the retention period and says which', async () => {
    const now = Date.UTC(2026, 10, 28);
    await ensurePartitions(pool, ['2025-01-01', '2025-01-02']);
    const res = await inTransaction(pool, (c) => dropOldPartitions(c, 400, now));
    expect(res.dropped).to.deep.equal(['pcc.predictions_20250101', 'pcc.predictions_20250102']);
    const again = await inTransaction(pool, (c) => dropOldPartitions(c, 400, now));
    expect(again.dropped).to.deep.equal([]);
  });
});
