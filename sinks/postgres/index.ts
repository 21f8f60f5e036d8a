/**
 * The Postgres sink: consumes predictions, dead letters and alerts (read_committed, so aborted
 * processor transactions are never seen), writes each fetched batch in one database
 * transaction, and commits the Kafka offsets only after the database commit. Writes are
 * idempotent, so a crash between the two replays the batch harmlessly.
 *
 * A lost database is retried with bounded, jittered backoff for as long as it takes, with
 * heartbeats so the group keeps the partitions; the sink then catches up from Kafka.
 */
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type pg from 'pg';
import client from 'prom-client';
import type { Codec, SchemaName } from '../../lib/codec';
import { superviseConsumer, type SupervisedConsumer } from '../../lib/consumer-supervisor';
import type { PccConfig } from '../../lib/config';
import { inTransaction, isDbUnavailable } from '../../lib/db';
import { PccError, toPccError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { withRetry } from '../../lib/retry';
import type { DeadLetterValue } from '../../processors/pipeline';
import { CopyBinaryWriter } from './copy-binary';
import { COPY_ROW_BYTES, daysOf, ensurePartitions, insertDeadLetters, insertPredictionRows, PredictionRowsBuilder, upsertAlerts, type AlertValue, type PredictionRows, type StoredPrediction } from './repository';
import { predictionTranscoder, type PredictionTranscoder } from './transcode';

export interface PostgresSinkDeps {
  config: Readonly<PccConfig>;
  logger: Logger;
  kafka: Kafka;
  codec: Codec;
  pool: pg.Pool;
  metrics: client.Registry;
  now?: () => number;
}

export interface PostgresSink {
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): { ok: boolean; detail: Record<string, unknown> };
}

const DAY_MS = 86_400_000;
/** A COPY buffer above this is not kept for the next batch. */
const MAX_KEPT_COPY_BYTES = 32 * 1024 * 1024;

function sinkMetrics(registry: client.Registry) {
  const get = <T>(name: string, make: () => T): T => (registry.getSingleMetric(name) as T) ?? make();
  return {
    rows: get('pcc_sink_rows_written_total', () => new client.Counter({ name: 'pcc_sink_rows_written_total', help: 'Rows written by the Postgres sink (replays that changed nothing are not counted).', labelNames: ['table', 'source'], registers: [registry] })),
    received: get('pcc_sink_records_total', () => new client.Counter({ name: 'pcc_sink_records_total', help: 'Records consumed by the Postgres sink.', labelNames: ['topic'], registers: [registry] })),
    batchSeconds: get('pcc_sink_batch_seconds', () => new client.Histogram({ name: 'pcc_sink_batch_seconds', help: 'Wall time of a sink batch, decode to offset commit.', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry] })),
    dbRetries: get('pcc_sink_db_retries_total', () => new client.Counter({ name: 'pcc_sink_db_retries_total', help: 'Database writes retried after a lost connection.', registers: [registry] })),
    lag: get('pcc_consumer_lag', () => new client.Gauge({ name: 'pcc_consumer_lag', help: 'Records between the consumed offset and the high watermark, per topic and partition.', labelNames: ['group', 'topic', 'partition'], registers: [registry] })),
  };
}

export function createPostgresSink(deps: PostgresSinkDeps): PostgresSink {
  const { config, kafka, codec, pool } = deps;
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ component: 'sink-postgres' });
  const m = sinkMetrics(deps.metrics);
  const t = config.topics;
  const schemaOf: Record<string, SchemaName> = { [t.predictions]: 'Prediction', [t.dlq]: 'DeadLetter', [t.alerts]: 'Alert' };
  const knownDays = new Set<string>();
  const abort = new AbortController();
  let supervised: SupervisedConsumer | undefined;
  let running = false;
  let dbDown = false;
  let lastBatchAt = 0;

  /** Per writer schema id: the Avro-to-COPY transcoder, or null where records are decoded (another layout, PCC_SINK_FAST_COPY=false). */
  const transcoders = new Map<number, PredictionTranscoder | null>();
  async function transcoderFor(schemaId: number): Promise<PredictionTranscoder | null> {
    let t: PredictionTranscoder | null;
    try {
      t = config.sink.fastCopy ? predictionTranscoder(await codec.writerSchema(schemaId)) : null;
    } catch {
      // An unknown id or an unreachable registry: the decoder below meets the same error and
      // deals with it (dead letter, or retry); nothing is cached.
      return null;
    }
    transcoders.set(schemaId, t);
    return t;
  }
  /**
   * The COPY buffer the next batch of predictions is written into, reused batch after batch (a
   * fresh multi-megabyte buffer per batch cost its page faults every time). A batch takes it and
   * gives it back only after its database commit, so a buffer a failed COPY may have left queued
   * on a socket is never written into again.
   */
  let spareWriter: CopyBinaryWriter | null = null;

  function deadLetterOf(batch: EachBatchPayload['batch'], msg: EachBatchPayload['batch']['messages'][number], err: unknown): DeadLetterValue {
    const e = toPccError(err);
    if (e.retriable || !e.code.startsWith('PCC_DECODE_')) throw e;
    // Never lose a record silently: an unreadable one becomes a dead-letter row of its own.
    return {
      case_id: msg.key ? msg.key.toString('utf8') : null,
      source: null,
      source_topic: batch.topic,
      source_partition: batch.partition,
      source_offset: Number(msg.offset),
      reason_code: e.code,
      reason: `sink could not decode: ${e.message}`,
      failed_at: now(),
      payload: msg.value ? msg.value.subarray(0, 64 * 1024) : null,
      payload_redacted: false,
    };
  }

  /**
   * Predictions straight into COPY rows: transcoded from their Avro bytes (sinks/postgres/
   * transcode.ts), or, for a record the transcoder leaves, decoded and encoded as before.
   */
  async function predictionRows(batch: EachBatchPayload['batch'], w: CopyBinaryWriter, deadLetters: DeadLetterValue[]): Promise<PredictionRows> {
    const rows = new PredictionRowsBuilder(w);
    for (const msg of batch.messages) {
      const v = msg.value;
      const at = w.position;
      if (v && v.length > 5 && v[0] === 0) {
        const id = v.readInt32BE(1);
        // The map is read first: an await per record would cost a microtask each.
        const known = transcoders.get(id);
        const t = known !== undefined ? known : await transcoderFor(id);
        if (t) {
          const key = t(v, 5, w);
          if (key) {
            rows.added(key, at);
            continue;
          }
          w.truncate(at);
        }
      }
      let p: StoredPrediction;
      try {
        p = (await codec.decode(v, 'Prediction')).value as unknown as StoredPrediction;
      } catch (err) {
        deadLetters.push(deadLetterOf(batch, msg, err));
        continue;
      }
      rows.add(p);
    }
    return rows.finish();
  }

  async function decodeAll(batch: EachBatchPayload['batch'], w: CopyBinaryWriter | null) {
    const deadLetters: DeadLetterValue[] = [];
    const alerts: AlertValue[] = [];
    const expected = schemaOf[batch.topic];
    if (expected === 'Prediction') return { predictions: await predictionRows(batch, w!, deadLetters), deadLetters, alerts };
    for (const msg of batch.messages) {
      try {
        const { value } = await codec.decode(msg.value, expected);
        if (expected === 'DeadLetter') deadLetters.push(value as unknown as DeadLetterValue);
        else alerts.push(value as unknown as AlertValue);
      } catch (err) {
        deadLetters.push(deadLetterOf(batch, msg, err));
      }
    }
    return { predictions: null, deadLetters, alerts };
  }

  /** `consumer`: the one the batch came from (it commits the batch's offsets). */
  async function onBatch({ batch, heartbeat, isRunning, isStale }: EachBatchPayload, consumer: Consumer): Promise<void> {
    if (batch.messages.length === 0 || !isRunning() || isStale()) return;
    const started = performance.now();
    m.received.inc({ topic: batch.topic }, batch.messages.length);
    let writer: CopyBinaryWriter | null = null;
    if (schemaOf[batch.topic] === 'Prediction') {
      writer = spareWriter ?? new CopyBinaryWriter(batch.messages.length * COPY_ROW_BYTES + 1_024);
      spareWriter = null;
    }
    const { predictions, deadLetters, alerts } = await decodeAll(batch, writer);
    const days = predictions ? daysOf(predictions.keys.map((k) => k.predictedAt)).filter((d) => !knownDays.has(d)) : [];

    const written = await withRetry(
      () =>
        inTransaction(pool, async (db) => {
          await ensurePartitions(db, days);
          return {
            predictions: predictions ? await insertPredictionRows(db, predictions) : {},
            deadLetters: await insertDeadLetters(db, deadLetters),
            alerts: await upsertAlerts(db, alerts),
          };
        }),
      {
        retries: Infinity,
        initialDelayMs: 250,
        maxDelayMs: 5_000,
        signal: abort.signal,
        isRetriable: (err) => isDbUnavailable(err),
        onRetry: (err, attempt, delayMs) => {
          dbDown = true;
          m.dbRetries.inc();
          log.warn('database unavailable; retrying', { attempt, delay_ms: delayMs, error: (err as Error).message, code: 'PCC_DB_UNAVAILABLE' });
          heartbeat().catch(() => undefined);
        },
      },
    ).catch((err) => {
      throw isDbUnavailable(err) ? new PccError('PCC_DB_UNAVAILABLE', 'database unavailable', {}, { cause: err }) : err;
    });
    if (dbDown) log.info('database back; catching up');
    dbDown = false;
    days.forEach((d) => knownDays.add(d));

    const last = batch.messages[batch.messages.length - 1].offset;
    await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
    if (writer && writer.capacity <= MAX_KEPT_COPY_BYTES) spareWriter = writer;

    for (const [source, n] of Object.entries(written.predictions)) m.rows.inc({ table: 'predictions', source }, n);
    if (written.deadLetters) m.rows.inc({ table: 'dead_letters', source: 'all' }, written.deadLetters);
    if (written.alerts) m.rows.inc({ table: 'alerts', source: 'all' }, written.alerts);
    m.batchSeconds.observe((performance.now() - started) / 1000);
    const lag = Number(batch.highWatermark) - Number(batch.lastOffset()) - 1;
    m.lag.set({ group: config.sink.groupId, topic: batch.topic, partition: String(batch.partition) }, Math.max(0, lag));
    lastBatchAt = now();
  }

  return {
    async start() {
      const today = Math.floor(now() / DAY_MS) * DAY_MS;
      const ahead = Array.from({ length: config.sink.partitionsAheadDays + 1 }, (_, i) => new Date(today + i * DAY_MS).toISOString().slice(0, 10));
      await ensurePartitions(pool, ahead);
      ahead.forEach((d) => knownDays.add(d));
      supervised = superviseConsumer({
        name: 'sink',
        logger: log,
        create: () => kafka.consumer({ groupId: config.sink.groupId, readUncommitted: false, sessionTimeout: 15_000, rebalanceTimeout: 30_000, heartbeatInterval: 3_000, maxWaitTimeInMs: 250, maxBytesPerPartition: 4 * 1024 * 1024 }),
        run: async (c) => {
          await c.connect();
          await c.subscribe({ topics: [t.predictions, t.dlq, t.alerts], fromBeginning: true });
          await c.run({ autoCommit: false, eachBatchAutoResolve: true, partitionsConsumedConcurrently: 1, eachBatch: (payload) => onBatch(payload, c) });
        },
      });
      running = true;
      await supervised.start();
      log.info('postgres sink started', { topics: [t.predictions, t.dlq, t.alerts], group: config.sink.groupId });
    },
    async stop() {
      running = false;
      abort.abort(new Error('sink stopping'));
      await supervised?.stop().catch((e) => log.warn('consumer disconnect failed', { error: (e as Error).message }));
    },
    health() {
      const crashed = supervised?.crashed ?? null;
      return { ok: running && !dbDown && crashed === null, detail: { running, db_down: dbDown, crashed, last_batch_at: lastBatchAt ? new Date(lastBatchAt).toISOString() : null } };
    },
  };
}
