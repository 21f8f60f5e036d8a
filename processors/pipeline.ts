/**
 * The processor's core for one batch of records: decode → validate → redact → embed and
 * classify (one model call for the batch) → Prediction values, and DeadLetter values for what
 * cannot be classified. No Kafka here: the runner owns offsets and transactions.
 *
 * Errors that are not about the record (registry down, model failure) are rethrown so that the
 * runner aborts the transaction and the batch is retried; only bad input becomes a dead letter.
 */
import { PccError, toPccError } from '../lib/errors';
import { isPrivacy, type Intent, type Source } from '../lib/taxonomy';
import type { SchemaName } from '../lib/codec';
import { excerpt, redact } from './redact';
import { slaDueAt, validateCase, withoutNul, type ValidationLimits, type ValidCase } from './validate';

export interface ClassifierResult {
  intent: Intent;
  confidence: number;
  probabilities: ArrayLike<number>;
  embedding: ArrayLike<number>;
}

/** What the processor needs of a model (ml/ implements it). */
export interface Classifier {
  version: string;
  classifyBatch(items: { subject?: string; body: string }[]): ClassifierResult[];
}

export interface InputRecord {
  topic: string;
  partition: number;
  offset: string;
  value: Buffer | null;
}

export interface PredictionValue {
  case_id: string;
  source: Source;
  intent: Intent;
  is_privacy: boolean;
  confidence: number;
  probabilities: number[];
  /** The model's embedding; a Float32Array view from the classifier goes to the encoder as it is (codec.encoderFor). */
  embedding: number[] | Float32Array;
  model_version: string;
  redacted_excerpt: string;
  pii_found: string[];
  warnings: string[];
  channel: string | null;
  language: string | null;
  jurisdiction: string | null;
  received_at: number;
  predicted_at: number;
  processing_ms: number;
  ground_truth_intent: string | null;
  batch_id: string | null;
  sla_due_at: number | null;
  source_partition: number;
  source_offset: number;
}

export interface DeadLetterValue {
  case_id: string | null;
  source: Source | null;
  source_topic: string;
  source_partition: number;
  source_offset: number;
  reason_code: string;
  reason: string;
  failed_at: number;
  payload: Buffer | null;
  payload_redacted: boolean;
}

export const STAGES = ['decode', 'validate', 'redact', 'classify', 'produce'] as const;
export type Stage = (typeof STAGES)[number];

export interface BatchOutcome {
  predictions: PredictionValue[];
  deadLetters: DeadLetterValue[];
  /** Milliseconds of CPU-bound work per stage for the whole batch (wall time; the stages do not wait on I/O except decode's first schema fetch). */
  stageMs: Record<Stage, number>;
}

export interface PipelineDeps {
  decode: (buf: Buffer | null, expected: SchemaName) => Promise<{ value: Record<string, unknown> }>;
  classifier: Classifier;
  limits: ValidationLimits;
  /** topic → source and expected schema, from the config. */
  topics: Record<string, { source: Source; schema: SchemaName }>;
  now: () => number;
}

/** Raw bytes kept in a dead letter when a record cannot be decoded: enough to inspect, never unbounded. */
const MAX_RAW_PAYLOAD_BYTES = 64 * 1024;
/** Body characters kept (redacted) in a dead letter of a decoded case. */
const MAX_DLQ_BODY_CHARS = 10_000;
const EXCERPT_CHARS = 280;

/** A plain array of the values (the Avro writer wants one); a loop, as Array.from on a typed array is slow. */
function toNumberArray(a: ArrayLike<number>): number[] {
  if (Array.isArray(a)) return a;
  const out = new Array<number>(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i];
  return out;
}

function hr(): number {
  return performance.now();
}

export async function processBatch(records: InputRecord[], deps: PipelineDeps): Promise<BatchOutcome> {
  const t0 = hr();
  const stageMs: Record<Stage, number> = { decode: 0, validate: 0, redact: 0, classify: 0, produce: 0 };
  const deadLetters: DeadLetterValue[] = [];
  const valid: { rec: InputRecord; c: ValidCase; redacted: ReturnType<typeof redact> }[] = [];

  const dead = (rec: InputRecord, err: PccError, source: Source | null, caseId: string | null, payload: Buffer | null, redacted: boolean) => {
    deadLetters.push({
      case_id: caseId,
      source,
      source_topic: rec.topic,
      source_partition: rec.partition,
      source_offset: Number(rec.offset),
      reason_code: err.code,
      reason: err.message,
      failed_at: deps.now(),
      payload,
      payload_redacted: redacted,
    });
  };

  for (const rec of records) {
    const route = deps.topics[rec.topic];
    if (!route) throw new PccError('PCC_INTERNAL', `record from unexpected topic ${rec.topic}`);
    let t = hr();
    let raw: Record<string, unknown>;
    try {
      raw = (await deps.decode(rec.value, route.schema)).value;
    } catch (err) {
      const e = toPccError(err);
      if (e.retriable || !e.code.startsWith('PCC_DECODE_')) throw e;
      dead(rec, e, route.source, null, rec.value ? rec.value.subarray(0, MAX_RAW_PAYLOAD_BYTES) : null, false);
      stageMs.decode += hr() - t;
      continue;
    }
    stageMs.decode += hr() - t;

    t = hr();
    let c: ValidCase;
    const nul = withoutNul(raw);
    raw = nul.value;
    try {
      c = validateCase(raw, route.source, deps.now(), deps.limits);
      if (nul.removed) c.warnings.push('PCC_WARN_NUL_REMOVED');
    } catch (err) {
      const e = toPccError(err);
      if (e.code === 'PCC_INTERNAL') throw e;
      stageMs.validate += hr() - t;
      const tr = hr();
      dead(rec, e, route.source, typeof raw.case_id === 'string' ? raw.case_id : null, redactedJson(raw), true);
      stageMs.redact += hr() - tr;
      continue;
    }
    stageMs.validate += hr() - t;

    t = hr();
    const redacted = redact(c.subject ? `${c.subject}\n${c.body}` : c.body);
    stageMs.redact += hr() - t;
    valid.push({ rec, c, redacted });
  }

  let t = hr();
  let results: ClassifierResult[] = [];
  if (valid.length > 0) {
    try {
      results = deps.classifier.classifyBatch(valid.map(({ c }) => ({ subject: c.subject ?? undefined, body: c.body })));
    } catch (err) {
      throw new PccError('PCC_CLASSIFY_FAILED', `model failed on a batch of ${valid.length}: ${(err as Error).message}`, {}, { cause: err });
    }
    if (results.length !== valid.length) throw new PccError('PCC_CLASSIFY_FAILED', `model returned ${results.length} results for ${valid.length} cases`);
  }
  stageMs.classify += hr() - t;

  t = hr();
  const predictedAt = deps.now();
  const processingMs = hr() - t0;
  const predictions: PredictionValue[] = valid.map(({ rec, c, redacted }, i) => {
    const r = results[i];
    const privacy = isPrivacy(r.intent);
    return {
      case_id: c.case_id,
      source: c.source,
      intent: r.intent,
      is_privacy: privacy,
      confidence: r.confidence,
      probabilities: toNumberArray(r.probabilities),
      embedding: r.embedding instanceof Float32Array ? r.embedding : toNumberArray(r.embedding),
      model_version: deps.classifier.version,
      redacted_excerpt: excerpt(redacted.text, EXCERPT_CHARS),
      pii_found: redacted.found,
      warnings: c.warnings,
      channel: c.channel,
      language: c.language,
      jurisdiction: c.jurisdiction,
      received_at: c.received_at,
      predicted_at: predictedAt,
      processing_ms: processingMs,
      ground_truth_intent: c.ground_truth_intent,
      batch_id: c.batch_id,
      sla_due_at: privacy ? slaDueAt(c.received_at, c.jurisdiction) : null,
      source_partition: rec.partition,
      source_offset: Number(rec.offset),
    };
  });
  stageMs.produce += hr() - t;
  return { predictions, deadLetters, stageMs };
}

/** A decoded but invalid case, as JSON with its free text redacted and bounded. */
function redactedJson(raw: Record<string, unknown>): Buffer {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(raw)) {
    if (typeof v === 'string' && (k === 'body' || k === 'subject' || k === 'customer_ref')) {
      const r = redact(v.length > MAX_DLQ_BODY_CHARS ? v.slice(0, MAX_DLQ_BODY_CHARS) : v).text;
      out[k] = v.length > MAX_DLQ_BODY_CHARS ? `${r}… [${v.length - MAX_DLQ_BODY_CHARS} more characters not kept]` : r;
    } else out[k] = v;
  }
  return Buffer.from(JSON.stringify(out), 'utf8');
}
