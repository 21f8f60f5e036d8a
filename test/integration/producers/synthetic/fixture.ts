/**
 * A synthetic-pipeline test's own services: a fresh database with the migrations, a synthetic
 * case topic (and a real one, to prove it stays empty) with the SyntheticCase schema registered.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type pg from 'pg';
import { createCodec, createRegistry, readSchema, registerSchema, subjectFor, type Codec } from '../../../../lib/codec';
import type { PccConfig } from '../../../../lib/config';
import { createPool } from '../../../../lib/db';
import { ensureTopics } from '../../../../lib/kafka';
import { migrate } from '../../../../lib/migrations';
import { loadConfig } from '../../../../lib/config';
import { createTestDatabase, deleteSubject, testEnv, testKafka, waitFor } from '../../../helpers';

export class SynthFixture {
  config!: Readonly<PccConfig>;
  /** The environment of `config`, for a child `node bin/pcc.js ...`. */
  env: Record<string, string> = {};
  pool!: pg.Pool;
  kafka!: Kafka;
  codec!: Codec;
  private drop?: () => Promise<void>;
  private topics: string[] = [];

  async setup(env: Record<string, string> = {}, opts: { kafka?: boolean } = { kafka: true }): Promise<this> {
    const db = await createTestDatabase();
    this.drop = db.drop;
    this.env = testEnv({ PCC_DATABASE_URL: db.url, ...env });
    this.config = loadConfig(this.env);
    this.pool = createPool(this.config, 'pcc-test-synth');
    await migrate(this.pool);
    if (opts.kafka) {
      this.kafka = testKafka(this.config);
      this.topics = [this.config.topics.casesSynthetic, this.config.topics.casesReal];
      const admin = this.kafka.admin();
      await admin.connect();
      await ensureTopics(admin, this.topics.map((topic) => ({ topic, numPartitions: 3 })));
      await admin.disconnect();
      const registry = createRegistry(this.config);
      await registerSchema(registry, subjectFor(this.config.topics.casesSynthetic), readSchema('SyntheticCase'));
      this.codec = createCodec(registry);
    }
    return this;
  }

  async teardown(): Promise<void> {
    await this.pool?.end().catch(() => undefined);
    if (this.kafka) {
      const admin = this.kafka.admin();
      await admin.connect();
      await admin.deleteTopics({ topics: this.topics }).catch(() => undefined);
      await admin.disconnect();
      await deleteSubject(this.config, subjectFor(this.config.topics.casesSynthetic));
    }
    await this.drop?.();
  }

  /** Reads a topic from the beginning until `expected` records have arrived (then a little longer, to catch extras). */
  async readTopic<T = Record<string, unknown>>(topic: string, expected: number): Promise<{ key: string | null; value: T }[]> {
    const out: { key: string | null; value: T }[] = [];
    const groupId = `verify-${randomUUID()}`;
    const consumer = this.kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        out.push({ key: message.key?.toString() ?? null, value: (await this.codec.decode<T>(message.value, 'SyntheticCase')).value });
      },
    });
    try {
      await waitFor(() => out.length >= expected, { timeoutMs: 60_000, what: `${expected} records on ${topic}` });
      const admin = this.kafka.admin();
      await admin.connect();
      // Every partition's end offset is reached: nothing more is coming.
      const ends = await admin.fetchTopicOffsets(topic);
      await admin.disconnect();
      const total = ends.reduce((s, p) => s + Number(p.high) - Number(p.low), 0);
      await waitFor(() => out.length >= total, { timeoutMs: 30_000, what: `all ${total} records on ${topic}` });
    } finally {
      await consumer.disconnect();
      const admin = this.kafka.admin();
      await admin.connect();
      await admin.deleteGroups([groupId]).catch(() => undefined);
      await admin.disconnect();
    }
    return out;
  }

  async topicSize(topic: string): Promise<number> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const offs = await admin.fetchTopicOffsets(topic);
      return offs.reduce((s, p) => s + Number(p.high) - Number(p.low), 0);
    } finally {
      await admin.disconnect();
    }
  }
}
