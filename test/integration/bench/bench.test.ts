import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { runPcc, testConfig, testKafka, waitFor } from '../../helpers';

/**
 * `make bench` on a small load: every phase but the gateway's (which runs at fixed request rates
 * for fixed times), against the real Kafka, registry and Postgres. Checks that it runs from a
 * clean checkout, writes the figures the targets are judged on, and leaves nothing behind.
 * Its speed is not judged here (benchmarks, not tests, hold the targets).
 */
describe('pcc bench (real services, small load)', function () {
  this.timeout(300_000);
  const out = mkdtempSync(path.join(os.tmpdir(), 'pcc-bench-test-'));
  after(() => rmSync(out, { recursive: true, force: true }));

  it('warms up, measures the ceiling, the pipeline and the naive baseline, writes latest.json and latest.md, and removes its topics and database', async () => {
    const r = await runPcc(['bench', '--cases', '2000', '--warmup-cases', '2000', '--latency-seconds', '2', '--naive-cases', '200', '--skip', 'gateway', '--out', out]);
    expect(r.code, r.stderr.slice(-3000)).to.equal(0);
    const j = JSON.parse(readFileSync(path.join(out, 'latest.json'), 'utf8'));
    expect(j.errors).to.deep.equal({});
    expect(j.N).to.equal(2000);
    expect(j.e2e_cases_per_s).to.be.a('number').and.greaterThan(0);
    expect(j.ceiling_cases_per_s).to.equal(Math.min(j.ceiling.kafka.cases_per_s, j.ceiling.postgres.rows_per_s));
    expect(j.ratio_to_ceiling).to.be.closeTo(j.e2e_cases_per_s / j.ceiling_cases_per_s, 0.001);
    expect(j.naive_cases_per_s).to.be.greaterThan(0);
    expect(j.e2e_latency_ms.p50).to.be.greaterThan(0);
    expect(j.e2e_latency_ms.p99).to.be.at.least(j.e2e_latency_ms.p95).and.at.least(j.e2e_latency_ms.p50);
    expect(j.classify_latency_ms.p99).to.equal(null);
    const tp = j.pipeline.throughput;
    expect(tp.rows_stored).to.equal(2000);
    expect(tp.dead_letters).to.equal(0);
    expect(tp.warmup_cases).to.equal(2000);
    expect(tp.warmup_rounds).to.have.length(4);
    for (const w of tp.warmup_rounds) expect(w.cases).to.equal(500);
    for (const stage of ['decode', 'validate', 'redact', 'classify', 'produce', 'store']) expect(j.stage_cpu_us[stage], stage).to.be.greaterThan(0);
    expect(j.peak_rss_mb.processor).to.be.greaterThan(0);
    expect(j.machine.cores).to.be.greaterThan(0);
    expect(j.git_commit).to.match(/^[0-9a-f]{40}$/);
    const targets = Object.fromEntries(j.targets.map((t: { name: string; met: boolean | null }) => [t.name, t.met]));
    expect(targets['POST /v1/classify p99 at 20 requests/s']).to.equal(null);
    const md = readFileSync(path.join(out, 'latest.md'), 'utf8');
    expect(md).to.contain('## Targets').and.contain('warm-up cases went through the same pipeline in 4 rounds');

    // Its own database and topics, named in its log, are gone.
    const dbName = /database (pcc_bench_\w+)/.exec(r.stderr)?.[1];
    const stream = /stream (pcc-bench-[\w-]+),/.exec(r.stderr)?.[1];
    expect(dbName, 'the database named in the log').to.be.a('string');
    expect(stream, 'the stream named in the log').to.be.a('string');
    const config = testConfig();
    const db = new pg.Client({ connectionString: config.db.url });
    await db.connect();
    try {
      expect((await db.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName])).rowCount).to.equal(0);
    } finally {
      await db.end();
    }
    const admin = testKafka(config).admin();
    await admin.connect();
    try {
      // A topic deletion completes in the controller's metadata shortly after the answer.
      await waitFor(async () => (await admin.listTopics()).every((t) => !t.startsWith(`${stream}.`)), { timeoutMs: 30_000, intervalMs: 500, what: `no topic of ${stream} left` });
    } finally {
      await admin.disconnect();
    }
  });
});
