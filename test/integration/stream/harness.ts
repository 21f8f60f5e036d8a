/**
 * A stream under test: its own topics, schemas and database over the real Kafka, registry and
 * Postgres, and the pipeline run as real child processes (`node bin/pcc.js run|processor|sink`)
 * that a test can kill with SIGKILL and start again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { Kafka, KafkaMessage } from 'kafkajs';
import pg from 'pg';
import { createCodec, createRegistry, registerDesignSchemas, subjectFor, type Codec } from '../../../lib/codec';
import { loadConfig, type PccConfig } from '../../../lib/config';
import { createPool } from '../../../lib/db';
import { designTopics, ensureTopics } from '../../../lib/kafka';
import { migrate } from '../../../lib/migrations';
import type { CaseValue } from '../../../producers/real/jsonl';
import { createCasePublisher } from '../../../producers/real/publisher';
import { createTestDatabase, deleteSubject, testEnv, testKafka, waitFor } from '../../helpers';

const ROOT = path.resolve(__dirname, '../../..');

export interface Child {
  proc: ChildProcess;
  output: string[];
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

export class StreamHarness {
  env: Record<string, string> = {};
  config!: Readonly<PccConfig>;
  kafka!: Kafka;
  codec!: Codec;
  pool!: pg.Pool;
  private dropDb: (() => Promise<void>) | undefined;
  private children: Child[] = [];

  async setup(overrides: Record<string, string> = {}): Promise<this> {
    const db = await createTestDatabase();
    this.dropDb = db.drop;
    this.env = testEnv({ PCC_DATABASE_URL: db.url, ...overrides });
    this.config = loadConfig(this.env);
    this.pool = createPool(this.config, 'pcc-test');
    await migrate(this.pool);
    this.kafka = testKafka(this.config);
    const admin = this.kafka.admin();
    await admin.connect();
    await ensureTopics(admin, designTopics(this.config));
    await admin.disconnect();
    const registry = createRegistry(this.config);
    await registerDesignSchemas(registry, this.config);
    this.codec = createCodec(registry);
    return this;
  }

  async teardown(): Promise<void> {
    await Promise.all(this.children.map((c) => c.kill('SIGKILL')));
    await this.pool?.end().catch(() => undefined);
    const admin = this.kafka?.admin();
    if (admin) {
      await admin.connect();
      const topics = designTopics(this.config).map((t) => t.topic);
      await admin.deleteTopics({ topics }).catch(() => undefined);
      await admin.deleteGroups([this.config.processor.groupId, this.config.sink.groupId]).catch(() => undefined);
      await admin.disconnect();
      for (const t of topics) await deleteSubject(this.config, subjectFor(t));
    }
    await this.dropDb?.();
  }

  /** Starts `pcc <command>` with this stream's environment; output lines are kept for inspection. */
  start(command: 'run' | 'processor' | 'sink' | 'drift', args: string[] = [], extraEnv: Record<string, string> = {}): Child {
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PCC_') || k.startsWith('PCC_TEST_') || k === 'PCC_MODEL_DIR'));
    const proc = spawn(process.execPath, [path.join(ROOT, 'bin/pcc.js'), command, ...args], {
      cwd: ROOT,
      env: { ...base, ...this.env, PCC_LOG_LEVEL: process.env.PCC_TEST_CHILD_LOG_LEVEL ?? 'info', ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output: string[] = [];
    const collect = (chunk: Buffer) => output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    proc.stdout!.on('data', collect);
    proc.stderr!.on('data', collect);
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
    const child: Child = {
      proc,
      output,
      kill: async (signal = 'SIGTERM') => {
        if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
        proc.kill(signal);
        return exited;
      },
    };
    this.children.push(child);
    return child;
  }

  async publishReal(values: CaseValue[], batchSize = 1000): Promise<void> {
    const pub = await createCasePublisher(this.kafka, this.codec, this.config.topics.casesReal);
    try {
      for (let i = 0; i < values.length; i += batchSize) await pub.publish(values.slice(i, i + batchSize));
    } finally {
      await pub.close();
    }
  }

  async predictionRows(): Promise<{ total: number; distinct: number }> {
    const { rows } = await this.pool.query('SELECT count(*)::int AS total, count(DISTINCT (case_id, source))::int AS distinct FROM pcc.predictions');
    return rows[0];
  }

  async waitForPredictions(n: number, timeoutMs = 240_000): Promise<void> {
    let died: Child | undefined;
    await waitFor(
      async () => {
        // A pipeline process that crashed will not finish the job: stop waiting and say so.
        died = this.children.find((c) => c.proc.exitCode !== null && c.proc.exitCode !== 0 && c.proc.signalCode === null);
        return died !== undefined || (await this.predictionRows()).total >= n;
      },
      { timeoutMs, intervalMs: 500, what: `${n} prediction rows` },
    );
    if (died) throw new Error(`a pipeline process exited with code ${died.proc.exitCode}: ${died.output.slice(-8).join(' | ')}`);
  }

  /**
   * Counts committed (read_committed) records and distinct keys on the predictions topic: reads
   * until at least `expected` arrived and two further fetches came back empty (the end of the log).
   */
  async predictionTopicCounts(expected: number, timeoutMs = 60_000): Promise<{ records: number; distinctKeys: number }> {
    const keys = new Set<string>();
    const records = await this.readPredictionTopic(expected, timeoutMs, (_partition, m) => {
      keys.add(m.key!.toString());
    });
    return { records, distinctKeys: keys.size };
  }

  /**
   * The committed predictions in topic order, per partition of the predictions topic: where each
   * came from (source partition and offset). Reads until `expected` arrived and the log ended.
   */
  async predictionSources(expected: number, timeoutMs = 60_000): Promise<Map<number, { caseId: string; sourcePartition: number; sourceOffset: number }[]>> {
    const byPartition = new Map<number, { caseId: string; sourcePartition: number; sourceOffset: number }[]>();
    await this.readPredictionTopic(expected, timeoutMs, async (partition, m) => {
      const v = (await this.codec.decode<{ case_id: string; source_partition: number; source_offset: number }>(m.value, 'Prediction')).value;
      const list = byPartition.get(partition) ?? [];
      byPartition.set(partition, list);
      list.push({ caseId: v.case_id, sourcePartition: v.source_partition, sourceOffset: v.source_offset });
    });
    return byPartition;
  }

  /**
   * Reads the predictions topic (read_committed) from the start, in order per partition, until at
   * least `expected` records arrived and two further fetches came back empty (the end of the
   * log); returns how many records were read.
   */
  private async readPredictionTopic(expected: number, timeoutMs: number, onMessage: (partition: number, message: KafkaMessage) => void | Promise<void>): Promise<number> {
    const consumer = this.kafka.consumer({ groupId: `verify-${randomUUID()}`, readUncommitted: false, maxWaitTimeInMs: 200 });
    let records = 0;
    let emptyFetchesAfter = 0;
    consumer.on(consumer.events.FETCH, (e) => {
      if (records >= expected && e.payload.numberOfBatches === 0) emptyFetchesAfter++;
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [this.config.topics.predictions], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) {
          await onMessage(batch.partition, m);
          records++;
        }
      },
    });
    try {
      await waitFor(() => records >= expected && emptyFetchesAfter >= 2, { timeoutMs, what: `${expected} records on the predictions topic and its end` });
    } finally {
      await consumer.disconnect();
    }
    return records;
  }
}

export function makeCases(n: number, prefix = randomUUID().slice(0, 8)): CaseValue[] {
  const texts = [
    'Hi, please send me a copy of all the personal data you hold about me.',
    'My parcel has not arrived yet, order 48213, can you check the delivery?',
    'Delete my account and erase every bit of data you have on me.',
    'Stop sending me marketing e-mails, I never signed up for them.',
    'I was charged twice for my subscription this month, please refund one payment.',
    'Your app shows the wrong date of birth on my profile, please correct it.',
  ];
  const now = Date.now();
  return Array.from({ length: n }, (_, i) => ({
    case_id: `${prefix}-${i}`,
    received_at: now - (n - i),
    channel: i % 3 === 0 ? 'email' : 'chat',
    language: 'en',
    subject: null,
    body: `${texts[i % texts.length]} (ref ${i})`,
    customer_ref: null,
    jurisdiction: i % 4 === 0 ? 'CCPA' : null,
    metadata: {},
  }));
}
