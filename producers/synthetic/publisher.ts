/**
 * Publishes a stored batch to the synthetic case topic (Avro SyntheticCase, key case_id) with an
 * idempotent producer, exactly as stored: the first publication marks the batch published (and
 * immutable); a replay sends the same records again (the sinks upsert on case_id and source).
 */
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import type { Codec } from '../../lib/codec';
import { PccError } from '../../lib/errors';
import { createProducer } from '../../lib/kafka';
import type { Logger } from '../../lib/logger';
import { findBatch, publishableCases, recordPublication } from './store';

export interface PublishDeps {
  pool: pg.Pool;
  kafka: Kafka;
  codec: Codec;
  /** config.topics.casesSynthetic */
  topic: string;
  logger?: Logger;
}

export interface PublishResult {
  batchId: string;
  kind: 'publish' | 'replay';
  topic: string;
  cases: number;
}

const SEND_CHUNK = 500;

export async function publishBatch(deps: PublishDeps, batchId: string, opts: { onProgress?: (sent: number, total: number) => void } = {}): Promise<PublishResult> {
  const batch = await findBatch(deps.pool, batchId);
  if (!batch) throw new PccError('PCC_BATCH_NOT_FOUND', `no synthetic batch ${batchId}`, { batch_id: batchId });
  if (batch.status !== 'generated' && batch.status !== 'published') {
    throw new PccError('PCC_BATCH_NOT_PUBLISHABLE', `synthetic batch ${batchId} is ${batch.status}; only a generated or published batch can be sent`, { batch_id: batchId, status: batch.status });
  }
  const kind = batch.status === 'published' ? 'replay' : 'publish';
  const cases = await publishableCases(deps.pool, batchId);
  const producer = createProducer(deps.kafka, { idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    await deps.codec.prepare(deps.topic);
    let sent = 0;
    opts.onProgress?.(0, cases.length);
    for (let i = 0; i < cases.length; i += SEND_CHUNK) {
      const chunk = cases.slice(i, i + SEND_CHUNK);
      const messages = await Promise.all(chunk.map(async (v) => ({ key: v.case_id, value: await deps.codec.encode(deps.topic, v) })));
      await producer.send({ topic: deps.topic, acks: -1, messages });
      sent += chunk.length;
      opts.onProgress?.(sent, cases.length);
    }
  } catch (err) {
    throw err instanceof PccError ? err : new PccError('PCC_KAFKA_UNAVAILABLE', `publishing batch ${batchId}: ${(err as Error).message}`, { batch_id: batchId }, { cause: err });
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
  await recordPublication(deps.pool, batchId, kind, deps.topic, cases.length);
  deps.logger?.info(kind === 'publish' ? 'synthetic batch published' : 'synthetic batch replayed', { batch_id: batchId, topic: deps.topic, cases: cases.length });
  return { batchId, kind, topic: deps.topic, cases: cases.length };
}

/** Sends a batch again by id (the first send of a generated batch publishes it). */
export function replayBatch(deps: PublishDeps, batchId: string, opts: { onProgress?: (sent: number, total: number) => void } = {}): Promise<PublishResult> {
  return publishBatch(deps, batchId, opts);
}
