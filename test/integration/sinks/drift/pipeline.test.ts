/**
 * The check of issue #5 through the whole pipeline: cases with received_at spread over two days
 * of event time are published while `pcc run` (processor, Postgres sink, drift monitor) is up; the
 * last hours swing to one intent. pcc.alerts then holds a firing drift alert for source real and
 * the shifted window, and none for the stable part.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { CaseValue } from '../../../../producers/real/jsonl';
import { seededRandom } from '../../../../sinks/drift/stats';
import { waitFor } from '../../../helpers';
import { StreamHarness } from '../../stream/harness';

const HOUR_MS = 3_600_000;
const PER_HOUR = 40;
const STABLE_HOURS = 46;
const SHIFT_HOURS = [46, 47];
const LAST_HOUR = 50;

interface DevCase {
  id: string;
  channel: string;
  text: string;
  label: string;
}

function devset(): DevCase[] {
  const file = path.resolve(__dirname, '../../../../data/devset/devset.jsonl');
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as DevCase);
}

describe('drift alerts through the whole pipeline (pcc run)', function () {
  this.timeout(240_000);
  const h = new StreamHarness();

  before(async () => {
    await h.setup();
  });
  after(async () => {
    await h.teardown();
  });

  it('raises a drift alert for the window where real traffic swung to one intent, and none before', async () => {
    const all = devset();
    const deletion = all.filter((c) => c.label === 'deletion_request');
    const rnd = seededRandom(11);
    const base = Math.floor((Date.now() - (LAST_HOUR + 1) * HOUR_MS) / HOUR_MS) * HOUR_MS;
    const cases: CaseValue[] = [];
    for (let hour = 0; hour <= LAST_HOUR; hour++) {
      const pool = SHIFT_HOURS.includes(hour) ? deletion : all;
      for (let i = 0; i < PER_HOUR; i++) {
        const c = pool[Math.floor(rnd() * pool.length)];
        cases.push({
          case_id: `p-${hour}-${i}`,
          received_at: base + hour * HOUR_MS + Math.floor(((i + 0.5) * HOUR_MS) / PER_HOUR),
          channel: c.channel,
          language: 'en',
          subject: null,
          body: c.text,
          customer_ref: null,
          jurisdiction: null,
          metadata: {},
        });
      }
    }
    const run = h.start('run');
    await waitFor(
      () => {
        if (run.proc.exitCode !== null) throw new Error(`pcc run exited with ${run.proc.exitCode}: ${run.output.slice(-5).join(' | ')}`);
        return run.output.some((l) => l.includes('drift monitor started'));
      },
      { timeoutMs: 90_000, what: 'pcc run to start its drift monitor' },
    );
    await h.publishReal(cases, 500);
    await h.waitForPredictions(cases.length);
    const hourOf = (t: Date) => (t.getTime() - base) / HOUR_MS;
    // Windows 0..49 close (the last hour stays open): wait for the monitor to get there.
    await waitFor(
      async () => {
        const { rows } = await h.pool.query("SELECT count(*)::int AS n FROM pcc.drift_window_summaries WHERE source = 'real'");
        return rows[0].n >= LAST_HOUR;
      },
      { timeoutMs: 90_000, intervalMs: 500, what: `${LAST_HOUR} closed real windows` },
    );
    if (process.env.PCC_TEST_VERBOSE) {
      const { rows } = await h.pool.query(
        "SELECT window_start, metric, value, status, sample_size, details FROM pcc.drift_metrics WHERE source = 'real' AND segment = '' AND metric IN ('intent_js_distance', 'late_events', 'volume_zscore') ORDER BY window_start, metric",
      );
      for (const r of rows) console.log(hourOf(r.window_start), r.metric, r.value, r.status, r.sample_size, JSON.stringify(r.details).slice(0, 160));
      console.log(JSON.stringify((await h.pool.query('SELECT * FROM pcc.alerts')).rows));
    }
    const alertRows = async () => (await h.pool.query('SELECT fingerprint, kind, status, severity, source, window_start, resolved_at FROM pcc.alerts ORDER BY window_start')).rows;
    await waitFor(async () => (await alertRows()).some((a) => a.fingerprint === 'drift/intent_js_distance/real'), { timeoutMs: 30_000, what: 'the intent drift alert in pcc.alerts' });
    const alerts = await alertRows();
    const fired = alerts.filter((a) => a.fingerprint === 'drift/intent_js_distance/real');
    expect(fired.map((a) => hourOf(a.window_start))).to.deep.equal([46]);
    expect(fired[0].kind).to.equal('drift');
    expect(alerts.filter((a) => hourOf(a.window_start) < STABLE_HOURS).map((a) => `${a.fingerprint}@${hourOf(a.window_start)}`)).to.deep.equal([]);

    // Every case landed in its window: none was late because another partition ran ahead.
    const { rows: counted } = await h.pool.query(
      "SELECT sum(sample_size)::int AS n FROM pcc.drift_window_summaries WHERE source = 'real' AND window_start < $1",
      [new Date(base + LAST_HOUR * HOUR_MS)],
    );
    expect(counted[0].n).to.equal(LAST_HOUR * PER_HOUR);
    const { rows: late } = await h.pool.query("SELECT coalesce(sum(value), 0)::int AS n FROM pcc.drift_metrics WHERE source = 'real' AND metric = 'late_events'");
    expect(late[0].n).to.equal(0);
    // Real traffic only: no synthetic window was written.
    const { rows: synthetic } = await h.pool.query("SELECT count(*)::int AS n FROM pcc.drift_metrics WHERE source = 'synthetic'");
    expect(synthetic[0].n).to.equal(0);
    expect(await run.kill('SIGTERM'), 'pcc run exit code').to.equal(0);
    const admin = h.kafka.admin();
    await admin.connect();
    await admin.deleteGroups([h.config.drift.groupId]).catch(() => undefined);
    await admin.disconnect();
  });
});
