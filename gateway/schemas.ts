/**
 * Request and response schemas of the gateway, in zod. Requests are parsed with them (strict:
 * an unknown field is an error, not silently dropped); /openapi.json is generated from the same
 * objects, so the document cannot disagree with what the code accepts and answers.
 */
import { z } from 'zod';
import { CHANNELS, INTENTS, SOURCES } from '../lib/taxonomy';

export const MAX_BATCH = 500;
/** Case ids a client may choose: what a ticket system uses, nothing that needs escaping. */
export const CASE_ID_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._:@-]{0,199}$';
const caseId = z.string().regex(new RegExp(CASE_ID_PATTERN), 'case_id: 1-200 characters of A-Z a-z 0-9 . _ : @ -, starting with a letter or digit');

export const CaseInput = z
  .strictObject({
    case_id: caseId.optional().describe('Your id for the case; generated (UUID) when absent. Ids starting syn- are reserved for synthetic cases.'),
    received_at: z.union([z.string().max(40), z.number().int().positive()]).optional().describe('When the case reached you: ISO 8601 or epoch milliseconds; now when absent.'),
    channel: z.enum(CHANNELS).optional().describe('Support channel; ticket when absent.'),
    language: z.string().max(35).nullable().optional(),
    subject: z.string().max(2000).nullable().optional(),
    body: z.string().optional().describe('The customer\'s text (or send it as `text`).'),
    text: z.string().optional().describe('Alias of body.'),
    customer_ref: z.string().max(200).nullable().optional().describe('Pseudonymous customer reference; never an e-mail address or a name.'),
    jurisdiction: z.string().max(16).nullable().optional().describe('GDPR (30-day deadline) or CCPA (45 days); GDPR when absent.'),
    metadata: z.record(z.string().max(100), z.string().max(1000)).optional().describe('String attributes from your system (ticket number, queue).'),
  })
  .describe('A support case.');
export type CaseInput = z.infer<typeof CaseInput>;

export const CasesRequest = z.union([
  CaseInput,
  z.array(CaseInput).min(1).max(MAX_BATCH),
  z.strictObject({ cases: z.array(CaseInput).min(1).max(MAX_BATCH) }),
]);

export const Probabilities = z.record(z.enum(INTENTS), z.number().min(0).max(1));

export const AcceptedResponse = z.strictObject({
  accepted: z.number().int(),
  case_ids: z.array(z.string()),
  topic: z.string(),
});

export const ClassifyResponse = z.strictObject({
  case_id: z.string(),
  intent: z.enum(INTENTS),
  is_privacy: z.boolean(),
  confidence: z.number().min(0).max(1),
  probabilities: Probabilities,
  model_version: z.string(),
  pii_found: z.array(z.string()),
  warnings: z.array(z.string()),
  sla_due_at: z.string().nullable(),
  received_at: z.string(),
  predicted_at: z.string(),
});

export const PredictionResponse = ClassifyResponse.extend({
  source: z.enum(SOURCES),
  stored_at: z.string(),
  channel: z.string().nullable(),
  language: z.string().nullable(),
  jurisdiction: z.string().nullable(),
  redacted_excerpt: z.string(),
  processing_ms: z.number(),
  batch_id: z.string().nullable(),
  ground_truth_intent: z.enum(INTENTS).nullable(),
});

export const AuditEvent = z.strictObject({
  event: z.enum(['received', 'validated', 'predicted', 'stored', 'dead_lettered', 'replayed']),
  at: z.string().nullable(),
  detail: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null(), z.array(z.string())])),
});

export const AuditResponse = z.strictObject({
  case_id: z.string(),
  source: z.enum(SOURCES).nullable(),
  model_version: z.string().nullable(),
  intent: z.enum(INTENTS).nullable(),
  dead_lettered: z.boolean(),
  dead_letter_reason_code: z.string().nullable(),
  dead_letter_reason: z.string().nullable(),
  events: z.array(AuditEvent),
});

const nullableNumber = z.number().nullable();

export const DaySummary = z.strictObject({
  day: z.string(),
  predictions: z.number().int(),
  privacy_predictions: z.number().int(),
  mean_confidence: nullableNumber,
  low_confidence_share: nullableNumber,
  dead_letters: z.number().int(),
  dead_letter_rate: nullableNumber,
  warning_rate: nullableNumber,
  p50_latency_ms: nullableNumber,
  p95_latency_ms: nullableNumber,
  accuracy: nullableNumber.describe('Synthetic only: share of predictions equal to the known intent; null for real traffic.'),
  intent_mix: z.record(z.string(), z.number().int()),
});

export const SourceSummary = z.strictObject({
  totals: z.strictObject({
    predictions: z.number().int(),
    privacy_predictions: z.number().int(),
    mean_confidence: nullableNumber,
    low_confidence_share: nullableNumber,
    dead_letters: z.number().int(),
    dead_letter_rate: nullableNumber,
    accuracy: nullableNumber.describe('Synthetic only: share of predictions equal to the known intent; null for real traffic.'),
    intent_mix: z.record(z.string(), z.number().int()),
    confidence_histogram: z.array(z.strictObject({ lower: z.number(), upper: z.number(), predictions: z.number().int() })),
    dead_letter_reasons: z.record(z.string(), z.number().int()),
  }),
  days: z.array(DaySummary),
});

export const SummaryResponse = z.strictObject({
  window: z.strictObject({ days: z.number().int(), from: z.string(), to: z.string() }),
  low_confidence_threshold: z.number(),
  sources: z.record(z.enum(SOURCES), SourceSummary),
  lag: z.record(z.string(), z.number().int().nullable()),
});

export const DriftPoint = z.strictObject({
  window_start: z.string(),
  window_end: z.string(),
  value: nullableNumber,
  threshold: nullableNumber,
  status: z.string(),
});

export const DriftResponse = z.strictObject({
  window: z.strictObject({ days: z.number().int(), from: z.string(), to: z.string() }),
  latest: z.array(
    z.strictObject({
      source: z.enum(SOURCES),
      metric: z.string(),
      segment: z.string(),
      value: nullableNumber,
      threshold: nullableNumber,
      status: z.string(),
      window_start: z.string(),
      window_end: z.string(),
      sample_size: z.number().int(),
    }),
  ),
  series: z.array(z.strictObject({ source: z.enum(SOURCES), metric: z.string(), points: z.array(DriftPoint) })),
});

export const Alert = z.strictObject({
  alert_id: z.string(),
  fingerprint: z.string(),
  kind: z.string(),
  severity: z.enum(['warning', 'critical']),
  status: z.enum(['firing', 'resolved']),
  metric: z.string(),
  value: z.number(),
  threshold: z.number(),
  source: z.enum(SOURCES),
  window_start: z.string(),
  window_end: z.string(),
  fired_at: z.string(),
  resolved_at: z.string().nullable(),
  details: z.unknown(),
});

export const AlertsResponse = z.strictObject({ alerts: z.array(Alert) });

export const HealthResponse = z.strictObject({ status: z.enum(['ok']) });
export const ReadyResponse = z.strictObject({
  status: z.enum(['ready', 'not_ready']),
  checks: z.record(z.string(), z.strictObject({ ok: z.boolean(), ms: z.number(), error: z.string().optional() })),
});

export const ErrorResponse = z.object({
  statusCode: z.number().int(),
  code: z.string(),
  error: z.string(),
  message: z.string(),
  details: z.array(z.unknown()).optional(),
  case_id: z.string().optional(),
});

export const DaysQuery = z.coerce.number().int().min(1).max(7).default(7);
export const SourceQuery = z.enum(SOURCES).optional();

export const SummaryQuery = z.strictObject({ days: DaysQuery, source: SourceQuery });
export const DriftQuery = z.strictObject({ days: DaysQuery, source: SourceQuery, metric: z.string().regex(/^[a-z0-9_]{1,64}$/).optional() });
export const AlertsQuery = z.strictObject({
  status: z.enum(['firing', 'resolved']).optional(),
  source: SourceQuery,
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const BatchRequest = z.strictObject({
  count: z.number().int().min(1).max(100_000),
  backend: z.enum(['template', 'openai']).optional(),
  seed: z.number().int().min(0).max(0xffffffff).optional(),
  publish: z.boolean().optional().default(true),
});
export const BatchStarted = z.strictObject({ batch_id: z.string(), status: z.string(), href: z.string() });
export const BatchView = z.record(z.string(), z.unknown());
export const BatchList = z.strictObject({ batches: z.array(BatchView) });
