/**
 * The stream processor: one consumer group over the real and synthetic case topics. For each
 * fetched batch of a partition it runs the pure pipeline, then produces the predictions and
 * dead letters and commits the consumed offsets inside one Kafka transaction (exactly once from
 * case topic to prediction). Anything that is not bad input aborts the transaction; the batch
 * is fetched again from the last committed offset.
 *
 * Fencing: the transactional id is stable per instance (PCC_PROCESSOR_TRANSACTIONAL_ID plus
 * PCC_PROCESSOR_INSTANCE), so a restarted instance aborts whatever its crashed predecessor left
 * open at once. kafkajs does not send consumer-group metadata with offsets (KIP-447), so a
 * partition that moves between two live instances mid-batch can, rarely, be predicted twice;
 * the Postgres sink's idempotency ledger keeps one row per (case_id, source) regardless.
 */
import type { EachBatchPayload, Kafka, Producer, Transaction } from 'kafkajs';
import client from 'prom-client';
import type { Codec } from '../lib/codec';
import { superviseConsumer, type SupervisedConsumer } from '../lib/consumer-supervisor';
import type { PccConfig } from '../lib/config';
import { PccError } from '../lib/errors';
import { createProducer } from '../lib/kafka';
import type { Logger } from '../lib/logger';
import type { Source } from '../lib/taxonomy';
import { processBatch, STAGES, type BatchOutcome, type Classifier, type DeadLetterValue, type InputRecord, type PipelineDeps } from './pipeline';

/** Largest sum of value bytes sent in one produce request (the broker allows 1 MB per batch by default). */
export const MAX_SEND_BYTES = 512 * 1024;

/**
 * Cases computed between two yields to the event loop while a slice is prepared: large enough
 * that the model runs on real batches, small enough that the previous slice's transaction
 * round trips are not held up behind a whole slice of computation.
 */
export const COMPUTE_CHUNK = 500;

/** Lets pending I/O callbacks (broker responses) run before the next chunk of computation. */
function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function chunkBySize<T extends { value: Buffer | null }>(messages: T[], maxBytes: number): T[][] {
  const out: T[][] = [];
  let cur: T[] = [];
  let size = 0;
  for (const m of messages) {
    const n = (m.value?.length ?? 0) + 64;
    if (cur.length > 0 && size + n > maxBytes) {
      out.push(cur);
      cur = [];
      size = 0;
    }
    cur.push(m);
    size += n;
  }
  if (cur.length) out.push(cur);
  return out;
}

/**
 * Where a fetched batch of n records is cut into transactions of at most `max` (the end offsets
 * of the slices). A remainder smaller than a quarter of `max` joins the slice before it: a fetch
 * of a partition (2 MB, ~3,100 cases of 600 bytes) would otherwise end in a transaction of ~100,
 * and half of the transactions would be those remainders, each with the broker round trips and
 * markers of a full one.
 */
export function sliceEnds(n: number, max: number): number[] {
  const ends: number[] = [];
  if (n <= 0) return ends;
  for (let end = Math.min(n, max); ; end = Math.min(n, end + max)) {
    if (n - end > 0 && n - end < max / 4) end = n;
    ends.push(end);
    if (end >= n) return ends;
  }
}

export interface ProcessorDeps {
  config: Readonly<PccConfig>;
  logger: Logger;
  kafka: Kafka;
  codec: Codec;
  classifier: Classifier;
  metrics: client.Registry;
  /** Distinguishes instances of a scaled-out processor; part of the transactional id. */
  instanceId?: string;
  now?: () => number;
}

export interface Processor {
  start(): Promise<void>;
  stop(): Promise<void>;
  health(): { ok: boolean; detail: Record<string, unknown> };
}

function createProcessorMetrics(registry: client.Registry) {
  const get = <T>(name: string, make: () => T): T => (registry.getSingleMetric(name) as T) ?? make();
  return {
    cases: get('pcc_cases_processed_total', () => new client.Counter({ name: 'pcc_cases_processed_total', help: 'Cases classified and produced as predictions.', labelNames: ['source'], registers: [registry] })),
    deadLetters: get('pcc_dead_letters_total', () => new client.Counter({ name: 'pcc_dead_letters_total', help: 'Records sent to the dead-letter topic, by reason code.', labelNames: ['source', 'reason_code'], registers: [registry] })),
    warnings: get('pcc_case_warnings_total', () => new client.Counter({ name: 'pcc_case_warnings_total', help: 'Cases repaired and classified with a warning.', labelNames: ['source', 'code'], registers: [registry] })),
    batchSize: get('pcc_processor_batch_size', () => new client.Histogram({ name: 'pcc_processor_batch_size', help: 'Records per processed batch.', buckets: [1, 10, 50, 100, 250, 500, 1000, 2500, 5000], registers: [registry] })),
    batchSeconds: get('pcc_processor_batch_seconds', () => new client.Histogram({ name: 'pcc_processor_batch_seconds', help: 'Wall time of a batch, decode to transaction commit.', buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], registers: [registry] })),
    stageSeconds: get('pcc_processor_stage_seconds_total', () => new client.Counter({ name: 'pcc_processor_stage_seconds_total', help: 'Time spent per pipeline stage.', labelNames: ['stage'], registers: [registry] })),
    aborted: get('pcc_processor_transactions_aborted_total', () => new client.Counter({ name: 'pcc_processor_transactions_aborted_total', help: 'Transactions aborted (the batch is retried).', labelNames: ['code'], registers: [registry] })),
    lag: get('pcc_consumer_lag', () => new client.Gauge({ name: 'pcc_consumer_lag', help: 'Records between the consumed offset and the high watermark, per topic and partition.', labelNames: ['group', 'topic', 'partition'], registers: [registry] })),
  };
}

export function createProcessor(deps: ProcessorDeps): Processor {
  const { config, kafka, codec, classifier } = deps;
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ component: 'processor' });
  const m = createProcessorMetrics(deps.metrics);
  const t = config.topics;
  const routes: Record<string, { source: Source; schema: 'Case' | 'SyntheticCase' }> = {
    [t.casesReal]: { source: 'real', schema: 'Case' },
    [t.casesSynthetic]: { source: 'synthetic', schema: 'SyntheticCase' },
  };
  const pipelineDeps: PipelineDeps = { decode: (buf, expected) => codec.decode(buf, expected), classifier, limits: config.processor, topics: routes, now };
  const transactionalId = `${config.processor.transactionalId}-${deps.instanceId ?? '0'}`;
  let supervised: SupervisedConsumer | undefined;
  let producer: Producer | undefined;
  let producerNeedsReset = false;
  let encodePrediction: ((value: unknown) => Buffer) | undefined;
  let encodeDeadLetter: ((value: unknown) => Buffer) | undefined;

  // The first send of a transaction often meets CONCURRENT_TRANSACTIONS while the broker still
  // writes the previous commit's markers (a few ms); a 200 ms first backoff stalled the batch,
  // so the first retry comes after 20 ms (the Java client does the same, KAFKA-5477). Retries
  // stay unbounded, as the exactly-once contract needs.
  const newProducer = () =>
    createProducer(kafka, {
      transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 30_000,
      retry: { retries: Number.MAX_SAFE_INTEGER, initialRetryTime: 20, maxRetryTime: 10_000 },
    });
  async function resetProducer(): Promise<void> {
    log.warn('replacing the transactional producer after a failed transaction', { transactional_id: transactionalId });
    await producer?.disconnect().catch(() => undefined);
    producer = newProducer();
    await producer.connect();
    producerNeedsReset = false;
  }
  let running = false;
  let lastBatchAt = 0;

  // A fetch can hold thousands of cases per partition. They go through in transactions of at most
  // PCC_PROCESSOR_MAX_BATCH cases, each committing its own offsets: a backlog then never becomes
  // one oversized transaction, and memory stays bounded by the cap rather than by the fetch.
  //
  // The slices are pipelined: while slice k's transaction waits on the broker (begin, produce,
  // offsets, commit: several round trips), slice k+1 is decoded and classified. Its computation
  // yields to the event loop every COMPUTE_CHUNK cases so that those round trips advance. Slice
  // k+1's transaction begins only after slice k's commit has succeeded, so the order of
  // predictions, the offsets and exactly once are those of the serial loop; if slice k fails,
  // slice k+1's results (pure values, nothing sent) are dropped and both are fetched again.
  async function onBatch({ batch, isRunning, isStale, heartbeat, resolveOffset }: EachBatchPayload): Promise<void> {
    const max = Math.max(1, config.processor.maxBatch);
    let committing: Promise<void> | undefined;
    try {
      let start = 0;
      for (const end of sliceEnds(batch.messages.length, max)) {
        if (!isRunning() || isStale()) break;
        const slice = batch.messages.slice(start, end);
        start = end;
        const prepared = await prepareSlice(batch, slice);
        if (committing) await committing;
        committing = undefined;
        if (!isRunning() || isStale()) break;
        committing = commitSlice(batch, slice, prepared).then(async () => {
          // Only moves the fetch position; the offsets were committed by the slice's transaction.
          resolveOffset(slice[slice.length - 1].offset);
          await heartbeat();
        });
        // Handled here so that a failure while the next slice computes is not an unhandled
        // rejection; the await above (or below) still throws it.
        committing.catch(() => undefined);
      }
    } finally {
      if (committing) await committing;
    }
  }

  /**
   * A slice ready to commit: the encoded values, and for the metrics only counts. The prediction
   * objects themselves are dropped chunk by chunk once encoded, so they die young instead of
   * living (and being copied into the old generation) until the slice's commit.
   */
  interface PreparedSlice {
    predictions: number;
    /** Warnings of the predicted cases, by code. */
    warnings: Map<string, number>;
    /** Rare (bad input only); kept whole for the metrics and the log line. */
    deadLetters: DeadLetterValue[];
    stageMs: BatchOutcome['stageMs'];
    predictionMessages: { key: string; value: Buffer }[];
    dlqMessages: { key: string | null; value: Buffer }[];
    started: number;
  }

  /** The pure part of a slice (decode to encoded values), in chunks that let I/O run between them. */
  async function prepareSlice(batch: EachBatchPayload['batch'], messages: EachBatchPayload['batch']['messages']): Promise<PreparedSlice> {
    const prepared: PreparedSlice = {
      predictions: 0,
      warnings: new Map(),
      deadLetters: [],
      stageMs: { decode: 0, validate: 0, redact: 0, classify: 0, produce: 0 },
      predictionMessages: [],
      dlqMessages: [],
      started: performance.now(),
    };
    for (let i = 0; i < messages.length; i += COMPUTE_CHUNK) {
      if (i > 0) await yieldToIo();
      const part = messages.slice(i, i + COMPUTE_CHUNK);
      const records: InputRecord[] = part.map((msg) => ({ topic: batch.topic, partition: batch.partition, offset: msg.offset, value: msg.value }));
      const o = await processBatch(records, pipelineDeps);
      const tp = performance.now();
      for (const p of o.predictions) {
        prepared.predictionMessages.push({ key: p.case_id, value: encodePrediction!(p) });
        for (const w of p.warnings) prepared.warnings.set(w, (prepared.warnings.get(w) ?? 0) + 1);
      }
      for (const d of o.deadLetters) {
        prepared.dlqMessages.push({ key: d.case_id, value: encodeDeadLetter!(d) });
        prepared.deadLetters.push(d);
      }
      o.stageMs.produce += performance.now() - tp;
      prepared.predictions += o.predictions.length;
      for (const st of STAGES) prepared.stageMs[st] += o.stageMs[st];
    }
    return prepared;
  }

  async function commitSlice(batch: EachBatchPayload['batch'], messages: EachBatchPayload['batch']['messages'], prepared: PreparedSlice): Promise<void> {
    const { predictionMessages, dlqMessages, started, deadLetters } = prepared;
    if (producerNeedsReset) await resetProducer();
    let txn: Transaction;
    try {
      txn = await producer!.transaction();
    } catch (err) {
      producerNeedsReset = true;
      m.aborted.inc({ code: 'PCC_KAFKA_UNAVAILABLE' });
      throw new PccError('PCC_KAFKA_UNAVAILABLE', `could not begin a transaction: ${(err as Error).message}`, {}, { cause: err });
    }
    try {
      // Bounded requests: a whole fetched batch of predictions (embeddings included) can pass the
      // broker's message.max.bytes in one record batch, so it goes out in chunks, all inside the
      // same transaction.
      for (const chunk of chunkBySize(predictionMessages, MAX_SEND_BYTES)) await txn.send({ topic: t.predictions, messages: chunk });
      for (const chunk of chunkBySize(dlqMessages, MAX_SEND_BYTES)) await txn.send({ topic: t.dlq, messages: chunk });
      const last = messages[messages.length - 1].offset;
      await txn.sendOffsets({
        consumerGroupId: config.processor.groupId,
        topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(last) + 1n).toString() }] }],
      });
      await txn.commit();
    } catch (err) {
      m.aborted.inc({ code: 'PCC_KAFKA_UNAVAILABLE' });
      // An abort that fails (broker gone) leaves the producer stuck in ABORTING: replace it, and
      // the new one's initTransactions aborts the open transaction on the broker.
      await txn.abort().catch(() => {
        producerNeedsReset = true;
      });
      // Retriable, so kafkajs restarts the consumer from the last committed offsets.
      throw new PccError('PCC_KAFKA_UNAVAILABLE', `transaction aborted: ${(err as Error).message}`, {}, { cause: err });
    }
    const source = routes[batch.topic].source;
    m.cases.inc({ source }, prepared.predictions);
    for (const d of deadLetters) m.deadLetters.inc({ source, reason_code: d.reason_code });
    for (const [code, n] of prepared.warnings) m.warnings.inc({ source, code }, n);
    for (const s of STAGES) m.stageSeconds.inc({ stage: s }, prepared.stageMs[s] / 1000);
    m.batchSize.observe(messages.length);
    m.batchSeconds.observe((performance.now() - started) / 1000);
    const lag = Number(batch.highWatermark) - Number(messages[messages.length - 1].offset) - 1;
    m.lag.set({ group: config.processor.groupId, topic: batch.topic, partition: String(batch.partition) }, Math.max(0, lag));
    lastBatchAt = now();
    if (deadLetters.length) {
      log.warn('dead-lettered records', {
        topic: batch.topic,
        partition: batch.partition,
        count: deadLetters.length,
        codes: [...new Set(deadLetters.map((d) => d.reason_code))],
      });
    }
    log.debug('batch done', { topic: batch.topic, partition: batch.partition, cases: prepared.predictions, dead: deadLetters.length });
  }

  return {
    async start() {
      producer = newProducer();
      await producer.connect();
      encodePrediction = await codec.encoderFor(t.predictions);
      encodeDeadLetter = await codec.encoderFor(t.dlq);
      supervised = superviseConsumer({
        name: 'processor',
        logger: log,
        create: () =>
          kafka.consumer({
            groupId: config.processor.groupId,
            readUncommitted: false,
            // A killed instance's partitions move after this long; batches take well under a second.
            sessionTimeout: 15_000,
            rebalanceTimeout: 30_000,
            heartbeatInterval: 3_000,
            maxBytesPerPartition: 2 * 1024 * 1024,
            maxWaitTimeInMs: 250,
          }),
        run: async (c) => {
          await c.connect();
          await c.subscribe({ topics: [t.casesReal, t.casesSynthetic], fromBeginning: true });
          await c.run({
            autoCommit: false,
            partitionsConsumedConcurrently: 1,
            // onBatch resolves each committed slice itself: a batch left half-done (rebalance, stop) is
            // fetched again from the first case it did not commit.
            eachBatchAutoResolve: false,
            eachBatch: onBatch,
          });
        },
        // A new consumer comes with a new transactional producer (its initTransactions aborts
        // whatever the old one left open).
        beforeRebuild: () => {
          producerNeedsReset = true;
        },
      });
      running = true;
      await supervised.start();
      log.info('processor started', { topics: [t.casesReal, t.casesSynthetic], group: config.processor.groupId, transactional_id: transactionalId, model: classifier.version });
    },
    async stop() {
      running = false;
      await supervised?.stop().catch((e) => log.warn('consumer disconnect failed', { error: (e as Error).message }));
      await producer?.disconnect().catch((e) => log.warn('producer disconnect failed', { error: (e as Error).message }));
    },
    health() {
      const crashed = supervised?.crashed ?? null;
      return { ok: running && crashed === null, detail: { running, crashed, last_batch_at: lastBatchAt ? new Date(lastBatchAt).toISOString() : null } };
    },
  };
}
