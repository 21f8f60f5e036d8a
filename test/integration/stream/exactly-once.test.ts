import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { waitFor } from '../../helpers';
import { makeCases, StreamHarness } from './harness';

const N = Number(process.env.PCC_TEST_EXACTLY_ONCE_CASES ?? 20_000);
const ROOT = path.resolve(__dirname, '../../..');

/** Kafka started by this checkout's `make up` can be restarted by the test; one used from elsewhere cannot. */
function ownKafka(): boolean {
  const pidFile = path.join(process.env.PCC_RUN_DIR ?? path.join(ROOT, '.run'), 'kafka.pid');
  return existsSync(pidFile) && Number(readFileSync(pidFile, 'utf8')) > 0;
}

/** Stops or starts the machine's Postgres cluster; null when this machine does not allow it. */
function pgCluster(): ((action: 'stop' | 'start') => void) | null {
  if (process.getuid?.() !== 0 || !existsSync('/usr/bin/pg_ctlcluster') || !existsSync('/etc/postgresql')) return null;
  const versions = execFileSync('ls', ['/etc/postgresql']).toString().trim().split('\n').sort();
  const version = versions[versions.length - 1];
  return (action) =>
    execFileSync('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', action, ...(action === 'stop' ? ['-m', 'fast'] : [])], { stdio: 'ignore' });
}

describe('exactly once from case topic to Postgres (real services, processes killed)', function () {
  this.timeout(600_000);
  let h: StreamHarness;

  beforeEach(async () => {
    h = await new StreamHarness().setup();
  });

  afterEach(async () => {
    await h.teardown();
  });

  async function expectExactly(ids: Set<string>): Promise<void> {
    await h.waitForPredictions(ids.size);
    const { rows } = await h.pool.query<{ case_id: string }>('SELECT case_id FROM pcc.predictions');
    expect(rows.length, 'prediction rows').to.equal(ids.size);
    expect(new Set(rows.map((r) => r.case_id)).size, 'distinct case ids').to.equal(ids.size);
    expect(rows.every((r) => ids.has(r.case_id)), 'only the produced cases').to.equal(true);
  }

  it('ends with one row per case when the processor is killed with SIGKILL mid-stream and restarted', async () => {
    const cases = makeCases(N);
    await h.publishReal(cases);
    const sink = h.start('sink');
    const first = h.start('processor');
    await waitFor(async () => (await h.predictionRows()).total >= N / 10, { timeoutMs: 180_000, intervalMs: 200, what: 'the first tenth of the predictions' });
    await first.kill('SIGKILL');
    h.start('processor');
    await expectExactly(new Set(cases.map((c) => c.case_id)));
    // The processor's transactions, not only the sink's ledger, hold the line: no duplicate on the topic.
    const topic = await h.predictionTopicCounts(N);
    expect(topic.records).to.equal(N);
    expect(topic.distinctKeys).to.equal(N);
    await sink.kill();
  });

  it('predicts every case once and in source order per partition when slices of 37 cases are pipelined and the processor is killed', async () => {
    // Small slices, so that every fetched batch is many pipelined transactions (the next slice is
    // classified while the previous one commits).
    const small = { PCC_PROCESSOR_MAX_BATCH: '37' };
    const n = 6_000;
    const cases = makeCases(n);
    await h.publishReal(cases);
    const sink = h.start('sink');
    const first = h.start('processor', [], small);
    await waitFor(async () => (await h.predictionRows()).total >= n / 4, { timeoutMs: 180_000, intervalMs: 100, what: 'a quarter of the predictions' });
    await first.kill('SIGKILL');
    h.start('processor', [], small);
    await expectExactly(new Set(cases.map((c) => c.case_id)));
    const byPartition = await h.predictionSources(n);
    const all = [...byPartition.values()].flat();
    expect(all.length, 'committed predictions on the topic').to.equal(n);
    expect(new Set(all.map((p) => p.caseId)).size, 'distinct cases on the topic').to.equal(n);
    // Within each predictions partition, the cases of one source partition keep their order.
    for (const [partition, list] of byPartition) {
      const last = new Map<number, number>();
      for (const p of list) {
        const before = last.get(p.sourcePartition) ?? -1;
        if (p.sourceOffset <= before) expect.fail(`predictions partition ${partition}: source ${p.sourcePartition} offset ${p.sourceOffset} after ${before}`);
        last.set(p.sourcePartition, p.sourceOffset);
      }
    }
    await sink.kill();
  });

  it('ends with one row per case when the sink is killed with SIGKILL mid-stream and restarted', async () => {
    const cases = makeCases(N);
    await h.publishReal(cases);
    h.start('processor');
    const sink = h.start('sink');
    await waitFor(async () => (await h.predictionRows()).total >= N / 10, { timeoutMs: 180_000, intervalMs: 200, what: 'the first tenth of the rows' });
    await sink.kill('SIGKILL');
    h.start('sink');
    await expectExactly(new Set(cases.map((c) => c.case_id)));
  });

  it('ends with one row per case when the broker restarts mid-stream', async function () {
    if (!ownKafka()) this.skip();
    const cases = makeCases(N);
    await h.publishReal(cases);
    h.start('run', ['--no-drift']);
    await waitFor(async () => (await h.predictionRows()).total >= N / 10, { timeoutMs: 180_000, intervalMs: 200, what: 'the first tenth of the rows' });
    execFileSync('bash', [path.join(ROOT, 'infra/down.sh'), 'kafka'], { stdio: 'ignore' });
    execFileSync('bash', [path.join(ROOT, 'infra/up.sh')], { stdio: 'ignore' });
    await expectExactly(new Set(cases.map((c) => c.case_id)));
  });

  it('ends with one row per case when Postgres is stopped for 30 seconds', async function () {
    const cluster = pgCluster();
    if (!cluster) this.skip();
    const cases = makeCases(N);
    await h.publishReal(cases);
    h.start('run', ['--no-drift']);
    await waitFor(async () => (await h.predictionRows()).total >= N / 10, { timeoutMs: 180_000, intervalMs: 200, what: 'the first tenth of the rows' });
    cluster!('stop');
    const stoppedAt = Date.now();
    try {
      // The outage must last 30 s: wait on the clock, with the sink retrying all along.
      await waitFor(() => Date.now() - stoppedAt >= 30_000, { timeoutMs: 40_000, intervalMs: 1_000, what: '30 s of outage' });
    } finally {
      cluster!('start');
    }
    await expectExactly(new Set(cases.map((c) => c.case_id)));
  });
});
