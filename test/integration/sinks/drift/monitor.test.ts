/**
 * The drift monitor against the real Kafka, registry and Postgres (issue #5): prediction records
 * with received_at spread over days of event time are produced to the stream's own predictions
 * topic (encoded by the codec, as the processor would), the monitor reads them, and the test
 * reads back pcc.drift_metrics, the window summaries and the alert topic.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect } from 'chai';
import type { Producer } from 'kafkajs';
import client from 'prom-client';
import { createProducer } from '../../../../lib/kafka';
import { createDriftMonitor, type DriftMonitor } from '../../../../sinks/drift';
import { METRIC_NAMES, metricDef } from '../../../../sinks/drift/thresholds';
import { testLogger, waitFor } from '../../../helpers';
import { StreamHarness } from '../../stream/harness';
import { generateHour, HOUR_MS, hours, T0, type HourPlan, type Shift } from './stream';

interface AlertRecord {
  alert_id: string;
  fingerprint: string;
  kind: string;
  severity: string;
  status: 'firing' | 'resolved';
  metric: string;
  source: string;
  window_start: number;
}

const SEED = 1;

async function produceHours(h: StreamHarness, plan: HourPlan[], opts: { sources?: ('real' | 'synthetic')[]; prefix?: string } = {}): Promise<Record<string, Map<number, number>>> {
  const producer: Producer = createProducer(h.kafka);
  await producer.connect();
  const counts: Record<string, Map<number, number>> = { real: new Map(), synthetic: new Map() };
  try {
    for (const p of plan) {
      for (const source of opts.sources ?? (['real', 'synthetic'] as const)) {
        const g = generateHour(source, p.hour, source === 'real' ? p.shift : 'none', { seed: SEED, prefix: opts.prefix ?? 'c', dlqTopic: h.config.topics.dlq });
        counts[source].set(p.hour, g.predictions.length);
        const preds = await Promise.all(g.predictions.map(async (r) => ({ key: r.case_id, value: await h.codec.encode(h.config.topics.predictions, r) })));
        const dls = await Promise.all(g.deadLetters.map(async (r) => ({ key: null, value: await h.codec.encode(h.config.topics.dlq, r) })));
        await producer.sendBatch({
          acks: -1,
          topicMessages: [{ topic: h.config.topics.predictions, messages: preds }, ...(dls.length ? [{ topic: h.config.topics.dlq, messages: dls }] : [])],
        });
      }
    }
  } finally {
    await producer.disconnect();
  }
  return counts;
}

function startMonitor(h: StreamHarness, metrics = new client.Registry()): Promise<DriftMonitor> {
  const monitor = createDriftMonitor({ config: h.config, logger: testLogger(), kafka: h.kafka, codec: h.codec, pool: h.pool, metrics, partitionIdleMs: 2_000 });
  return monitor.start().then(() => monitor);
}

/**
 * Runs one step of a long hook and says on stderr when it is still running after 30 s, so that a
 * hook that hits mocha's timeout names the step it was stuck in (silent otherwise).
 */
async function step<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  const timer = setInterval(() => process.stderr.write(`drift monitor test: ${name}, still running after ${Math.round((Date.now() - t0) / 1000)} s\n`), 30_000);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}

async function closedWindows(h: StreamHarness, source: string): Promise<number> {
  const { rows } = await h.pool.query('SELECT count(*)::int AS n FROM pcc.drift_window_summaries WHERE group_id = $1 AND source = $2', [h.config.drift.groupId, source]);
  return rows[0].n;
}

async function waitForWindows(h: StreamHarness, expected: Record<string, number>, timeoutMs = 120_000): Promise<void> {
  for (const [source, n] of Object.entries(expected)) {
    await waitFor(async () => (await closedWindows(h, source)) >= n, { timeoutMs, intervalMs: 250, what: `${n} closed ${source} windows` });
  }
}

/** Every alert event on the stream's alert topic, read up to the high watermark. */
async function readAlerts(h: StreamHarness): Promise<AlertRecord[]> {
  const topic = h.config.topics.alerts;
  const admin = h.kafka.admin();
  await admin.connect();
  const ends = await admin.fetchTopicOffsets(topic);
  await admin.disconnect();
  const want = ends.reduce((s, o) => s + Number(o.high) - Number(o.low), 0);
  const out: AlertRecord[] = [];
  if (want === 0) return out;
  const consumer = h.kafka.consumer({ groupId: `${h.config.drift.groupId}-verify`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void out.push((await h.codec.decode<AlertRecord>(message.value, 'Alert')).value) });
  try {
    await waitFor(() => out.length >= want, { timeoutMs: 30_000, what: `${want} alert events` });
  } finally {
    await consumer.disconnect();
  }
  return out.sort((a, b) => a.window_start - b.window_start);
}

const hourOf = (ms: number) => (ms - T0) / HOUR_MS;

describe('drift monitor over real Kafka and Postgres', function () {
  this.timeout(180_000);

  // 48 hours of stable traffic, then each shift of issue #5 for one hour, five normal hours after it.
  const SHIFTS: { shift: Shift; hour: number; expect: string[] }[] = [
    { shift: 'intent_swing', hour: 48, expect: ['drift/intent_js_distance/real'] },
    { shift: 'confidence_collapse', hour: 54, expect: ['drift/confidence_psi/real', 'low_confidence/low_confidence_share/real'] },
    { shift: 'style', hour: 60, expect: ['drift/embedding_cosine_distance/real'] },
    { shift: 'poison', hour: 66, expect: ['error_rate/dead_letter_rate/real'] },
    { shift: 'volume_drop', hour: 72, expect: ['anomaly/volume_zscore/real'] },
  ];
  const LAST_HOUR = 80;
  const plan: HourPlan[] = hours(0, LAST_HOUR).map((p) => ({ hour: p.hour, shift: SHIFTS.find((s) => s.hour === p.hour)?.shift ?? 'none' }));

  describe('a stable stream over 48 hours, then injected shifts', () => {
    const h = new StreamHarness();
    const twin = new StreamHarness();
    let alerts: AlertRecord[] = [];
    // A Slack-style webhook on loopback that refuses its first post with 503 (the monitor retries).
    const posts: { status: number; body: { text?: string } }[] = [];
    const hook = http.createServer((req, res) => {
      let data = '';
      req.on('data', (c) => (data += c));
      req.on('end', () => {
        const status = posts.length === 0 ? 503 : 200;
        posts.push({ status, body: JSON.parse(data) });
        res.writeHead(status, status === 503 ? { 'retry-after': '0' } : {}).end('ok');
      });
    });
    const registry = new client.Registry();

    before(async () => {
      await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
      await step('setting up the streams', async () => {
        await h.setup({ PCC_ALERT_WEBHOOK_URL: `http://127.0.0.1:${(hook.address() as AddressInfo).port}/hook` });
        await twin.setup();
      });
      await step('producing 80 hours of predictions', async () => {
        await produceHours(h, plan);
        // The twin stream holds the same synthetic records and no real traffic at all.
        await produceHours(twin, plan, { sources: ['synthetic'] });
      });
      const [m1, m2] = await step('starting the two monitors', () => Promise.all([startMonitor(h, registry), startMonitor(twin)]));
      try {
        // Hour LAST_HOUR - 1 stays open (nothing after it moves the watermark past its end).
        await step('waiting for the closed windows', async () => {
          await waitForWindows(h, { real: LAST_HOUR - 1, synthetic: LAST_HOUR - 1 });
          await waitForWindows(twin, { synthetic: LAST_HOUR - 1 });
        });
      } finally {
        await Promise.all([m1.stop(), m2.stop()]);
      }
      alerts = await readAlerts(h);
    });

    after(async () => {
      for (const x of [h, twin]) {
        const admin = x.kafka.admin();
        await admin.connect();
        await admin.deleteGroups([x.config.drift.groupId, `${x.config.drift.groupId}-verify`]).catch(() => undefined);
        await admin.disconnect();
      }
      await Promise.all([h.teardown(), twin.teardown()]);
      hook.close();
    });

    it('posts every alert event to the webhook as Slack-compatible JSON, retrying a 503, and counts them in Prometheus', async () => {
      expect(alerts.length).to.be.greaterThan(0);
      await waitFor(() => posts.filter((p) => p.status === 200).length >= alerts.length, { timeoutMs: 30_000, what: 'every alert posted' });
      const delivered = posts.filter((p) => p.status === 200);
      expect(posts[0].status).to.equal(503);
      expect(delivered).to.have.length(alerts.length);
      for (const p of delivered) expect(p.body.text).to.be.a('string').and.not.equal('');
      // The retried first message was delivered: it appears twice in what the hook saw.
      expect(delivered.map((p) => p.body.text)).to.include(posts[0].body.text);
      const counted = (await registry.getSingleMetric('pcc_alerts_total')!.get()).values.reduce((s, v) => s + v.value, 0);
      expect(counted).to.equal(alerts.length);
    });

    it('raises no alert during the 48 stable hours', () => {
      const stable = alerts.filter((a) => hourOf(a.window_start) < 48);
      expect(stable.map((a) => `${a.fingerprint}@${hourOf(a.window_start)}`)).to.deep.equal([]);
    });

    it('writes every metric for every closed window once, with the window bounds and offsets', async () => {
      const { rows } = await h.pool.query(
        `SELECT source, count(DISTINCT window_start)::int AS windows, count(*)::int AS n, count(DISTINCT (window_start, metric, segment))::int AS distinct_rows,
                bool_and(offsets <> '{}'::jsonb OR sample_size = 0) AS with_offsets
           FROM pcc.drift_metrics GROUP BY source ORDER BY source`,
      );
      expect(rows.map((r) => r.source)).to.deep.equal(['real', 'synthetic']);
      for (const r of rows) {
        expect(r.windows, r.source).to.equal(LAST_HOUR - 1);
        expect(r.n, r.source).to.equal(r.distinct_rows);
        expect(r.with_offsets, r.source).to.equal(true);
      }
    });

    for (const s of SHIFTS) {
      it(`raises ${s.expect.join(' and ')} in the window of the ${s.shift.replace('_', ' ')} and resolves it when traffic is normal again`, () => {
        for (const fp of s.expect) {
          const fired = alerts.filter((a) => a.fingerprint === fp && a.status === 'firing');
          expect(fired.map((a) => hourOf(a.window_start)), `${fp} fired in`).to.include(s.hour);
          const episode = fired.find((a) => hourOf(a.window_start) === s.hour)!;
          const resolved = alerts.find((a) => a.alert_id === episode.alert_id && a.status === 'resolved');
          expect(resolved, `${fp} resolved`).to.not.equal(undefined);
          // Back to normal the next hour; resolved before the next shift begins.
          expect(hourOf(resolved!.window_start)).to.be.within(s.hour + 1, s.hour + 5);
        }
      });
    }

    it('leaves no alert firing at the end of the run', () => {
      const open = new Map<string, AlertRecord>();
      for (const a of alerts) {
        if (a.status === 'firing') open.set(a.alert_id, a);
        else open.delete(a.alert_id);
      }
      expect([...open.values()].map((a) => `${a.fingerprint}@${hourOf(a.window_start)}`)).to.deep.equal([]);
    });

    it('never writes a synthetic-only metric for source real', async () => {
      const syntheticOnly = METRIC_NAMES.filter((m) => metricDef(m).syntheticOnly);
      expect(syntheticOnly).to.include('synthetic_accuracy');
      const { rows } = await h.pool.query('SELECT DISTINCT metric FROM pcc.drift_metrics WHERE source = $1 AND metric = ANY($2)', ['real', syntheticOnly]);
      expect(rows).to.deep.equal([]);
      const { rows: present } = await h.pool.query('SELECT DISTINCT metric FROM pcc.drift_metrics WHERE source = $1 AND metric = ANY($2) ORDER BY metric', ['synthetic', syntheticOnly]);
      expect(present.map((r) => r.metric)).to.deep.equal([...syntheticOnly].sort());
    });

    it('gives every synthetic metric the same value with and without the real traffic and its shifts', async () => {
      // The synthetic-to-real gap (reference real_same_window) compares the two by definition, and
      // consumer lag is the prediction topic's (both sources share it) at the moment a window closed.
      const q = `SELECT window_start, metric, segment, value, status FROM pcc.drift_metrics
                  WHERE source = 'synthetic' AND reference <> 'real_same_window' AND metric <> 'consumer_lag' ORDER BY window_start, metric, segment`;
      const [withReal, alone] = await Promise.all([h.pool.query(q), twin.pool.query(q)]);
      expect(withReal.rows.length).to.be.greaterThan((LAST_HOUR - 1) * 10);
      expect(withReal.rows).to.deep.equal(alone.rows);
      expect(alerts.filter((a) => a.source === 'synthetic').map((a) => a.fingerprint)).to.deep.equal([]);
    });
  });
});
