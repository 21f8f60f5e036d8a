/**
 * Kafka adapter: the client factory and topic administration. Nothing connects at import time;
 * the entry file creates the client and passes it down (STYLE.md §3).
 */
// Before kafkajs: the fast path wraps two modules kafkajs loads with its index (lib/kafkajs-fastpath.ts).
import { DefaultPartitioner, installKafkajsFastPath } from './kafkajs-fastpath';
import { Kafka, logLevel, type Admin, type ITopicConfig, type LogEntry, type Producer, type ProducerConfig } from 'kafkajs';
import type { PccConfig } from './config';
import type { Logger } from './logger';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
  [logLevel.NOTHING]: 'debug',
};

export interface CreateKafkaOptions {
  config: Pick<PccConfig, 'kafka'>;
  logger: Logger;
  clientId?: string;
}

export function createKafka({ config, logger, clientId }: CreateKafkaOptions): Kafka {
  const log = logger.child({ component: 'kafkajs' });
  // The fast path is installed once per process, by the first client that asks for it.
  if (config.kafka.fastProduce !== false) {
    const fastPath = installKafkajsFastPath();
    if (fastPath.reason) log.debug(fastPath.active ? 'kafkajs produce fast path active in part' : 'kafkajs produce fast path not active', { reason: fastPath.reason });
  }
  return new Kafka({
    clientId: clientId ?? config.kafka.clientId,
    brokers: [...config.kafka.brokers],
    connectionTimeout: 5_000,
    requestTimeout: 30_000,
    retry: { initialRetryTime: 200, retries: 10, maxRetryTime: 10_000 },
    // kafkajs logs rebalances and retries at INFO/ERROR; they are ours to interpret, so WARN and up only.
    logLevel: logLevel.WARN,
    logCreator:
      () =>
      ({ level, log: entry }: LogEntry) => {
        const { message, timestamp: _t, logger: _l, ...fields } = entry as Record<string, unknown>;
        // CONCURRENT_TRANSACTIONS and a coordinator still loading are the broker saying "a few ms
        // more" (the previous commit's markers are being written, or the broker just started);
        // kafkajs retries them and logs each at ERROR. They are expected, so they go out at debug.
        const expected = /concurrent operation on the same transaction|coordinator is loading/i.test(`${String(message)} ${String(fields.error ?? '')}`);
        log.log(expected ? 'debug' : (LEVELS[level] ?? 'info'), String(message), fields);
      },
  });
}

export interface TopicPlan {
  topic: string;
  numPartitions: number;
  configEntries?: ITopicConfig['configEntries'];
}

/** The five topics of the design with their partition counts. */
export function designTopics(config: Pick<PccConfig, 'topics'>): TopicPlan[] {
  const t = config.topics;
  return [
    { topic: t.casesReal, numPartitions: t.partitions },
    { topic: t.casesSynthetic, numPartitions: t.partitions },
    { topic: t.predictions, numPartitions: t.partitions },
    { topic: t.dlq, numPartitions: t.smallPartitions },
    { topic: t.alerts, numPartitions: t.smallPartitions },
  ];
}

/** Creates the topics that do not exist yet; returns the names it created. Existing ones are left as they are. */
export async function ensureTopics(admin: Admin, plans: TopicPlan[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = plans.filter((p) => !existing.has(p.topic));
  if (missing.length === 0) return [];
  await admin.createTopics({
    waitForLeaders: true,
    topics: missing.map((p) => ({ topic: p.topic, numPartitions: p.numPartitions, replicationFactor: 1, configEntries: p.configEntries })),
  });
  return missing.map((p) => p.topic);
}

/**
 * A producer with the murmur2 partitioner (the Java client's), so that a case_id lands on the
 * same partition whichever client produced it. It is kafkajs's DefaultPartitioner with the hash in
 * 32-bit arithmetic (lib/kafkajs-fastpath.ts; the unit tests compare the two).
 */
export function createProducer(kafka: Kafka, opts: ProducerConfig = {}): Producer {
  // An idempotent producer that gives up retrying may leave a gap or a duplicate behind; it
  // retries (with backoff capped at 10 s) until the broker is back, as the EoS contract needs.
  const retry = opts.idempotent || opts.transactionalId ? { retries: Number.MAX_SAFE_INTEGER, maxRetryTime: 10_000, initialRetryTime: 200 } : undefined;
  return kafka.producer({ createPartitioner: DefaultPartitioner, ...(retry ? { retry } : {}), ...opts });
}
