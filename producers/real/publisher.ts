/**
 * Publishes case values to a case topic in batches with an idempotent producer (acks from all
 * in-sync replicas; a retried send does not double a case). Keys are case ids, so a case always
 * lands on the same partition.
 */
import type { Kafka, Producer } from 'kafkajs';
import type { Codec } from '../../lib/codec';
import { createProducer } from '../../lib/kafka';

export interface CasePublisher {
  publish(values: { case_id: string }[]): Promise<void>;
  close(): Promise<void>;
}

export async function createCasePublisher(kafka: Kafka, codec: Codec, topic: string): Promise<CasePublisher> {
  const producer: Producer = createProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  await codec.prepare(topic);
  return {
    async publish(values) {
      if (values.length === 0) return;
      const messages = await Promise.all(values.map(async (v) => ({ key: v.case_id, value: await codec.encode(topic, v) })));
      await producer.send({ topic, acks: -1, messages });
    },
    close: () => producer.disconnect(),
  };
}
