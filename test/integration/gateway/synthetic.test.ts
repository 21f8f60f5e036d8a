/**
 * The synthetic pipeline end to end through the gateway's admin routes: a 900-case template
 * batch is started with POST /v1/synthetic/batches, published, classified by the real pipeline
 * (`pcc run` as a child process) and stored; every prediction is synthetic with its batch id and
 * known intent, and nothing reaches a real topic or a real row.
 */
import { expect } from 'chai';
import { parseKeys } from '../../../gateway/auth';
import { startGateway, type GatewayServer } from '../../../gateway/server';
import { createMetricsRegistry } from '../../../lib/metrics';
import { INTENTS } from '../../../lib/taxonomy';
import { testLogger, waitFor } from '../../helpers';
import { StreamHarness } from '../stream/harness';

const ADMIN = 'synthetic-admin-key-0001';
const READ = 'synthetic-read-key-00001';

describe('synthetic batch through the gateway and the pipeline (real services)', function () {
  this.timeout(420_000);
  let h: StreamHarness;
  let gw: GatewayServer;

  const get = async (path: string, key = ADMIN) => {
    const res = await fetch(`${gw.url}${path}`, { headers: { 'x-api-key': key } });
    return { status: res.status, body: (await res.json()) as any };
  };

  before(async () => {
    h = await new StreamHarness().setup();
    h.start('run', ['--no-drift']);
    gw = await startGateway({ config: h.config, logger: testLogger(), kafka: h.kafka, codec: h.codec, pool: h.pool, metrics: createMetricsRegistry(), keys: parseKeys([`${ADMIN}:admin`, `${READ}:read`]), port: 0 });
  });

  after(async () => {
    await gw?.stop();
    await h?.teardown();
  });

  it('generates 900 cases, publishes them, and stores 900 synthetic predictions with batch id and known intent, none real', async () => {
    const res = await fetch(`${gw.url}/v1/synthetic/batches`, { method: 'POST', headers: { 'x-api-key': ADMIN, 'content-type': 'application/json' }, body: JSON.stringify({ count: 900, seed: 11, backend: 'template' }) });
    expect(res.status).to.equal(202);
    const started = (await res.json()) as { batch_id: string; href: string };
    expect(started.href).to.equal(`/v1/synthetic/batches/${started.batch_id}`);

    const batch = await waitFor(async () => {
      const b = await get(started.href);
      if (b.body.status === 'failed') throw new Error(`batch failed: ${b.body.error}`);
      return b.body.status === 'published' ? b.body : null;
    }, { timeoutMs: 240_000, intervalMs: 1000, what: 'the batch published' });
    expect(batch.seed).to.equal(11);
    expect(batch.backend).to.equal('template');
    expect(batch.publications).to.have.length(1);
    expect(batch.publications[0].cases).to.equal(900);
    expect(batch.achieved).to.be.an('object').that.is.not.empty;
    const list = await get('/v1/synthetic/batches');
    expect(list.body.batches.map((b: { batch_id: string }) => b.batch_id)).to.include(started.batch_id);
    // Admin routes: a read key may not start or list batches.
    expect((await get('/v1/synthetic/batches', READ)).status).to.equal(403);

    const { rows: stored } = await h.pool.query(`SELECT count(*)::int AS n FROM synthetic.cases WHERE batch_id = $1 AND status <> 'rejected'`, [started.batch_id]);
    expect(stored[0].n).to.equal(900);

    await waitFor(async () => (await h.pool.query(`SELECT count(*)::int AS n FROM pcc.predictions`)).rows[0].n >= 900, { timeoutMs: 240_000, intervalMs: 1000, what: '900 predictions stored' });
    const { rows } = await h.pool.query(
      `SELECT p.source, p.batch_id, p.ground_truth_intent, c.intended_intent, p.intent
       FROM pcc.predictions p LEFT JOIN synthetic.cases c ON c.case_id = p.case_id`,
    );
    expect(rows).to.have.length(900);
    expect(rows.every((r) => r.source === 'synthetic')).to.equal(true);
    expect(rows.every((r) => r.batch_id === started.batch_id)).to.equal(true);
    expect(rows.every((r) => r.ground_truth_intent === r.intended_intent)).to.equal(true);
    expect(new Set(rows.map((r) => r.ground_truth_intent))).to.have.property('size', INTENTS.length);
    const accuracy = rows.filter((r) => r.intent === r.ground_truth_intent).length / rows.length;
    expect(accuracy, 'the released model on its own template text').to.be.greaterThan(0.8);

    // Nothing real: no real row, no real dead letter, and no record on the real case topic.
    const { rows: real } = await h.pool.query(`SELECT (SELECT count(*) FROM pcc.predictions WHERE source = 'real')::int AS p, (SELECT count(*) FROM pcc.dead_letters WHERE source = 'real')::int AS d`);
    expect(real[0]).to.deep.equal({ p: 0, d: 0 });
    const admin = h.kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(h.config.topics.casesReal);
    await admin.disconnect();
    expect(offsets.reduce((s, o) => s + Number(o.high), 0)).to.equal(0);

    // The monitoring summary shows the batch as synthetic, and real as empty.
    const summary = await get('/v1/monitoring/summary?days=1', READ);
    expect(summary.body.sources.synthetic.totals.predictions).to.equal(900);
    expect(summary.body.sources.real.totals.predictions).to.equal(0);
    expect(summary.body.sources.synthetic.totals.accuracy).to.be.closeTo(accuracy, 1e-9);
    expect(summary.body.sources.real.totals.accuracy).to.equal(null);
  });
});
