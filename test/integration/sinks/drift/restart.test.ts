/**
 * `pcc drift` killed with SIGKILL mid-stream and started again (issue #5): every window is
 * written once with exactly the events of its hour (none lost, none counted twice), and a second
 * monitor recomputing the same windows replaces their metric rows rather than adding to them.
 */
import { expect } from 'chai';
import type { Producer } from 'kafkajs';
import { createProducer } from '../../../../lib/kafka';
import { uniqueName, waitFor } from '../../../helpers';
import { StreamHarness, type Child } from '../../stream/harness';
import { generateHour, HOUR_MS, hours, T0, type HourPlan } from './stream';

const SOURCES = ['real', 'synthetic'] as const;

async function produce(h: StreamHarness, plan: HourPlan[], counts: Record<string, Map<number, number>>): Promise<void> {
  const producer: Producer = createProducer(h.kafka);
  await producer.connect();
  try {
    for (const p of plan) {
      for (const source of SOURCES) {
        const g = generateHour(source, p.hour, 'none', { seed: 7, prefix: 'r', dlqTopic: h.config.topics.dlq });
        counts[source].set(p.hour, g.predictions.length);
        const messages = await Promise.all(g.predictions.map(async (r) => ({ key: r.case_id, value: await h.codec.encode(h.config.topics.predictions, r) })));
        await producer.send({ topic: h.config.topics.predictions, acks: -1, messages });
      }
    }
  } finally {
    await producer.disconnect();
  }
}

async function windows(h: StreamHarness, group: string, source: string): Promise<{ hour: number; count: number }[]> {
  const { rows } = await h.pool.query(
    'SELECT extract(epoch FROM window_start)::bigint * 1000 AS start, sample_size FROM pcc.drift_window_summaries WHERE group_id = $1 AND source = $2 ORDER BY window_start',
    [group, source],
  );
  return rows.map((r) => ({ hour: (Number(r.start) - T0) / HOUR_MS, count: r.sample_size }));
}

async function waitUntilStarted(child: Child): Promise<void> {
  await waitFor(
    () => {
      if (child.proc.exitCode !== null) throw new Error(`pcc drift exited with ${child.proc.exitCode}: ${child.output.slice(-5).join(' | ')}`);
      return child.output.some((l) => l.includes('drift monitor started'));
    },
    { timeoutMs: 60_000, what: 'pcc drift to start' },
  );
}

describe('pcc drift restarted mid-stream', function () {
  this.timeout(180_000);
  const h = new StreamHarness();

  before(async () => {
    await h.setup();
  });
  after(async () => {
    await h.teardown();
  });

  it('neither loses nor double-counts a window, and a recomputation replaces the rows', async () => {
    const group = h.config.drift.groupId;
    const counts: Record<string, Map<number, number>> = { real: new Map(), synthetic: new Map() };
    const first = h.start('drift');
    await waitUntilStarted(first);
    await produce(h, hours(0, 24), counts);
    // Kill it while it is between windows: some closed and checkpointed, later ones still open.
    await waitFor(async () => (await windows(h, group, 'real')).length >= 8, { timeoutMs: 60_000, intervalMs: 100, what: '8 closed real windows' });
    await first.kill('SIGKILL');
    const atKill = (await windows(h, group, 'real')).length;

    await produce(h, hours(24, 40), counts);
    const second = h.start('drift');
    await waitUntilStarted(second);
    expect(second.output.some((l) => l.includes('drift monitor started') && /resumed[=":\s]+true/.test(l)), 'resumed from the checkpoint').to.equal(true);
    for (const source of SOURCES) {
      await waitFor(async () => (await windows(h, group, source)).length >= 39, { timeoutMs: 90_000, intervalMs: 250, what: `39 closed ${source} windows` });
    }
    await second.kill('SIGTERM');

    for (const source of SOURCES) {
      const got = await windows(h, group, source);
      // Hours 0..38 closed (hour 39 is still open: nothing later moved the watermark past it).
      expect(got.map((w) => w.hour), source).to.deep.equal(hours(0, 39).map((p) => p.hour));
      expect(got.map((w) => w.count), `${source} cases per window`).to.deep.equal(hours(0, 39).map((p) => counts[source].get(p.hour)));
    }
    const perWindow = await h.pool.query(
      `SELECT source, window_start, count(*)::int AS n FROM pcc.drift_metrics GROUP BY source, window_start ORDER BY source, window_start`,
    );
    expect(perWindow.rows).to.have.length(2 * 39);
    const rowsBefore = await h.pool.query('SELECT count(*)::int AS n, max(computed_at) AS at FROM pcc.drift_metrics');
    expect(atKill, 'windows closed before the kill').to.be.within(8, 38);
    if (process.env.PCC_TEST_VERBOSE) console.log(`killed with ${atKill} of 39 real windows closed`);

    // A monitor with a fresh group recomputes every window from Kafka into the same table.
    const group2 = uniqueName('drift-recompute');
    const third = h.start('drift', [], { PCC_DRIFT_GROUP: group2 });
    await waitUntilStarted(third);
    for (const source of SOURCES) {
      await waitFor(async () => (await windows(h, group2, source)).length >= 39, { timeoutMs: 90_000, intervalMs: 250, what: `39 recomputed ${source} windows` });
    }
    await third.kill('SIGTERM');
    const rowsAfter = await h.pool.query('SELECT count(*)::int AS n, min(computed_at) AS at FROM pcc.drift_metrics');
    expect(rowsAfter.rows[0].n).to.equal(rowsBefore.rows[0].n);
    expect(new Date(rowsAfter.rows[0].at).getTime()).to.be.greaterThan(new Date(rowsBefore.rows[0].at).getTime());
    const admin = h.kafka.admin();
    await admin.connect();
    await admin.deleteGroups([group, group2]).catch(() => undefined);
    await admin.disconnect();
  });
});
