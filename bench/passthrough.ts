/**
 * The Kafka ceiling's worker, run as its own process like the processor: a kafkajs consumer
 * that does no work but produce each fetched batch, unchanged, to another topic. Same consumer
 * settings as processors/index.ts (batch fetch, 2 MB per partition, 250 ms max wait) and the same
 * producer settings as the case publisher (idempotent, acks=all), the processor's 512 KB
 * requests, without transactions or decoding, so its rate is what the broker and kafkajs allow on this machine.
 *
 * Environment: BENCH_IN, BENCH_OUT, BENCH_GROUP, and PCC_KAFKA_BROKERS. Prints "ready" when it
 * has joined its group; stops on SIGTERM.
 */
import { loadConfig } from '../lib/config';
import { createKafka, createProducer } from '../lib/kafka';
import { createLogger } from '../lib/logger';
import { chunkBySize, MAX_SEND_BYTES } from '../processors';

async function main(): Promise<void> {
  const input = process.env.BENCH_IN;
  const output = process.env.BENCH_OUT;
  const groupId = process.env.BENCH_GROUP;
  if (!input || !output || !groupId) throw new Error('BENCH_IN, BENCH_OUT and BENCH_GROUP are required');
  const config = loadConfig();
  const logger = createLogger({ level: config.log.level, component: 'bench-passthrough' });
  const kafka = createKafka({ config, logger, clientId: 'pcc-bench-passthrough' });
  const producer = createProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const consumer = kafka.consumer({ groupId, sessionTimeout: 15_000, heartbeatInterval: 3_000, maxBytesPerPartition: 2 * 1024 * 1024, maxWaitTimeInMs: 250 });
  consumer.on(consumer.events.GROUP_JOIN, () => process.stdout.write('ready\n'));
  await consumer.connect();
  await consumer.subscribe({ topics: [input], fromBeginning: true });
  await consumer.run({
    partitionsConsumedConcurrently: 1,
    eachBatch: async ({ batch }) => {
      if (batch.messages.length === 0) return;
      // In requests of at most 512 KB, as the processor sends: a fetched batch can hold up to 2 MB
      // per partition, and one produce request of it is refused as MESSAGE_TOO_LARGE.
      for (const chunk of chunkBySize(batch.messages, MAX_SEND_BYTES)) {
        await producer.send({ topic: output, acks: -1, messages: chunk.map((m) => ({ key: m.key, value: m.value })) });
      }
    },
  });
  const stop = async () => {
    await consumer.disconnect().catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`passthrough failed: ${(err as Error).message}\n`);
  process.exit(1);
});
