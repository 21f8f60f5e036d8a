/**
 * The drift monitor's I/O shell: consumes predictions and dead letters, folds them into
 * event-time windows (window.ts), and for every closed window writes its metric rows
 * (compute.ts), runs the alert rules (rules.ts), produces alerts to the alert topic, posts them to
 * the webhook and counts them in Prometheus.
 *
 * Restart safety: the window state, the rule state and the next offset of every partition are
 * checkpointed to Postgres in the same transaction as the metric rows and window summaries they
 * led to; Kafka offsets are committed after that and only as a hint. On start the checkpoint is
 * loaded and records below its offsets are skipped, so a restart neither loses nor double-counts
 * an event. Alerts are produced before the checkpoint commits (at least once); their alert_id
 * is derived from fingerprint and window, so a replayed alert is the same alert.
 *
 * One instance per consumer group: windows span every partition of the prediction topic.
 */
import type { Admin, EachBatchPayload, Kafka, Producer } from 'kafkajs';
import client from 'prom-client';
import type pg from 'pg';
import type { Codec } from '../../lib/codec';
import { superviseConsumer, type SupervisedConsumer } from '../../lib/consumer-supervisor';
import type { PccConfig } from '../../lib/config';
import { inTransaction } from '../../lib/db';
import { toPccError } from '../../lib/errors';
import { createProducer } from '../../lib/kafka';
import type { Logger } from '../../lib/logger';
import type { Source } from '../../lib/taxonomy';
import { computeGapMetrics, computeWindowMetrics, referenceFlags, type ComputeOptions, type HistoryWindow, type MetricRow } from './compute';
import { loadFrozenReference, trailingHistory } from './reference';
import { createDriftRepository } from './repository';
import { evaluateRules, webhookMessage, type AlertEvent, type RuleOptions, type RuleState } from './rules';
import { parseThresholds } from './thresholds';
import { createWebhookNotifier, type WebhookNotifier } from './webhook';
import { WindowAggregator, type AggregatorState, type PredictionLike, type WindowSummary } from './window';

export interface DriftMonitorDeps {
  config: Readonly<PccConfig>;
  logger: Logger;
  kafka: Kafka;
  codec: Codec;
  pool: pg.Pool;
  metrics: client.Registry;
  now?: () => number;
  /** Wall-clock time without records after which a caught-up partition no longer holds the watermark (window.ts). */
  partitionIdleMs?: number;
}

export interface DriftMonitor {
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): { ok: boolean; detail: Record<string, unknown> };
}

interface Checkpoint {
  version: 1;
  aggregator: AggregatorState;
  rules: RuleState;
}

const DAY_MS = 86_400_000;
/** Default of DriftMonitorDeps.partitionIdleMs: a few of the consumer's 250 ms fetch waits and a processor batch. */
export const PARTITION_IDLE_MS = 10_000;
const SOURCES: Source[] = ['real', 'synthetic'];

function createDriftMetrics(registry: client.Registry) {
  const get = <T>(name: string, make: () => T): T => (registry.getSingleMetric(name) as T) ?? make();
  return {
    alerts: get('pcc_alerts_total', () => new client.Counter({ name: 'pcc_alerts_total', help: 'Alert events emitted by the rule engine.', labelNames: ['kind', 'severity', 'source', 'status'], registers: [registry] })),
    windows: get('pcc_drift_windows_closed_total', () => new client.Counter({ name: 'pcc_drift_windows_closed_total', help: 'Event-time windows closed and evaluated.', labelNames: ['source'], registers: [registry] })),
    events: get('pcc_drift_events_total', () => new client.Counter({ name: 'pcc_drift_events_total', help: 'Predictions and dead letters read by the drift monitor, by outcome (folded into a window, late and dropped).', labelNames: ['source', 'type', 'outcome'], registers: [registry] })),
    unreadable: get('pcc_drift_unreadable_records_total', () => new client.Counter({ name: 'pcc_drift_unreadable_records_total', help: 'Records the drift monitor could not decode or attribute to a source, by code.', labelNames: ['topic', 'code'], registers: [registry] })),
    value: get('pcc_drift_metric_value', () => new client.Gauge({ name: 'pcc_drift_metric_value', help: 'Value of each drift metric in the last closed window (overall segment).', labelNames: ['source', 'metric'], registers: [registry] })),
    watermark: get('pcc_drift_watermark_seconds', () => new client.Gauge({ name: 'pcc_drift_watermark_seconds', help: 'Event-time watermark per source (Unix seconds).', labelNames: ['source'], registers: [registry] })),
    lag: get('pcc_consumer_lag', () => new client.Gauge({ name: 'pcc_consumer_lag', help: 'Records between the consumed offset and the high watermark, per topic and partition.', labelNames: ['group', 'topic', 'partition'], registers: [registry] })),
    webhook: get('pcc_alert_webhook_total', () => new client.Counter({ name: 'pcc_alert_webhook_total', help: 'Alert webhook posts by outcome (sent, failed after retries, dropped from a full queue).', labelNames: ['outcome'], registers: [registry] })),
    checkpointSeconds: get('pcc_drift_checkpoint_seconds', () => new client.Histogram({ name: 'pcc_drift_checkpoint_seconds', help: 'Time to write a drift checkpoint with its metric rows.', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry] })),
  };
}

export function createDriftMonitor(deps: DriftMonitorDeps): DriftMonitor {
  const { config, kafka, codec, pool } = deps;
  const d = config.drift;
  const t = config.topics;
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ component: 'drift' });
  const m = createDriftMetrics(deps.metrics);
  const repo = createDriftRepository(pool);
  const thresholds = parseThresholds(d.thresholdsJson);
  const referenceMs = d.referenceDays * DAY_MS;
  const ruleOpts: RuleOptions = { pendingWindows: d.pendingWindows, criticalPendingWindows: d.criticalPendingWindows, cooldownWindows: d.cooldownWindows, windowMs: d.windowMs };

  let agg: WindowAggregator | undefined;
  let rules: RuleState = {};
  const history: Record<Source, HistoryWindow[]> = { real: [], synthetic: [] };
  let computeOpts: ComputeOptions;
  let frozen: WindowSummary | null = null;
  let supervised: SupervisedConsumer | undefined;
  let producer: Producer | undefined;
  let admin: Admin | undefined;
  let tick: NodeJS.Timeout | undefined;
  const idleMs = deps.partitionIdleMs ?? d.partitionIdleMs ?? PARTITION_IDLE_MS;
  let webhook: WebhookNotifier | null = null;
  let running = false;
  let lastCheckpointAt = 0;

  const sourceOfTopic = (topic: string): Source | null => (topic === t.casesReal ? 'real' : topic === t.casesSynthetic ? 'synthetic' : null);

  async function checkpoint(rows: MetricRow[], windows: HistoryWindow[]): Promise<void> {
    if (!agg) return;
    const end = m.checkpointSeconds.startTimer();
    const state: Checkpoint = { version: 1, aggregator: agg.state, rules };
    await inTransaction(pool, async (c) => {
      for (const w of windows) await repo.upsertWindow(d.groupId, w, c);
      await repo.upsertMetrics(rows, c);
      await repo.saveCheckpoint(d.groupId, state, c);
    });
    end();
    lastCheckpointAt = now();
  }

  async function refreshHighWatermarks(firstSeen = false): Promise<void> {
    if (!agg || !admin) return;
    for (const topic of [t.predictions, t.dlq]) {
      for (const o of await admin.fetchTopicOffsets(topic)) {
        const tp = `${topic}:${o.partition}`;
        agg.notePartition(tp, { highWatermark: Number(o.high), nextOffset: Math.max(agg.nextOffset(tp) ?? 0, Number(o.low)), activeAt: firstSeen ? now() : undefined });
      }
    }
  }

  async function commitKafkaOffsets(): Promise<void> {
    const consumer = supervised?.current;
    if (!agg || !consumer) return;
    const topics = Object.entries(agg.state.partitions).map(([tp, p]) => {
      const i = tp.lastIndexOf(':');
      return { topic: tp.slice(0, i), partition: Number(tp.slice(i + 1)), offset: String(p.nextOffset) };
    });
    // A hint only (the checkpoint is the truth): a failed commit costs a re-read, not a result.
    await consumer.commitOffsets(topics).catch((err) => log.warn('kafka offset commit failed', { error: (err as Error).message }));
  }

  async function onClosed(closed: WindowSummary[], heartbeat: () => Promise<void>): Promise<void> {
    const rows: MetricRow[] = [];
    const stored: HistoryWindow[] = [];
    const alerts: AlertEvent[] = [];
    const lag = agg!.lag((tp) => tp.startsWith(`${t.predictions}:`));
    for (const w of closed) {
      // A catch-up closes days of windows in one batch, each with a permutation test: yield and
      // heartbeat between them, or the group evicts the member and Postgres connects time out.
      await new Promise((r) => setImmediate(r));
      await heartbeat();
      const own = computeWindowMetrics(
        { window: w, history: trailingHistory(history[w.source], w.windowStart, referenceMs), lateEvents: agg!.takeLate(w.source), consumerLag: lag },
        computeOpts,
      );
      const h: HistoryWindow = { summary: w, ...referenceFlags(own, w, d.minCases) };
      history[w.source].push(h);
      stored.push(h);
      const other = history[w.source === 'real' ? 'synthetic' : 'real'].find((x) => x.summary.windowStart === w.windowStart);
      const gap = other ? computeGapMetrics(w.source === 'synthetic' ? w : other.summary, w.source === 'real' ? w : other.summary, computeOpts) : [];
      const all = [...own, ...gap];
      alerts.push(...evaluateRules(rules, all, ruleOpts, now()));
      rows.push(...all);
    }
    for (const s of SOURCES) {
      const last = history[s][history[s].length - 1];
      if (last) history[s] = history[s].filter((x) => x.summary.windowStart >= last.summary.windowStart - referenceMs);
    }
    if (alerts.length) {
      await producer!.send({
        topic: t.alerts,
        acks: -1,
        messages: await Promise.all(alerts.map(async (a) => ({ key: a.fingerprint, value: await codec.encode(t.alerts, a) }))),
      });
    }
    await checkpoint(rows, stored);
    for (const w of closed) m.windows.inc({ source: w.source });
    for (const r of rows) if (r.segment === '' && r.value !== null) m.value.set({ source: r.source, metric: r.metric }, r.value);
    for (const a of alerts) {
      m.alerts.inc({ kind: a.kind, severity: a.severity, source: a.source, status: a.status });
      webhook?.enqueue(webhookMessage(a));
      log.log(a.status === 'firing' ? 'warn' : 'info', `alert ${a.status}`, { fingerprint: a.fingerprint, severity: a.severity, value: a.value, threshold: a.threshold, window_start: new Date(a.window_start).toISOString() });
    }
    log.debug('windows closed', { windows: closed.length, rows: rows.length, alerts: alerts.length });
  }

  function onBatch(payload: EachBatchPayload): Promise<void> {
    return exclusive(() => readBatch(payload));
  }

  async function readBatch({ batch, isRunning, isStale, heartbeat }: EachBatchPayload): Promise<void> {
    if (!agg || !isRunning() || isStale()) return;
    const tp = `${batch.topic}:${batch.partition}`;
    const isPredictions = batch.topic === t.predictions;
    for (const msg of batch.messages) {
      const offset = Number(msg.offset);
      if (offset < (agg.nextOffset(tp) ?? 0)) continue;
      try {
        if (isPredictions) {
          const p = (await codec.decode<PredictionLike>(msg.value, 'Prediction')).value;
          const outcome = agg.addPrediction(p, tp, offset);
          m.events.inc({ source: p.source, type: 'prediction', outcome });
        } else {
          const dl = (await codec.decode<{ source: Source | null; source_topic: string; failed_at: number }>(msg.value, 'DeadLetter')).value;
          const source = dl.source ?? sourceOfTopic(dl.source_topic);
          const outcome = agg.addDeadLetter(source, Number(dl.failed_at), tp, offset);
          if (source) m.events.inc({ source, type: 'dead_letter', outcome });
          else m.unreadable.inc({ topic: batch.topic, code: 'PCC_DRIFT_UNATTRIBUTED' });
        }
      } catch (err) {
        const e = toPccError(err);
        if (e.retriable) throw e;
        // Not ours to dead-letter: the record is counted and skipped, and its offset still moves on.
        m.unreadable.inc({ topic: batch.topic, code: e.code });
        log.warn('unreadable record skipped', { topic: batch.topic, partition: batch.partition, offset, code: e.code });
      }
    }
    // lastOffset() counts the transaction markers and aborted records at the batch's tail too: the
    // processor's producer is transactional, so the last data record is never the last offset.
    agg.notePartition(tp, { highWatermark: Number(batch.highWatermark), nextOffset: Number(batch.lastOffset()) + 1, activeAt: batch.messages.length ? now() : undefined });
    m.lag.set({ group: d.groupId, topic: batch.topic, partition: String(batch.partition) }, Math.max(0, Number(batch.highWatermark) - (agg.nextOffset(tp) ?? 0)));
    for (const s of SOURCES) {
      const wm = agg.watermark(s, now());
      if (wm !== null) m.watermark.set({ source: s }, wm / 1000);
    }
    await advance(heartbeat);
  }

  /**
   * Closes what the watermark allows and checkpoints. Runs after every batch and on a timer (a
   * partition going idle moves the watermark without any new record), one call at a time. When it
   * fails half-way the in-memory state has moved past what Postgres holds, so it is reloaded from
   * the last checkpoint; the consumer then re-reads from the offsets committed with it.
   */
  async function advance(heartbeat: () => Promise<void>): Promise<void> {
    if (!agg) return;
    try {
      if (agg.hasReady(now())) {
        // The high watermarks of partitions that had nothing new in the last fetch are stale: one
        // the processor wrote to since would count as caught up. Ask the broker.
        await refreshHighWatermarks();
      }
      const closed = agg.closeReady(now());
      if (closed.length) {
        await onClosed(closed, heartbeat);
        await commitKafkaOffsets();
      } else if (now() - lastCheckpointAt >= d.checkpointMs) {
        await checkpoint([], []);
        await commitKafkaOffsets();
      }
    } catch (err) {
      await loadState().catch((e) => log.error('drift state reload failed', { error: (e as Error).message }));
      throw err;
    }
  }

  let serial: Promise<unknown> = Promise.resolve();
  function exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = serial.then(fn);
    serial = run.catch(() => undefined);
    return run;
  }

  async function loadState(): Promise<boolean> {
    const cp = await repo.loadCheckpoint<Checkpoint>(d.groupId);
    agg = new WindowAggregator(
      { windowMs: d.windowMs, latenessMs: d.latenessMs, lowConfidence: d.lowConfidence, sampleSize: d.sampleSize, maxEmptyWindows: Math.ceil(referenceMs / d.windowMs), idleMs },
      cp?.aggregator,
    );
    rules = cp?.rules ?? {};
    for (const s of SOURCES) {
      const next = agg.state.nextClose[s];
      history[s] = next === undefined ? [] : await repo.loadWindows(d.groupId, s, next - referenceMs);
    }
    return cp !== null;
  }

  return {
    async start() {
      let label = `trailing_${d.referenceDays}d`;
      if (d.referenceFile) {
        const f = loadFrozenReference(d.referenceFile, 'real', { lowConfidence: d.lowConfidence, sampleSize: d.sampleSize });
        frozen = f.summary;
        label = f.label;
      }
      computeOpts = { thresholds, minCases: d.minCases, sampleSize: d.sampleSize, permutations: d.permutations, referenceLabel: label, frozen, windowMs: d.windowMs };
      const resumed = await loadState();
      if (d.webhookUrl) {
        webhook = createWebhookNotifier({ url: d.webhookUrl, maxQueue: d.webhookQueue, logger: log, onOutcome: (o) => m.webhook.inc({ outcome: o }) });
      }
      producer = createProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
      await producer.connect();
      await codec.prepare(t.alerts);
      // Partitions with a backlog hold the watermark back until they have been read (window.ts).
      admin = kafka.admin();
      await admin.connect();
      await refreshHighWatermarks(true);
      // Supervised: a broker restart that kafkajs does not recover from (lib/consumer-supervisor.ts)
      // gets a new consumer, which resumes at the committed offsets; records the aggregator has
      // already counted are skipped by offset (readBatch).
      supervised = superviseConsumer({
        name: 'drift',
        logger: log,
        create: () => {
          const c = kafka.consumer({ groupId: d.groupId, sessionTimeout: 30_000, heartbeatInterval: 3_000, maxWaitTimeInMs: 250, maxBytesPerPartition: 2 * 1024 * 1024 });
          // A fetch of nothing but transaction markers or aborted records never reaches eachBatch;
          // without this its partition would look behind for ever and hold every window open.
          c.on(c.events.END_BATCH_PROCESS, (e) => {
            const p = e.payload as { topic: string; partition: number; highWatermark: string; lastOffset: string };
            if (agg && p.lastOffset !== undefined && p.lastOffset !== null) agg.notePartition(`${p.topic}:${p.partition}`, { highWatermark: Number(p.highWatermark), nextOffset: Number(p.lastOffset) + 1 });
          });
          return c;
        },
        run: async (c) => {
          await c.connect();
          await c.subscribe({ topics: [t.predictions, t.dlq], fromBeginning: true });
          await c.run({ autoCommit: false, partitionsConsumedConcurrently: 1, eachBatch: onBatch });
        },
      });
      running = true;
      tick = setInterval(() => {
        exclusive(() => advance(async () => undefined)).catch((err) => log.warn('drift tick failed', { error: (err as Error).message, code: (err as { code?: string }).code }));
      }, Math.max(250, Math.min(idleMs / 2, d.checkpointMs)));
      await supervised.start();
      log.info('drift monitor started', { group: d.groupId, topics: [t.predictions, t.dlq], window_ms: d.windowMs, reference: label, resumed });
    },

    async stop() {
      running = false;
      clearInterval(tick);
      await serial;
      await supervised?.stop().catch((e) => log.warn('consumer disconnect failed', { error: (e as Error).message }));
      supervised = undefined;
      // The final checkpoint keeps what was read since the last one; the next start resumes there.
      await checkpoint([], []).catch((e) => log.warn('final checkpoint failed', { error: (e as Error).message }));
      await webhook?.close();
      await producer?.disconnect().catch((e) => log.warn('producer disconnect failed', { error: (e as Error).message }));
      producer = undefined;
      await admin?.disconnect().catch((e) => log.warn('admin disconnect failed', { error: (e as Error).message }));
      admin = undefined;
    },

    health() {
      const watermarks: Record<string, string | null> = {};
      for (const s of SOURCES) {
        const wm = agg?.watermark(s) ?? null;
        watermarks[s] = wm === null ? null : new Date(wm).toISOString();
      }
      return {
        ok: running && !supervised?.crashed,
        detail: {
          running,
          crashed: supervised?.crashed ?? null,
          watermarks,
          open_windows: agg ? Object.keys(agg.state.open).length : 0,
          last_checkpoint_at: lastCheckpointAt ? new Date(lastCheckpointAt).toISOString() : null,
          webhook_queue: webhook?.queued() ?? 0,
        },
      };
    },
  };
}
