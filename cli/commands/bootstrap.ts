import { loadConfig } from '../../lib/config';
import { createPool } from '../../lib/db';
import { createKafka, designTopics, ensureTopics } from '../../lib/kafka';
import { createLogger } from '../../lib/logger';
import { migrate } from '../../lib/migrations';
import { createRegistry, registerDesignSchemas } from '../../lib/codec';
import { withRetry } from '../../lib/retry';

export const summary = 'apply migrations, create the topics and register the schemas (run by `make up`)';
export const usage = `usage: pcc bootstrap

Idempotent: applies pending migrations, creates the five topics that do not exist yet
(PCC_TOPIC_PARTITIONS for case and prediction topics, PCC_TOPIC_SMALL_PARTITIONS for the
dead-letter and alert topics) and registers the five Avro schemas under <topic>-value.`;

export async function run(): Promise<number> {
  const config = loadConfig();
  const logger = createLogger({ level: config.log.level, json: config.log.json, component: 'bootstrap' });
  const pool = createPool(config, 'pcc-bootstrap');
  const kafka = createKafka({ config, logger });
  const admin = kafka.admin();
  try {
    const mig = await migrate(pool, { log: (m) => process.stdout.write(`bootstrap: ${m}\n`) });
    process.stdout.write(`bootstrap: migrations: ${mig.applied.length} applied, ${mig.alreadyApplied} already applied\n`);
    // The broker may have opened its port before it accepts metadata requests.
    await withRetry(() => admin.connect(), { isRetriable: () => true, retries: 30, initialDelayMs: 250, maxDelayMs: 2000 });
    const created = await withRetry(() => ensureTopics(admin, designTopics(config)), { isRetriable: () => true, retries: 10 });
    const plans = designTopics(config);
    process.stdout.write(`bootstrap: topics: ${plans.map((p) => `${p.topic}${created.includes(p.topic) ? ' (created)' : ''}`).join(', ')}\n`);
    const ids = await withRetry(() => registerDesignSchemas(createRegistry(config), config), {
      isRetriable: (e) => (e as { retriable?: boolean }).retriable === true,
      retries: 10,
    });
    process.stdout.write(`bootstrap: schemas: ${Object.entries(ids).map(([s, id]) => `${s}=${id}`).join(', ')}\n`);
    return 0;
  } finally {
    await admin.disconnect().catch(() => undefined);
    await pool.end();
  }
}
