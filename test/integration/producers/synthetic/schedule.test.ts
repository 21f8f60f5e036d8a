import { expect } from 'chai';
import { generateBatch } from '../../../../producers/synthetic/generate';
import { runScheduledOnce } from '../../../../producers/synthetic/scheduler';
import { parseTargets } from '../../../../producers/synthetic/targets';
import { createTemplateBackend } from '../../../../producers/synthetic/template-backend';
import { SynthFixture } from './fixture';

describe('synthetic daily schedule (real Postgres, Kafka, registry)', function () {
  this.timeout(120_000);
  const fx = new SynthFixture();
  let deps: Parameters<typeof runScheduledOnce>[0];
  const o = { dailyAt: '02:00', count: 30, targets: parseTargets('') };

  before(async () => {
    await fx.setup();
    deps = { pool: fx.pool, backend: createTemplateBackend(), judge: null, publish: { pool: fx.pool, kafka: fx.kafka, codec: fx.codec, topic: fx.config.topics.casesSynthetic } };
  });

  after(() => fx.teardown());

  it('makes one batch when run twice in one day, and publishes it once', async () => {
    const first = await runScheduledOnce(deps, o, Date.parse('2031-03-04T02:00:05Z'));
    expect(first).to.include({ outcome: 'generated', day: '2031-03-04', published: 30 });
    const second = await runScheduledOnce(deps, o, Date.parse('2031-03-04T18:30:00Z'));
    expect(second).to.deep.include({ outcome: 'skipped', day: '2031-03-04', reason: 'already_done' });
    const { rows } = await fx.pool.query(`SELECT batch_id, status FROM synthetic.batches WHERE schedule_day = '2031-03-04'`);
    expect(rows).to.deep.equal([{ batch_id: (first as { batchId: string }).batchId, status: 'published' }]);
    expect(await fx.topicSize(fx.config.topics.casesSynthetic)).to.equal(30);
  });

  it('makes one batch when two schedulers (or a restart) race for the same day', async () => {
    const now = Date.parse('2031-03-05T09:00:00Z');
    const outcomes = await Promise.all([runScheduledOnce(deps, o, now), runScheduledOnce(deps, o, now), runScheduledOnce(deps, o, now)]);
    expect(outcomes.filter((x) => x.outcome === 'generated')).to.have.length(1);
    const { rows } = await fx.pool.query(`SELECT count(*)::int AS n FROM synthetic.batches WHERE schedule_day = '2031-03-05'`);
    expect(rows[0].n).to.equal(1);
  });

  it('does nothing before the daily time', async () => {
    const r = await runScheduledOnce(deps, o, Date.parse('2031-03-06T01:59:00Z'));
    expect(r).to.deep.include({ outcome: 'skipped', reason: 'not_due' });
    const { rows } = await fx.pool.query(`SELECT count(*)::int AS n FROM synthetic.batches WHERE schedule_day = '2031-03-06'`);
    expect(rows[0].n).to.equal(0);
  });

  it('publishes a day\'s batch that was generated but not published before a crash', async () => {
    const r = await generateBatch(deps, { count: 5, seed: 1, targets: o.targets, scheduleDay: '2031-03-07' });
    expect(r.outcome).to.equal('generated');
    const again = await runScheduledOnce(deps, o, Date.parse('2031-03-07T03:00:00Z'));
    expect(again).to.include({ outcome: 'published', published: 5 });
  });
});
