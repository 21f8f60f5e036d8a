import { expect } from 'chai';
import { INTENTS } from '../../../../lib/taxonomy';
import { createClassifierJudge, type LabelJudge } from '../../../../producers/synthetic/fidelity';
import { generateBatch } from '../../../../producers/synthetic/generate';
import { publishBatch, replayBatch } from '../../../../producers/synthetic/publisher';
import { getBatch, startBatch } from '../../../../producers/synthetic/service';
import { insertCases, listCases } from '../../../../producers/synthetic/store';
import { parseTargets, plannedCounts } from '../../../../producers/synthetic/targets';
import { createTemplateBackend } from '../../../../producers/synthetic/template-backend';
import type { SyntheticCaseValue } from '../../../../producers/synthetic/types';
import { testLogger } from '../../../helpers';
import { SynthFixture } from './fixture';

describe('synthetic template batches (real Postgres, Kafka, registry)', function () {
  this.timeout(180_000);
  const fx = new SynthFixture();
  let judge: LabelJudge;
  let batchId: string;

  before(async () => {
    await fx.setup();
    judge = await createClassifierJudge();
  });

  after(async () => {
    judge?.close?.();
    await fx.teardown();
  });

  it('generates 900 template cases covering every intent as targeted, without duplicates, with metrics stored', async () => {
    const targets = parseTargets('');
    const planned = plannedCounts(900, targets).intents;
    const r = await generateBatch({ pool: fx.pool, backend: createTemplateBackend(), judge, logger: testLogger() }, { count: 900, seed: 20261128, targets });
    expect(r.outcome).to.equal('generated');
    if (r.outcome !== 'generated') return;
    batchId = r.batchId;
    const b = await getBatch(fx.pool, batchId);
    expect(b.status).to.equal('generated');
    expect(b.backend).to.equal('template');
    expect(b.prompt_templates[0].sha256).to.match(/^[0-9a-f]{64}$/);
    expect(b.counts.accepted + b.counts.flagged + b.counts.repaired).to.equal(900);

    const { rows: perIntent } = await fx.pool.query(
      `SELECT intended_intent, count(*)::int AS n FROM synthetic.cases WHERE batch_id = $1 AND status <> 'rejected' GROUP BY 1`,
      [batchId],
    );
    const got = Object.fromEntries(perIntent.map((x) => [x.intended_intent, x.n]));
    for (const intent of INTENTS) expect(got[intent], intent).to.equal(planned[intent]).and.be.above(0);

    const { rows: dup } = await fx.pool.query(
      `SELECT count(*)::int AS n, count(DISTINCT lower(published_case->>'body'))::int AS distinct_bodies,
              count(*) FILTER (WHERE case_id NOT LIKE 'syn-%')::int AS bad_ids
         FROM synthetic.cases WHERE batch_id = $1 AND status <> 'rejected'`,
      [batchId],
    );
    expect(dup[0]).to.deep.equal({ n: 900, distinct_bodies: 900, bad_ids: 0 });

    const a = b.achieved as any;
    expect(a.dimensions.intents.achieved).to.deep.equal(planned);
    expect(a.dimensions.intents.max_share_gap).to.equal(0);
    expect(a.diversity.distinct_1).to.be.within(0.01, 1);
    expect(a.diversity.distinct_2).to.be.above(a.diversity.distinct_1);
    expect(a.diversity.compression_ratio).to.be.above(1);
    expect(a.label_fidelity.classifier_version).to.equal(judge.version);
    expect(a.label_fidelity.agreement).to.be.within(0.5, 1);
    expect(a.label_fidelity.flagged).to.equal(b.counts.flagged);
    const flagged = await listCases(fx.pool, batchId, { status: 'flagged' });
    expect(flagged).to.have.length(b.counts.flagged);
    for (const f of flagged) expect(f.review_reason).to.match(/^PCC_SYNTH_LABEL_DISAGREES: classifier .* predicts [a-z_]+/);
  });

  it('publishes the batch, flagged cases included, with its batch_id on every case and nothing on the real topic', async () => {
    const p = await publishBatch({ pool: fx.pool, kafka: fx.kafka, codec: fx.codec, topic: fx.config.topics.casesSynthetic }, batchId);
    expect(p).to.include({ kind: 'publish', cases: 900 });
    const records = await fx.readTopic<SyntheticCaseValue>(fx.config.topics.casesSynthetic, 900);
    expect(records).to.have.length(900);
    const stored = new Map((await listCases(fx.pool, batchId)).filter((c) => c.status !== 'rejected').map((c) => [c.case_id, c]));
    for (const { key, value } of records) {
      expect(key).to.equal(value.case_id);
      expect(value.batch_id).to.equal(batchId);
      expect(value.case_id).to.match(/^syn-/);
      expect(INTENTS).to.include(value.ground_truth_intent);
      expect(value.generator.name).to.equal('template');
      const s = stored.get(value.case_id);
      expect(s, value.case_id).to.not.equal(undefined);
      expect(value.body).to.equal(s!.published_case!.body);
      expect(value.ground_truth_intent).to.equal(s!.intended_intent);
    }
    expect(new Set(records.map((r) => r.value.case_id)).size).to.equal(900);
    expect(await fx.topicSize(fx.config.topics.casesReal)).to.equal(0);
    const b = await getBatch(fx.pool, batchId);
    expect(b.status).to.equal('published');
    expect(b.publications.map((x) => x.kind)).to.deep.equal(['publish']);
  });

  it('keeps every synthetic case out of the real tables, by constraint and by role', async () => {
    const { rows } = await fx.pool.query(`SELECT case_id FROM synthetic.cases WHERE batch_id = $1 AND status <> 'rejected'`, [batchId]);
    const caseIds = rows.map((r) => r.case_id as string);
    const { rows: real } = await fx.pool.query(
      `SELECT (SELECT count(*) FROM pcc.predictions WHERE source = 'real' AND case_id = ANY($1))::int AS predictions,
              (SELECT count(*) FROM pcc.prediction_keys WHERE source = 'real' AND case_id = ANY($1))::int AS keys,
              (SELECT count(*) FROM pcc.dead_letters WHERE case_id = ANY($1))::int AS dead_letters`,
      [caseIds],
    );
    expect(real[0]).to.deep.equal({ predictions: 0, keys: 0, dead_letters: 0 });
    // A real row with a synthetic case id is refused by the database itself.
    let err: any;
    await fx.pool.query(`INSERT INTO pcc.prediction_keys (case_id, source, predicted_at) VALUES ($1, 'real', now())`, [caseIds[0]]).catch((e) => (err = e));
    expect(err?.code).to.equal('23514');
    // The store's role cannot write a real table at all.
    const client = await fx.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL ROLE pcc_synthetic');
      err = undefined;
      await client.query(`INSERT INTO pcc.dead_letters (source_topic, source_partition, source_offset, reason_code, reason, failed_at) VALUES ('x', 0, 0, 'X', 'x', now())`).catch((e) => (err = e));
      expect(err?.code).to.equal('42501');
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });

  it('refuses any change to a published batch or its cases', async () => {
    const attempts: [string, string][] = [
      ['update a case', `UPDATE synthetic.cases SET status = 'rejected' WHERE batch_id = $1 AND seq = 0`],
      ['delete a case', `DELETE FROM synthetic.cases WHERE batch_id = $1 AND seq = 1`],
      ['update the batch', `UPDATE synthetic.batches SET achieved = '{}' WHERE batch_id = $1`],
      ['delete the batch', `DELETE FROM synthetic.batches WHERE batch_id = $1`],
    ];
    for (const [what, sql] of attempts) {
      let err: any;
      await fx.pool.query(sql, [batchId]).catch((e) => (err = e));
      expect(err?.code, what).to.equal('PC409');
    }
    let err: any;
    await insertCases(fx.pool, batchId, [
      { case_id: `syn-extra-${Date.now()}`, seq: 9999, intended_intent: 'not_privacy', conversation: { turns: [], spec: {} }, published_case: null, raw_output: null, tags: [], status: 'accepted', review_reason: null },
    ]).catch((e) => (err = e));
    expect(err?.code).to.equal('PCC_BATCH_IMMUTABLE');
    const { rows } = await fx.pool.query(`SELECT count(*)::int AS n FROM synthetic.cases WHERE batch_id = $1 AND status <> 'rejected'`, [batchId]);
    expect(rows[0].n).to.equal(900);
  });

  it('replays a published batch by id: the same records again, recorded as a replay', async () => {
    const r = await replayBatch({ pool: fx.pool, kafka: fx.kafka, codec: fx.codec, topic: fx.config.topics.casesSynthetic }, batchId);
    expect(r).to.include({ kind: 'replay', cases: 900 });
    const records = await fx.readTopic<SyntheticCaseValue>(fx.config.topics.casesSynthetic, 1800);
    expect(records).to.have.length(1800);
    expect(new Set(records.map((x) => x.value.case_id)).size).to.equal(900);
    const b = await getBatch(fx.pool, batchId);
    expect(b.publications.map((x) => x.kind)).to.deep.equal(['publish', 'replay']);
  });

  it('starts a batch through the service and answers with its id before it is done', async () => {
    const started = await startBatch({ config: fx.config, pool: fx.pool, logger: testLogger(), kafka: fx.kafka, codec: fx.codec, judge: null }, { count: 40, backend: 'template', seed: 5, publish: true });
    expect(started.batchId).to.match(/^syn-batch-\d{8}-[0-9a-f]{8}$/);
    const b = await started.done;
    expect(b).to.include({ batch_id: started.batchId, status: 'published', seed: 5 });
    expect(b.counts.accepted).to.equal(40);
    expect((b.achieved as any).label_fidelity).to.equal(null);
  });

  it('replaces near-duplicate drafts with fresh ones and keeps the rejected drafts', async () => {
    // A stand-in generator whose first call per intent writes one text over and over.
    const calls = new Map<string, number>();
    const words = ['parcel', 'invoice', 'password', 'refund', 'voucher', 'courier', 'basket', 'receipt', 'warranty', 'upgrade', 'tariff', 'router'];
    const backend = createTemplateBackend({
      name: 'stand-in',
      version: '0.0.1',
      hash: 'a'.repeat(64),
      generate: ({ count, seed, intents }) => {
        const intent = intents![0];
        const call = (calls.get(intent) ?? 0) + 1;
        calls.set(intent, call);
        return Array.from({ length: count }, (_, i) => ({
          channel: 'email' as const,
          language: 'en',
          body: call === 1 ? `About ${intent}: please help with my account.` : `Round ${call} ${seed} ${i}: ${words.map((w, k) => `${w}${(seed + i * 13 + k * 7) % 97}`).join(' ')}`,
          ground_truth_intent: intent,
          tags: [],
          template_id: `${intent}/0`,
          persona: 'consumer',
          tone: 'neutral',
          length: 'short',
        }));
      },
    });
    const r = await generateBatch({ pool: fx.pool, backend, judge: null }, { count: 18, seed: 3, targets: parseTargets('{"intents":{"not_privacy":1}}'), maxReplacementRounds: 2 });
    if (r.outcome !== 'generated') throw new Error('skipped');
    const b = await getBatch(fx.pool, r.batchId);
    const a = b.achieved as any;
    expect(b.counts.accepted).to.equal(18);
    // 18 cases over 9 equal intents: 2 per intent, so the first round duplicates one per intent.
    expect(b.counts.rejected).to.equal(9);
    expect(a.diversity.exact_duplicates + a.diversity.near_duplicates).to.equal(b.counts.rejected);
    const rejected = await listCases(fx.pool, r.batchId, { status: 'rejected' });
    for (const c of rejected) expect(c.review_reason).to.match(/^PCC_SYNTH_DUPLICATE: (exact|near) duplicate of syn-/);
  });
});
