/**
 * GET /openapi.json: the OpenAPI 3.1 document of every route in ROUTES, with request and
 * response schemas generated from the zod objects the code itself parses with
 * (gateway/schemas.ts). OpenAPI 3.1 uses JSON Schema 2020-12, which is what zod emits.
 */
import { z, type ZodType } from 'zod';
import * as S from './schemas';

const pkg = require('../package.json') as { version: string };

function schema(t: ZodType, io: 'input' | 'output' = 'output'): Record<string, unknown> {
  const s = z.toJSONSchema(t, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete s.$schema;
  return s;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const jsonContent = (s: unknown) => ({ 'application/json': { schema: s } });
const err = (description: string) => ({ description, content: jsonContent(ref('Error')) });

const auth = { 401: err('No API key, or an unknown one (PCC_HTTP_UNAUTHORIZED).'), 403: err('The key\'s role does not allow this route (PCC_HTTP_FORBIDDEN).'), 429: err('Rate limit for this key (PCC_HTTP_RATE_LIMITED); see Retry-After.') };
const bodyErrors = {
  400: err('Malformed JSON (PCC_HTTP_BAD_JSON), a body that does not match the schema (PCC_HTTP_VALIDATION, with details), an empty body text, a syn- id, or more than 500 cases (PCC_HTTP_BATCH_TOO_LARGE).'),
  413: err('The request body is larger than PCC_GATEWAY_BODY_LIMIT_BYTES (PCC_HTTP_PAYLOAD_TOO_LARGE), or a case body is larger than PCC_MAX_BODY_BYTES.'),
  415: err('The body is not application/json (PCC_HTTP_UNSUPPORTED_MEDIA).'),
  503: err('Kafka did not acknowledge within PCC_GATEWAY_PUBLISH_TIMEOUT_MS (PCC_KAFKA_UNAVAILABLE); resend with the same case_id after Retry-After seconds.'),
};
const queryError = { 400: err('A query parameter is not valid (PCC_HTTP_VALIDATION).'), 503: err('Postgres is not reachable (PCC_DB_UNAVAILABLE); retry after Retry-After seconds.') };
const security = (roles: readonly string[]) => ({ security: [{ bearer: [] }, { apiKey: [] }], 'x-pcc-roles': [...roles, 'admin'].filter((r, i, a) => a.indexOf(r) === i) });
const idParam = (description: string) => ({ name: 'id', in: 'path', required: true, description, schema: { type: 'string', pattern: S.CASE_ID_PATTERN } });
const daysParam = { name: 'days', in: 'query', required: false, description: 'Days of the rolling window (1-7).', schema: { type: 'integer', minimum: 1, maximum: 7, default: 7 } };
const sourceParam = { name: 'source', in: 'query', required: false, description: 'real or synthetic; both side by side when absent.', schema: { type: 'string', enum: ['real', 'synthetic'] } };

export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'PCC gateway',
      version: pkg.version,
      description: 'REST gateway of PCC, the Privacy Case Classifier: send cases, classify one synchronously, trace a case, and read the rolling 7-day monitoring window. Errors are always {statusCode, code, error, message}; codes are listed in docs/errors.md.',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <key>' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
      schemas: {
        Error: schema(S.ErrorResponse),
        CaseInput: schema(S.CaseInput, 'input'),
        CasesRequest: schema(S.CasesRequest, 'input'),
        Accepted: schema(S.AcceptedResponse),
        Classification: schema(S.ClassifyResponse),
        Prediction: schema(S.PredictionResponse),
        Audit: schema(S.AuditResponse),
        Summary: schema(S.SummaryResponse),
        Drift: schema(S.DriftResponse),
        Alerts: schema(S.AlertsResponse),
        Health: schema(S.HealthResponse),
        Ready: schema(S.ReadyResponse),
        BatchRequest: schema(S.BatchRequest, 'input'),
        BatchStarted: schema(S.BatchStarted),
        Batch: schema(S.BatchView),
        BatchList: schema(S.BatchList),
      },
    },
    paths: {
      '/healthz': { get: { summary: 'The process is alive.', responses: { 200: { description: 'Alive.', content: jsonContent(ref('Health')) } } } },
      '/readyz': {
        get: {
          summary: 'Kafka, the schema registry, Postgres and the reply consumer are reachable.',
          responses: { 200: { description: 'Ready.', content: jsonContent(ref('Ready')) }, 503: { description: 'Not ready; checks say which part.', content: jsonContent(ref('Ready')) } },
        },
      },
      '/metrics': { get: { summary: 'Prometheus metrics: request counts and latency histograms by route and status.', responses: { 200: { description: 'Prometheus text format.', content: { 'text/plain': { schema: { type: 'string' } } } } } } },
      '/openapi.json': { get: { summary: 'This document.', responses: { 200: { description: 'OpenAPI 3.1.', content: jsonContent({ type: 'object' }) } } } },
      '/v1/cases': {
        post: {
          summary: 'Send one case, an array of cases or {"cases": [...]} (up to 500); published to pcc.cases.real.v1.',
          ...security(['ingest']),
          requestBody: { required: true, content: jsonContent(ref('CasesRequest')) },
          responses: { 202: { description: 'Published; the ids to poll.', content: jsonContent(ref('Accepted')) }, ...bodyErrors, ...auth },
        },
      },
      '/v1/classify': {
        post: {
          summary: 'Classify one case: it is published like any other and the answer is the prediction the processor produces.',
          ...security(['ingest']),
          requestBody: { required: true, content: jsonContent(ref('CaseInput')) },
          responses: {
            200: { description: 'The prediction.', content: jsonContent(ref('Classification')) },
            ...bodyErrors,
            422: err('The processor dead-lettered the case; details name the reason code.'),
            504: err('No prediction within PCC_GATEWAY_CLASSIFY_TIMEOUT_MS (PCC_HTTP_TIMEOUT); case_id says what to poll.'),
            ...auth,
          },
        },
      },
      '/v1/cases/{id}/prediction': {
        get: {
          summary: 'The stored prediction of a case.',
          ...security(['read']),
          parameters: [idParam('Case id.')],
          responses: { 200: { description: 'The prediction.', content: jsonContent(ref('Prediction')) }, 400: err('Not a possible case id.'), 404: err('No prediction stored (yet).'), ...auth },
        },
      },
      '/v1/cases/{id}/audit': {
        get: {
          summary: 'The audit trail of a case: received, validated, predicted, stored, model version, dead-lettered and why.',
          ...security(['read']),
          parameters: [idParam('Case id.')],
          responses: { 200: { description: 'The trail, oldest event first.', content: jsonContent(ref('Audit')) }, 400: err('Not a possible case id.'), 404: err('No record of the case (yet).'), ...auth },
        },
      },
      '/v1/monitoring/summary': {
        get: {
          summary: 'Per day and source: volume, intent mix, confidence, low-confidence share, dead-letter and warning rates, latency; plus consumer lag.',
          ...security(['read']),
          parameters: [daysParam, sourceParam],
          responses: { 200: { description: 'The window.', content: jsonContent(ref('Summary')) }, ...queryError, ...auth },
        },
      },
      '/v1/monitoring/drift': {
        get: {
          summary: 'Latest value of every drift metric and the per-window series of the overall ones, with thresholds.',
          ...security(['read']),
          parameters: [daysParam, sourceParam, { name: 'metric', in: 'query', required: false, schema: { type: 'string', pattern: '^[a-z0-9_]{1,64}$' } }],
          responses: { 200: { description: 'Drift metrics.', content: jsonContent(ref('Drift')) }, ...queryError, ...auth },
        },
      },
      '/v1/monitoring/alerts': {
        get: {
          summary: 'Alerts: every firing one, and those fired in the last 7 days.',
          ...security(['read']),
          parameters: [
            { name: 'status', in: 'query', required: false, schema: { type: 'string', enum: ['firing', 'resolved'] } },
            sourceParam,
            { name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
          ],
          responses: { 200: { description: 'Alerts, firing first, newest first.', content: jsonContent(ref('Alerts')) }, ...queryError, ...auth },
        },
      },
      '/v1/synthetic/batches': {
        post: {
          summary: 'Start a synthetic generation (template or openai backend); published to pcc.cases.synthetic.v1 when done unless publish is false.',
          ...security(['admin']),
          requestBody: { required: true, content: jsonContent(ref('BatchRequest')) },
          responses: { 202: { description: 'Started; poll href.', content: jsonContent(ref('BatchStarted')) }, ...bodyErrors, 503: err('Synthetic generation is not configured.'), ...auth },
        },
        get: {
          summary: 'Synthetic batches, newest first, with their metadata and achieved quality metrics.',
          ...security(['admin']),
          parameters: [{ name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } }],
          responses: { 200: { description: 'Batches.', content: jsonContent(ref('BatchList')) }, ...queryError, ...auth },
        },
      },
      '/v1/synthetic/batches/{id}': {
        get: {
          summary: 'One synthetic batch with its publications.',
          ...security(['admin']),
          parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
          responses: { 200: { description: 'The batch.', content: jsonContent(ref('Batch')) }, 400: err('Not a batch id.'), 404: err('No such batch (PCC_BATCH_NOT_FOUND).'), ...auth },
        },
      },
      '/dashboard': {
        get: {
          summary: 'The monitoring dashboard (HTML) for the rolling 7-day window, real and synthetic side by side. A link may carry the read key as ?key=.',
          ...security(['read']),
          parameters: [{ name: 'key', in: 'query', required: false, schema: { type: 'string' } }],
          responses: { 200: { description: 'The page.', content: { 'text/html': { schema: { type: 'string' } } } }, ...auth },
        },
      },
    },
  };
}
