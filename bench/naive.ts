/**
 * The naive baseline: the same work as the pipeline, done the way a first version would do it,
 * so that the gain of the real design is visible in the benchmark. One message at a time
 * (kafkajs eachMessage), the same decode, validation, redaction and classifier, but the
 * classifier is called on one case at a time and each prediction is one INSERT (autocommit:
 * no transaction, no batching, no predictions topic, no idempotency ledger).
 *
 * Not for production: it is here only to be measured. Run by `pcc bench` as a child process
 * with BENCH_TOPIC and BENCH_GROUP (and the PCC_* variables of the bench stream); prints "ready"
 * once it has joined its group; stops on SIGTERM.
 */
import { loadClassifier } from '../ml/classifier';
import { createCodec, createRegistry } from '../lib/codec';
import { loadConfig } from '../lib/config';
import { createPool } from '../lib/db';
import { createKafka } from '../lib/kafka';
import { createLogger } from '../lib/logger';
import { isPrivacy } from '../lib/taxonomy';
import { excerpt, redact } from '../processors/redact';
import { slaDueAt, validateCase } from '../processors/validate';

const INSERT = `INSERT INTO pcc.predictions (case_id, source, intent, is_privacy, confidence, probabilities, embedding, model_version,
  redacted_excerpt, pii_found, warnings, channel, language, jurisdiction, received_at, predicted_at, processing_ms, sla_due_at,
  source_partition, source_offset)
  VALUES ($1, 'real', $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)`;

async function main(): Promise<void> {
  const topic = process.env.BENCH_TOPIC;
  const groupId = process.env.BENCH_GROUP;
  if (!topic || !groupId) throw new Error('BENCH_TOPIC and BENCH_GROUP are required');
  const config = loadConfig();
  const logger = createLogger({ level: config.log.level, component: 'bench-naive' });
  const kafka = createKafka({ config, logger, clientId: 'pcc-bench-naive' });
  const codec = createCodec(createRegistry(config));
  const classifier = await loadClassifier(config.model.dir || undefined);
  const pool = createPool({ db: { url: config.db.url, poolMax: 1 } }, 'pcc-bench-naive');
  await pool.query('SELECT pcc.ensure_prediction_partition(current_date)');
  const consumer = kafka.consumer({ groupId, sessionTimeout: 30_000, heartbeatInterval: 3_000 });
  consumer.on(consumer.events.GROUP_JOIN, () => process.stdout.write('ready\n'));
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const t0 = performance.now();
      const { value } = await codec.decode(message.value, 'Case');
      const c = validateCase(value, 'real', Date.now(), config.processor);
      const red = redact(c.subject ? `${c.subject}\n${c.body}` : c.body);
      const [r] = classifier.classifyBatch([{ subject: c.subject ?? undefined, body: c.body }]);
      const privacy = isPrivacy(r.intent);
      await pool.query(INSERT, [
        c.case_id, r.intent, privacy, r.confidence, r.probabilities, Array.from(r.embedding), classifier.version,
        excerpt(red.text, 280), red.found, c.warnings, c.channel, c.language, c.jurisdiction,
        new Date(c.received_at), new Date(), performance.now() - t0, privacy ? new Date(slaDueAt(c.received_at, c.jurisdiction)) : null,
        partition, Number(message.offset),
      ]);
    },
  });
  const stop = async () => {
    await consumer.disconnect().catch(() => undefined);
    await pool.end().catch(() => undefined);
    classifier.dispose();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err: unknown) => {
  process.stderr.write(`naive baseline failed: ${(err as Error).message}\n`);
  process.exit(1);
});
