/**
 * Configuration: read from the environment once, validated, frozen, passed down.
 * A bad value stops the process with one message naming every bad variable (STYLE.md §4).
 * Every variable is listed in CONFIG_DOCS with its unit and default; README.md's table is
 * checked against it by a test.
 */
import { z } from 'zod';
import { ConfigError } from './errors';

/** host:port[,host:port...] with a port in range. */
const brokerList = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .transform((s, ctx) => {
    const parts = s.split(',').map((p) => p.trim()).filter(Boolean);
    for (const p of parts) {
      const m = /^([A-Za-z0-9.\-_]+|\[[0-9a-fA-F:]+\]):(\d{1,5})$/.exec(p);
      if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
        ctx.addIssue({ code: 'custom', message: `"${p}" is not host:port` });
        return z.NEVER;
      }
    }
    return parts;
  });

const port = z.coerce
  .number({ message: 'must be a number' })
  .int('must be an integer')
  .min(1, 'must be 1..65535')
  .max(65535, 'must be 1..65535');

const posInt = z.coerce.number({ message: 'must be a number' }).int('must be an integer').positive('must be > 0');
const nonNegInt = z.coerce.number({ message: 'must be a number' }).int('must be an integer').min(0, 'must be >= 0');
const fraction = z.coerce.number({ message: 'must be a number' }).min(0, 'must be 0..1').max(1, 'must be 0..1');

const httpUrl = z.string().trim().url('must be a URL').refine((u) => /^https?:\/\//.test(u), 'must be http(s)');
const pgUrl = z
  .string()
  .trim()
  .refine((u) => /^postgres(ql)?:\/\/[^\s]+$/.test(u), 'must be a postgres:// URL');

/** Empty, or a JSON object (checked in full by its reader). */
const jsonObject = z.string().trim().refine((s) => {
  if (s === '') return true;
  try {
    const v: unknown = JSON.parse(s);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}, 'must be empty or a JSON object');

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((s) => ['1', '0', 'true', 'false', 'yes', 'no'].includes(s), 'must be true or false')
  .transform((s) => ['1', 'true', 'yes'].includes(s));

/** One entry per variable: zod schema, default (as the string an operator would set), doc. */
interface VarSpec {
  schema: z.ZodType;
  default?: string;
  doc: string;
}

export const CONFIG_DOCS = {
  PCC_ENV: { schema: z.enum(['development', 'production', 'test']), default: 'development', doc: 'development (readable logs) or production (JSON logs); test is development with quieter logs.' },
  PCC_LOG_LEVEL: { schema: z.enum(['error', 'warn', 'info', 'debug']), default: 'info', doc: 'Log level.' },
  PCC_KAFKA_BROKERS: { schema: brokerList, default: '127.0.0.1:9092', doc: 'Kafka bootstrap servers, comma-separated host:port.' },
  PCC_KAFKA_CLIENT_ID: { schema: z.string().min(1), default: 'pcc', doc: 'Kafka client id prefix.' },
  PCC_KAFKA_FAST_PRODUCE: { schema: bool, default: 'true', doc: "Encode produce requests with lib/kafkajs-fastpath.ts (byte-identical to kafkajs 2.2.4's, less CPU); false leaves kafkajs as shipped." },
  PCC_REGISTRY_URL: { schema: httpUrl, default: 'http://127.0.0.1:8081/apis/ccompat/v7', doc: 'Confluent-compatible schema registry base URL.' },
  PCC_DATABASE_URL: { schema: pgUrl, default: 'postgres://postgres@127.0.0.1:5432/pcc', doc: 'PostgreSQL connection URL (database pcc).' },
  PCC_DB_POOL_MAX: { schema: posInt, default: '10', doc: 'Maximum Postgres connections per process.' },
  PCC_TOPIC_PARTITIONS: { schema: posInt, default: '6', doc: 'Partitions for the case and prediction topics when `pcc bootstrap` creates them.' },
  PCC_TOPIC_SMALL_PARTITIONS: { schema: posInt, default: '1', doc: 'Partitions for the dead-letter and alert topics.' },
  PCC_TOPIC_CASES_REAL: { schema: z.string().min(1), default: 'pcc.cases.real.v1', doc: 'Topic of real cases.' },
  PCC_TOPIC_CASES_SYNTHETIC: { schema: z.string().min(1), default: 'pcc.cases.synthetic.v1', doc: 'Topic of synthetic cases.' },
  PCC_TOPIC_PREDICTIONS: { schema: z.string().min(1), default: 'pcc.predictions.v1', doc: 'Topic of predictions.' },
  PCC_TOPIC_DLQ: { schema: z.string().min(1), default: 'pcc.cases.dlq.v1', doc: 'Dead-letter topic.' },
  PCC_TOPIC_ALERTS: { schema: z.string().min(1), default: 'pcc.alerts.v1', doc: 'Alert topic.' },
  PCC_PROCESSOR_GROUP: { schema: z.string().min(1), default: 'pcc-processor', doc: 'Consumer group of the processors.' },
  PCC_PROCESSOR_TRANSACTIONAL_ID: { schema: z.string().min(1), default: 'pcc-processor', doc: 'Transactional id prefix of the processors (one per instance; the instance id is appended).' },
  PCC_PROCESSOR_INSTANCE: { schema: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, _ . -'), default: '0', doc: 'Instance id of a processor, unique among the running instances; appended to the transactional id so a restarted instance fences its predecessor.' },
  PCC_PROCESSOR_MAX_BATCH: { schema: posInt, default: '3000', doc: 'Cases in one Kafka transaction; a larger fetch is processed in slices of this size, each committing its own offsets (a remainder under a quarter of it joins the last slice, so a slice holds at most 1.25 times this; the model runs on chunks of 500 within a slice).' },
  PCC_MAX_BODY_CHARS: { schema: posInt, default: '20000', doc: 'Characters of a body that are classified; longer bodies are truncated with a warning.' },
  PCC_MAX_BODY_BYTES: { schema: posInt, default: '1048576', doc: 'Bodies larger than this (bytes, UTF-8) are dead-lettered.' },
  PCC_FUTURE_SKEW_MS: { schema: nonNegInt, default: '300000', doc: 'A received_at further than this in the future is replaced by the processing time, with a warning.' },
  PCC_SINK_GROUP: { schema: z.string().min(1), default: 'pcc-sink-postgres', doc: 'Consumer group of the Postgres sink.' },
  PCC_SINK_PARTITIONS_AHEAD_DAYS: { schema: nonNegInt, default: '7', doc: 'Daily prediction partitions created ahead of today.' },
  PCC_SINK_FAST_COPY: { schema: bool, default: 'true', doc: 'Write predictions to the COPY buffer straight from their Avro bytes (sinks/postgres/transcode.ts; the same bytes as decoding and encoding them, less CPU); false decodes every record.' },
  PCC_RETENTION_DAYS: { schema: posInt, default: '400', doc: 'Prediction partitions older than this many days are dropped by `pcc retention`.' },
  PCC_DRIFT_GROUP: { schema: z.string().min(1), default: 'pcc-drift', doc: 'Consumer group of the drift monitor.' },
  PCC_DRIFT_WINDOW_MS: { schema: posInt, default: '3600000', doc: 'Tumbling event-time window length (ms).' },
  PCC_DRIFT_LATENESS_MS: { schema: nonNegInt, default: '600000', doc: 'Late events up to this long after a window ends are folded into it (ms).' },
  PCC_LOW_CONFIDENCE: { schema: fraction, default: '0.5', doc: 'Confidence below this is low confidence.' },
  PCC_ALERT_WEBHOOK_URL: { schema: z.union([z.literal(''), httpUrl]), default: '', doc: 'Slack-compatible webhook for alerts; empty disables it.' },
  PCC_DRIFT_MIN_CASES: { schema: posInt, default: '30', doc: 'A window (or reference) with fewer predictions is written as insufficient_data and raises nothing (volume excepted).' },
  PCC_DRIFT_REFERENCE_DAYS: { schema: posInt, default: '7', doc: 'Length of the trailing reference (days of closed windows of the same source).' },
  PCC_DRIFT_REFERENCE_FILE: { schema: z.string(), default: '', doc: 'Frozen reference: a JSONL file of predictions (e.g. the model\'s evaluation data); empty means the trailing reference.' },
  PCC_DRIFT_THRESHOLDS: { schema: z.string(), default: '', doc: 'JSON overrides of per-metric thresholds, e.g. {"confidence_psi":{"warning":0.15}}; defaults in docs/monitoring.md.' },
  PCC_DRIFT_SAMPLE_SIZE: { schema: posInt, default: '200', doc: 'Embeddings sampled per window and per reference for the MMD test (bottom-k by case_id hash).' },
  PCC_DRIFT_PERMUTATIONS: { schema: posInt, default: '200', doc: 'Permutations of the MMD test (smallest p-value is 1/(n+1)).' },
  PCC_DRIFT_PARTITION_IDLE_MS: { schema: posInt, default: '10000', doc: 'A prediction partition that delivered nothing for this long stops holding back the event-time watermark, so its quiet does not keep windows open (ms).' },
  PCC_DRIFT_CHECKPOINT_MS: { schema: posInt, default: '5000', doc: 'Most time between drift checkpoints (state and offsets to Postgres) while no window closes (ms).' },
  PCC_ALERT_PENDING_WINDOWS: { schema: posInt, default: '2', doc: 'Consecutive breaching windows before a warning alert fires.' },
  PCC_ALERT_CRITICAL_PENDING_WINDOWS: { schema: posInt, default: '1', doc: 'Consecutive breaching windows before a critical alert fires.' },
  PCC_ALERT_COOLDOWN_WINDOWS: { schema: nonNegInt, default: '2', doc: 'Windows after a resolve during which the same alert does not fire again.' },
  PCC_ALERT_WEBHOOK_QUEUE: { schema: posInt, default: '100', doc: 'Alert webhook messages held while the webhook is slow; the oldest is dropped beyond this.' },
  PCC_METRICS_PORT: { schema: z.coerce.number().int().min(0).max(65535), default: '9464', doc: 'Port of /healthz and /metrics for processors and sinks (0 picks a free port).' },
  PCC_GATEWAY_PORT: { schema: port, default: '3000', doc: 'Port of the REST gateway.' },
  PCC_GATEWAY_HOST: { schema: z.string().min(1), default: '127.0.0.1', doc: 'Address the gateway listens on.' },
  PCC_API_KEYS: { schema: z.string(), default: '', doc: 'Gateway API keys, "key:role,key:role" with roles ingest, read, admin.' },
  PCC_API_KEYS_FILE: { schema: z.string(), default: '', doc: 'File with one "key:role" per line (alternative to PCC_API_KEYS).' },
  PCC_GATEWAY_BODY_LIMIT_BYTES: { schema: posInt, default: '1048576', doc: 'Largest request body the gateway reads (bytes); larger bodies get 413.' },
  PCC_GATEWAY_RATE_LIMIT: { schema: posInt, default: '6000', doc: 'Requests per API key per rate-limit window; beyond it 429 with Retry-After.' },
  PCC_GATEWAY_RATE_WINDOW_MS: { schema: posInt, default: '60000', doc: 'Length of the gateway rate-limit window (ms).' },
  PCC_GATEWAY_CLASSIFY_TIMEOUT_MS: { schema: posInt, default: '5000', doc: 'How long POST /v1/classify waits for the prediction before answering 504 with the case id.' },
  PCC_GATEWAY_PUBLISH_TIMEOUT_MS: { schema: posInt, default: '10000', doc: 'Longest wait for Kafka to acknowledge cases sent to the gateway before it answers 503 (the send may still complete; resend with the same case_id, which is idempotent).' },
  PCC_GATEWAY_GROUP: { schema: z.string().trim().min(1), default: 'pcc-gateway', doc: 'Prefix of the consumer group each gateway instance uses to read predictions for /v1/classify (one group per instance; nothing committed).' },
  PCC_MODEL_DIR: { schema: z.string(), default: '', doc: 'Model directory; empty means the released model under models/.' },
  PCC_SHUTDOWN_TIMEOUT_MS: { schema: posInt, default: '30000', doc: 'Longest graceful shutdown before the process exits anyway (ms).' },
  PCC_LLM_BASE_URL: { schema: httpUrl, default: 'http://127.0.0.1:11434/v1', doc: 'Base URL of an OpenAI-compatible chat-completions server (Ollama, llama.cpp, vLLM, LM Studio, a hosted tier) for `pcc synth generate --backend openai`.' },
  PCC_LLM_MODEL: { schema: z.string().trim().min(1), default: 'llama3.2', doc: 'Model name sent to the LLM server.' },
  PCC_LLM_API_KEY: { schema: z.string(), default: '', doc: 'Bearer key for the LLM server; empty sends none.' },
  PCC_LLM_CONCURRENCY: { schema: posInt, default: '4', doc: 'Most LLM requests in flight at once.' },
  PCC_LLM_TIMEOUT_MS: { schema: posInt, default: '60000', doc: 'Longest wait for one LLM reply before it is retried (ms).' },
  PCC_LLM_MAX_ATTEMPTS: { schema: posInt, default: '6', doc: 'Attempts per case on 429, 5xx, timeouts and lost connections (with jittered backoff that honours Retry-After).' },
  PCC_SYNTH_BACKEND: { schema: z.enum(['template', 'openai']), default: 'template', doc: 'Generator of scheduled synthetic batches: template (offline) or openai.' },
  PCC_SYNTH_DAILY_AT: { schema: z.string().trim().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (UTC)'), default: '02:00', doc: 'Time of day (UTC, HH:MM) of the daily synthetic batch of `pcc synth schedule`.' },
  PCC_SYNTH_DAILY_COUNT: { schema: posInt, default: '1000', doc: 'Cases in the daily synthetic batch.' },
  PCC_SYNTH_TARGETS: { schema: jsonObject, default: '', doc: 'JSON diversity targets (relative weights) of synthetic batches, e.g. {"intents":{"not_privacy":3},"languages":{"en":6,"es":1,"fr":1,"de":1}}; empty means the defaults in docs/synthetic.md.' },
  PCC_SYNTH_DEDUP_JACCARD: { schema: fraction, default: '0.9', doc: 'Estimated Jaccard similarity (MinHash over word 3-shingles) at or above which a synthetic case is rejected as a near-duplicate.' },
  PCC_SYNTH_LABEL_FIDELITY: { schema: bool, default: 'true', doc: 'Classify each synthetic case with the released model and flag those whose prediction disagrees with the intended intent.' },
  PCC_STRICT_ENV: { schema: bool, default: 'true', doc: 'Refuse unknown PCC_* variables (catches misspellings).' },
} satisfies Record<string, VarSpec>;

export type ConfigVar = keyof typeof CONFIG_DOCS;
type Raw = { [K in ConfigVar]: z.output<(typeof CONFIG_DOCS)[K]['schema']> };

export interface PccConfig {
  env: 'development' | 'production' | 'test';
  log: { level: 'error' | 'warn' | 'info' | 'debug'; json: boolean };
  kafka: { brokers: string[]; clientId: string; fastProduce: boolean };
  registry: { url: string };
  db: { url: string; poolMax: number };
  topics: {
    casesReal: string;
    casesSynthetic: string;
    predictions: string;
    dlq: string;
    alerts: string;
    partitions: number;
    smallPartitions: number;
  };
  processor: {
    groupId: string;
    transactionalId: string;
    instanceId: string;
    maxBatch: number;
    maxBodyChars: number;
    maxBodyBytes: number;
    futureSkewMs: number;
  };
  sink: { groupId: string; partitionsAheadDays: number; retentionDays: number; fastCopy: boolean };
  drift: {
    groupId: string;
    windowMs: number;
    latenessMs: number;
    lowConfidence: number;
    webhookUrl: string;
    minCases: number;
    referenceDays: number;
    referenceFile: string;
    thresholdsJson: string;
    sampleSize: number;
    permutations: number;
    checkpointMs: number;
    partitionIdleMs: number;
    pendingWindows: number;
    criticalPendingWindows: number;
    cooldownWindows: number;
    webhookQueue: number;
  };
  metrics: { port: number };
  gateway: { port: number; host: string; apiKeys: string; apiKeysFile: string; bodyLimitBytes: number; rateLimit: number; rateWindowMs: number; classifyTimeoutMs: number; publishTimeoutMs: number; group: string };
  model: { dir: string };
  synthetic: {
    backend: 'template' | 'openai';
    dailyAt: string;
    dailyCount: number;
    targetsJson: string;
    dedupJaccard: number;
    labelFidelity: boolean;
    llm: { baseUrl: string; model: string; apiKey: string; concurrency: number; timeoutMs: number; maxAttempts: number };
  };
  shutdownTimeoutMs: number;
}

/**
 * Reads and checks every PCC_* variable. Throws one ConfigError naming each bad variable.
 * `env` defaults to process.env; tests pass their own.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<PccConfig> {
  const problems: string[] = [];
  const raw: Partial<Record<ConfigVar, unknown>> = {};
  for (const [name, spec] of Object.entries(CONFIG_DOCS) as [ConfigVar, VarSpec][]) {
    const given = env[name];
    const value = given === undefined ? spec.default : given;
    const parsed = spec.schema.safeParse(value);
    if (parsed.success) raw[name] = parsed.data;
    else problems.push(`${name}=${JSON.stringify(given)}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  }
  if (raw.PCC_STRICT_ENV !== false) {
    for (const name of Object.keys(env)) {
      // PCC_TEST_* steer the test suite only.
      if (name.startsWith('PCC_') && !name.startsWith('PCC_TEST_') && !(name in CONFIG_DOCS) && !INFRA_ONLY_VARS.has(name)) {
        problems.push(`${name}: unknown variable (misspelt? see README.md's configuration table)`);
      }
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`, { variables: problems.map((p) => p.split(/[=:]/)[0]) });
  }
  const r = raw as Raw;
  return deepFreeze<PccConfig>({
    env: r.PCC_ENV,
    log: { level: r.PCC_LOG_LEVEL, json: r.PCC_ENV === 'production' },
    kafka: { brokers: r.PCC_KAFKA_BROKERS, clientId: r.PCC_KAFKA_CLIENT_ID, fastProduce: r.PCC_KAFKA_FAST_PRODUCE },
    registry: { url: r.PCC_REGISTRY_URL.replace(/\/+$/, '') },
    db: { url: r.PCC_DATABASE_URL, poolMax: r.PCC_DB_POOL_MAX },
    topics: {
      casesReal: r.PCC_TOPIC_CASES_REAL,
      casesSynthetic: r.PCC_TOPIC_CASES_SYNTHETIC,
      predictions: r.PCC_TOPIC_PREDICTIONS,
      dlq: r.PCC_TOPIC_DLQ,
      alerts: r.PCC_TOPIC_ALERTS,
      partitions: r.PCC_TOPIC_PARTITIONS,
      smallPartitions: r.PCC_TOPIC_SMALL_PARTITIONS,
    },
    processor: {
      groupId: r.PCC_PROCESSOR_GROUP,
      transactionalId: r.PCC_PROCESSOR_TRANSACTIONAL_ID,
      instanceId: r.PCC_PROCESSOR_INSTANCE,
      maxBatch: r.PCC_PROCESSOR_MAX_BATCH,
      maxBodyChars: r.PCC_MAX_BODY_CHARS,
      maxBodyBytes: r.PCC_MAX_BODY_BYTES,
      futureSkewMs: r.PCC_FUTURE_SKEW_MS,
    },
    sink: {
      groupId: r.PCC_SINK_GROUP,
      partitionsAheadDays: r.PCC_SINK_PARTITIONS_AHEAD_DAYS,
      retentionDays: r.PCC_RETENTION_DAYS,
      fastCopy: r.PCC_SINK_FAST_COPY,
    },
    drift: {
      groupId: r.PCC_DRIFT_GROUP,
      windowMs: r.PCC_DRIFT_WINDOW_MS,
      latenessMs: r.PCC_DRIFT_LATENESS_MS,
      lowConfidence: r.PCC_LOW_CONFIDENCE,
      webhookUrl: r.PCC_ALERT_WEBHOOK_URL,
      minCases: r.PCC_DRIFT_MIN_CASES,
      referenceDays: r.PCC_DRIFT_REFERENCE_DAYS,
      referenceFile: r.PCC_DRIFT_REFERENCE_FILE,
      thresholdsJson: r.PCC_DRIFT_THRESHOLDS,
      sampleSize: r.PCC_DRIFT_SAMPLE_SIZE,
      permutations: r.PCC_DRIFT_PERMUTATIONS,
      checkpointMs: r.PCC_DRIFT_CHECKPOINT_MS,
      partitionIdleMs: r.PCC_DRIFT_PARTITION_IDLE_MS,
      pendingWindows: r.PCC_ALERT_PENDING_WINDOWS,
      criticalPendingWindows: r.PCC_ALERT_CRITICAL_PENDING_WINDOWS,
      cooldownWindows: r.PCC_ALERT_COOLDOWN_WINDOWS,
      webhookQueue: r.PCC_ALERT_WEBHOOK_QUEUE,
    },
    metrics: { port: r.PCC_METRICS_PORT },
    gateway: {
      port: r.PCC_GATEWAY_PORT,
      host: r.PCC_GATEWAY_HOST,
      apiKeys: r.PCC_API_KEYS,
      apiKeysFile: r.PCC_API_KEYS_FILE,
      bodyLimitBytes: r.PCC_GATEWAY_BODY_LIMIT_BYTES,
      rateLimit: r.PCC_GATEWAY_RATE_LIMIT,
      rateWindowMs: r.PCC_GATEWAY_RATE_WINDOW_MS,
      classifyTimeoutMs: r.PCC_GATEWAY_CLASSIFY_TIMEOUT_MS,
      publishTimeoutMs: r.PCC_GATEWAY_PUBLISH_TIMEOUT_MS,
      group: r.PCC_GATEWAY_GROUP,
    },
    model: { dir: r.PCC_MODEL_DIR },
    synthetic: {
      backend: r.PCC_SYNTH_BACKEND,
      dailyAt: r.PCC_SYNTH_DAILY_AT,
      dailyCount: r.PCC_SYNTH_DAILY_COUNT,
      targetsJson: r.PCC_SYNTH_TARGETS,
      dedupJaccard: r.PCC_SYNTH_DEDUP_JACCARD,
      labelFidelity: r.PCC_SYNTH_LABEL_FIDELITY,
      llm: {
        baseUrl: r.PCC_LLM_BASE_URL.replace(/\/+$/, ''),
        model: r.PCC_LLM_MODEL,
        apiKey: r.PCC_LLM_API_KEY,
        concurrency: r.PCC_LLM_CONCURRENCY,
        timeoutMs: r.PCC_LLM_TIMEOUT_MS,
        maxAttempts: r.PCC_LLM_MAX_ATTEMPTS,
      },
    },
    shutdownTimeoutMs: r.PCC_SHUTDOWN_TIMEOUT_MS,
  });
}

/** Variables read only by infra/up.sh (ports, heaps); accepted here so strict mode does not refuse them. */
const INFRA_ONLY_VARS = new Set([
  'PCC_RUN_DIR', 'PCC_KAFKA_PORT', 'PCC_KAFKA_CONTROLLER_PORT', 'PCC_REGISTRY_PORT', 'PCC_PG_HOST', 'PCC_PG_PORT',
  'PCC_PG_USER', 'PCC_PG_DATABASE', 'PCC_REGISTRY_DB', 'PCC_REGISTRY_MGMT_PORT', 'PCC_KAFKA_HEAP', 'PCC_REGISTRY_HEAP', 'PCC_READY_TIMEOUT_S',
  'PCC_REGISTRY_JAVA',
]);

function deepFreeze<T>(o: T): Readonly<T> {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o as object)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
