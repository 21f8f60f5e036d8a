/**
 * The REST gateway as an Express app factory. It is thin: it publishes cases to Kafka and reads
 * Postgres; the model runs in the processors, so a case sent here takes the same path and is
 * logged the same way as any other. Everything it talks to comes in through `deps`, so tests
 * build it over the real services with their own topics and database.
 *
 * Order of the guards on a protected route: API key (401), role (403), rate limit per key
 * (429), content type (415), body size and JSON (413, 400), schema (400). Errors always have the
 * shape of gateway/errors.ts; no route logs a case body or a query string.
 */
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { rateLimit } from 'express-rate-limit';
import helmet from 'helmet';
import type pg from 'pg';
import client from 'prom-client';
import type { z, ZodType } from 'zod';
import type { PccConfig } from '../lib/config';
import { PccError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { withTimeout } from '../lib/retry';
import { parseTime, type CaseValue } from '../producers/real/jsonl';
import { requireRole, type KeyStore, type Role } from './auth';
import { errorHandler, HttpError, sendError } from './errors';
import { openApiDocument } from './openapi';
import { caseAudit, driftOverview, findPrediction, iso, listAlerts, monitoringSummary, probabilityMap } from './queries';
import type { Reply, ReplyListener } from './replies';
import { AlertsQuery, BatchRequest, CaseInput, CASE_ID_PATTERN, ClassifyResponse, DriftQuery, MAX_BATCH, SummaryQuery } from './schemas';
import type { SyntheticServiceDeps } from '../producers/synthetic/service';

export interface ReadyCheck {
  ok: boolean;
  ms: number;
  error?: string;
}

export interface GatewayDeps {
  config: Readonly<PccConfig>;
  logger: Logger;
  pool: pg.Pool;
  metrics: client.Registry;
  keys: KeyStore;
  /** Publishes real cases to pcc.cases.real.v1 (idempotent producer, acks=all). */
  publish(cases: CaseValue[]): Promise<void>;
  replies: Pick<ReplyListener, 'expect' | 'ready'>;
  /** Kafka, registry and Postgres reachability. */
  ready(): Promise<Record<string, ReadyCheck>>;
  /** Consumer lag per group (records), for the monitoring summary; null when unknown. */
  lag?(): Promise<Record<string, number | null>>;
  /** Synthetic generation for the admin routes; absent disables them (503). */
  synthetic?: SyntheticServiceDeps;
  now?: () => number;
}

/** Every route the gateway serves, with who may call it: the role matrix and /openapi.json read this. */
export const ROUTES = [
  { method: 'get', path: '/healthz', roles: 'public' },
  { method: 'get', path: '/readyz', roles: 'public' },
  { method: 'get', path: '/metrics', roles: 'public' },
  { method: 'get', path: '/openapi.json', roles: 'public' },
  { method: 'post', path: '/v1/cases', roles: ['ingest'] },
  { method: 'post', path: '/v1/classify', roles: ['ingest'] },
  { method: 'get', path: '/v1/cases/{id}/prediction', roles: ['read'] },
  { method: 'get', path: '/v1/cases/{id}/audit', roles: ['read'] },
  { method: 'get', path: '/v1/monitoring/summary', roles: ['read'] },
  { method: 'get', path: '/v1/monitoring/drift', roles: ['read'] },
  { method: 'get', path: '/v1/monitoring/alerts', roles: ['read'] },
  { method: 'post', path: '/v1/synthetic/batches', roles: ['admin'] },
  { method: 'get', path: '/v1/synthetic/batches', roles: ['admin'] },
  { method: 'get', path: '/v1/synthetic/batches/{id}', roles: ['admin'] },
  { method: 'get', path: '/dashboard', roles: ['read'] },
] as const satisfies readonly { method: 'get' | 'post'; path: string; roles: 'public' | readonly Role[] }[];

const DASHBOARD_DIR = path.join(__dirname, 'dashboard');
// chart.js's package exports do not list its UMD build; resolve the package and take the file beside it.
const CHART_JS = path.join(path.dirname(require.resolve('chart.js')), 'chart.umd.min.js');

function zodDetails(issues: readonly { path: PropertyKey[]; message: string; code: string }[], prefix: (string | number)[] = []) {
  return issues.slice(0, 20).map((i) => ({ path: [...prefix, ...i.path.map((p) => (typeof p === 'symbol' ? String(p) : p))].join('.'), code: i.code, message: i.message }));
}

function parseOr400<T>(schema: ZodType<T>, input: unknown, what: string, prefix: (string | number)[] = []): T {
  const r = schema.safeParse(input);
  if (!r.success) {
    throw new HttpError('PCC_HTTP_VALIDATION', `${what} does not match the API schema: ${r.error.issues[0]?.message ?? 'invalid'}`, { details: zodDetails(r.error.issues, prefix) });
  }
  return r.data;
}

function httpMetrics(registry: client.Registry) {
  const get = <T>(name: string, make: () => T): T => (registry.getSingleMetric(name) as T) ?? make();
  return {
    requests: get('pcc_http_requests_total', () => new client.Counter({ name: 'pcc_http_requests_total', help: 'Gateway requests by method, route and status.', labelNames: ['method', 'route', 'status'], registers: [registry] })),
    duration: get(
      'pcc_http_request_duration_seconds',
      () => new client.Histogram({ name: 'pcc_http_request_duration_seconds', help: 'Gateway request latency by method, route and status.', labelNames: ['method', 'route', 'status'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10], registers: [registry] }),
    ),
    casesAccepted: get('pcc_gateway_cases_accepted_total', () => new client.Counter({ name: 'pcc_gateway_cases_accepted_total', help: 'Cases the gateway published to the real case topic, by route.', labelNames: ['route'], registers: [registry] })),
    classify: get('pcc_gateway_classify_total', () => new client.Counter({ name: 'pcc_gateway_classify_total', help: 'POST /v1/classify outcomes (prediction, dead_letter, timeout).', labelNames: ['outcome'], registers: [registry] })),
  };
}

export function buildApp(deps: GatewayDeps) {
  const { config, logger, pool, keys } = deps;
  const g = config.gateway;
  const now = deps.now ?? Date.now;
  const log = logger.child({ component: 'gateway' });
  const m = httpMetrics(deps.metrics);
  const app = express();
  const inflight = new Set<Promise<void>>();
  app.locals.inflight = inflight;
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', false);

  app.use(
    helmet({
      contentSecurityPolicy: { directives: { 'script-src': ["'self'"], 'connect-src': ["'self'"], 'img-src': ["'self'", 'data:'], 'upgrade-insecure-requests': null } },
      crossOriginEmbedderPolicy: false,
    }),
  );

  // Metrics and a log line per request: method, route template, status, time, key id. Never the
  // URL's query (a dashboard link carries its key there) and never a body.
  app.use((req, res, next) => {
    const start = process.hrtime.bigint();
    res.on('finish', () => {
      const route = req.route ? `${req.baseUrl}${(req.route.path as string).replace(/:(\w+)/g, '{$1}')}` : 'unmatched';
      const status = String(res.statusCode);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      m.requests.inc({ method: req.method, route, status });
      m.duration.observe({ method: req.method, route, status }, seconds);
      const level = res.statusCode >= 500 ? 'warn' : 'debug';
      log.log(level, 'request', { method: req.method, route, status: res.statusCode, ms: Math.round(seconds * 1e4) / 10, key_id: req.principal?.keyId });
    });
    next();
  });

  const limiter = rateLimit({
    windowMs: g.rateWindowMs,
    limit: g.rateLimit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    keyGenerator: (req) => req.principal?.keyId ?? 'anonymous',
    skip: (req) => !req.principal,
    handler: (req, res) => {
      const reset = (req as Request & { rateLimit?: { resetTime?: Date } }).rateLimit?.resetTime?.getTime() ?? now() + g.rateWindowMs;
      res.setHeader('Retry-After', String(Math.max(1, Math.ceil((reset - now()) / 1000))));
      sendError(res, 429, 'PCC_HTTP_RATE_LIMITED', `more than ${g.rateLimit} requests in ${g.rateWindowMs / 1000} s for this API key`);
    },
  });
  const guard = (roles: Role[], opts: { allowQueryKey?: boolean } = {}): RequestHandler[] => [requireRole(keys, roles, opts), limiter];

  const json: RequestHandler[] = [
    (req, _res, next) => {
      if (!req.is('application/json')) return next(new HttpError('PCC_HTTP_UNSUPPORTED_MEDIA', 'send the body as application/json'));
      next();
    },
    express.json({ limit: g.bodyLimitBytes, strict: false, type: 'application/json' }),
  ];

  // --- Health, metrics, the API document (no key) ---
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const checks = await deps.ready();
    checks.replies = { ok: deps.replies.ready(), ms: 0, ...(deps.replies.ready() ? {} : { error: 'reply consumer has not joined its group' }) };
    const ok = Object.values(checks).every((c) => c.ok);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not_ready', checks });
  });
  app.get('/metrics', async (_req, res) => {
    res.type(deps.metrics.contentType).send(await deps.metrics.metrics());
  });
  const doc = openApiDocument();
  app.get('/openapi.json', (_req, res) => {
    res.json(doc);
  });

  // --- Ingest ---
  // The idempotent producer retries until Kafka is back; a client gets a 503 after
  // PCC_GATEWAY_PUBLISH_TIMEOUT_MS instead of a request that hangs. The send may still land:
  // resending with the same case_id is safe (the sink keeps one row per case id).
  async function publish(cases: CaseValue[]): Promise<void> {
    const sent = deps.publish(cases);
    sent.catch(() => undefined);
    try {
      await withTimeout(sent, g.publishTimeoutMs, () => {
        throw new PccError('PCC_KAFKA_UNAVAILABLE', `Kafka did not acknowledge the cases within ${g.publishTimeoutMs} ms`);
      });
    } catch (err) {
      throw err instanceof PccError ? err : new PccError('PCC_KAFKA_UNAVAILABLE', 'Kafka refused the cases', {}, { cause: err });
    }
  }

  function toCase(input: CaseInput, index: number | null): CaseValue {
    const at = index === null ? '' : `cases.${index}: `;
    const bad = (code: 'PCC_HTTP_VALIDATION' | 'PCC_VALIDATION_EMPTY_BODY' | 'PCC_VALIDATION_BODY_TOO_LARGE' | 'PCC_SYNTHETIC_ON_REAL_TOPIC' | 'PCC_VALIDATION_BAD_TIMESTAMP', message: string) =>
      new HttpError(code, `${at}${message}`, { details: [{ path: `${index === null ? '' : `cases.${index}.`}${code === 'PCC_SYNTHETIC_ON_REAL_TOPIC' ? 'case_id' : 'body'}`, code, message }] });
    if (input.body !== undefined && input.text !== undefined) throw bad('PCC_HTTP_VALIDATION', 'send the text as body or as text, not both');
    const body = input.body ?? input.text;
    if (body === undefined) throw bad('PCC_HTTP_VALIDATION', 'body (or text) is required');
    if (body.trim() === '') throw bad('PCC_VALIDATION_EMPTY_BODY', 'body is empty');
    if (Buffer.byteLength(body, 'utf8') > config.processor.maxBodyBytes) throw bad('PCC_VALIDATION_BODY_TOO_LARGE', `body is over ${config.processor.maxBodyBytes} bytes`);
    if (input.case_id?.startsWith('syn-')) throw bad('PCC_SYNTHETIC_ON_REAL_TOPIC', 'case ids starting syn- are reserved for synthetic cases');
    let receivedAt: number;
    try {
      receivedAt = parseTime(input.received_at, now());
    } catch {
      throw bad('PCC_VALIDATION_BAD_TIMESTAMP', 'received_at is not an ISO 8601 time or epoch milliseconds');
    }
    return {
      case_id: input.case_id ?? randomUUID(),
      received_at: receivedAt,
      channel: input.channel ?? 'ticket',
      language: input.language ?? null,
      subject: input.subject ?? null,
      body,
      customer_ref: input.customer_ref ?? null,
      jurisdiction: input.jurisdiction ?? null,
      metadata: input.metadata ?? {},
    };
  }

  function parseCases(body: unknown): CaseValue[] {
    let list: unknown[];
    let batch = true;
    if (Array.isArray(body)) list = body;
    else if (body && typeof body === 'object' && 'cases' in body) {
      const keys = Object.keys(body);
      if (keys.length !== 1) throw new HttpError('PCC_HTTP_VALIDATION', 'a batch is {"cases": [...]} with no other field', { details: [{ path: keys.filter((k) => k !== 'cases').join(','), code: 'unrecognized_keys', message: 'unknown field' }] });
      const cases = (body as { cases: unknown }).cases;
      if (!Array.isArray(cases)) throw new HttpError('PCC_HTTP_VALIDATION', 'cases must be an array', { details: [{ path: 'cases', code: 'invalid_type', message: 'expected array' }] });
      list = cases;
    } else if (body && typeof body === 'object') {
      list = [body];
      batch = false;
    } else {
      throw new HttpError('PCC_HTTP_VALIDATION', 'the body must be a case object, an array of cases or {"cases": [...]}', { details: [{ path: '', code: 'invalid_type', message: 'expected object or array' }] });
    }
    if (list.length > MAX_BATCH) throw new HttpError('PCC_HTTP_BATCH_TOO_LARGE', `${list.length} cases in one request; the limit is ${MAX_BATCH}`);
    if (list.length === 0) throw new HttpError('PCC_HTTP_VALIDATION', 'the batch is empty', { details: [{ path: 'cases', code: 'too_small', message: 'at least one case' }] });
    const cases = list.map((item, i) => toCase(parseOr400(CaseInput, item, batch ? `cases.${i}` : 'the case', batch ? ['cases', i] : []), batch ? i : null));
    const seen = new Set<string>();
    cases.forEach((c, i) => {
      if (seen.has(c.case_id)) throw new HttpError('PCC_HTTP_VALIDATION', `cases.${i}: case_id ${c.case_id} appears twice in the batch`, { details: [{ path: `cases.${i}.case_id`, code: 'duplicate', message: 'duplicate case_id' }] });
      seen.add(c.case_id);
    });
    return cases;
  }

  app.post('/v1/cases', ...guard(['ingest']), ...json, async (req, res) => {
    const cases = parseCases(req.body);
    await publish(cases);
    m.casesAccepted.inc({ route: '/v1/cases' }, cases.length);
    res.status(202).json({ accepted: cases.length, case_ids: cases.map((c) => c.case_id), topic: config.topics.casesReal });
  });

  app.post('/v1/classify', ...guard(['ingest']), ...json, async (req, res) => {
    if (Array.isArray(req.body) || (req.body && typeof req.body === 'object' && 'cases' in req.body)) {
      throw new HttpError('PCC_HTTP_VALIDATION', '/v1/classify takes one case; send batches to /v1/cases', { details: [{ path: '', code: 'invalid_type', message: 'expected one case object' }] });
    }
    const [c] = parseCases(req.body);
    const waiter = deps.replies.expect(c.case_id);
    try {
      await publish([c]);
    } catch (err) {
      waiter.cancel();
      throw err;
    }
    m.casesAccepted.inc({ route: '/v1/classify' });
    const reply: Reply | null = await waiter.wait(g.classifyTimeoutMs);
    if (reply?.kind === 'dead_letter') {
      m.classify.inc({ outcome: 'dead_letter' });
      const code = String(reply.value.reason_code);
      sendError(res, 422, 'PCC_HTTP_VALIDATION', `the processor refused the case (${code}): ${String(reply.value.reason)}`, { case_id: c.case_id, details: [{ path: '', code, message: String(reply.value.reason) }] });
      return;
    }
    let answer = reply ? predictionToClassify(reply.value) : null;
    if (!answer) {
      // The prediction may have passed while the reply consumer was rebalancing; the sink has it.
      const stored = await findPrediction(pool, c.case_id, 'real').catch(() => null);
      if (stored) answer = classifyFields(stored);
    }
    if (!answer) {
      m.classify.inc({ outcome: 'timeout' });
      sendError(res, 504, 'PCC_HTTP_TIMEOUT', `no prediction within ${g.classifyTimeoutMs} ms; poll GET /v1/cases/${c.case_id}/prediction`, { case_id: c.case_id });
      return;
    }
    m.classify.inc({ outcome: 'prediction' });
    res.json(answer);
  });

  // --- Reads ---
  const idPattern = new RegExp(CASE_ID_PATTERN);
  function caseIdParam(req: Request): string {
    const id = String(req.params.id);
    if (!idPattern.test(id)) throw new HttpError('PCC_HTTP_VALIDATION', 'the case id has characters or a length a case id cannot have', { details: [{ path: 'id', code: 'invalid_string', message: `must match ${CASE_ID_PATTERN}` }] });
    return id;
  }

  app.get('/v1/cases/:id/prediction', ...guard(['read']), async (req, res) => {
    const id = caseIdParam(req);
    const p = await findPrediction(pool, id);
    if (!p) throw new HttpError('PCC_HTTP_NOT_FOUND', `no prediction stored for case ${id} (yet)`, { extra: { case_id: id } });
    res.json(p);
  });

  app.get('/v1/cases/:id/audit', ...guard(['read']), async (req, res) => {
    const id = caseIdParam(req);
    const a = await caseAudit(pool, id);
    if (!a) throw new HttpError('PCC_HTTP_NOT_FOUND', `no record of case ${id} in Postgres (yet)`, { extra: { case_id: id } });
    res.json(a);
  });

  app.get('/v1/monitoring/summary', ...guard(['read']), async (req, res) => {
    const q = parseOr400(SummaryQuery, { ...req.query }, 'the query');
    const [summary, lag] = await Promise.all([
      monitoringSummary(pool, { days: q.days, source: q.source, lowConfidence: config.drift.lowConfidence }),
      deps.lag ? deps.lag().catch(() => ({})) : Promise.resolve({}),
    ]);
    res.json({ ...summary, lag });
  });

  app.get('/v1/monitoring/drift', ...guard(['read']), async (req, res) => {
    const q = parseOr400(DriftQuery, { ...req.query }, 'the query');
    res.json(await driftOverview(pool, q));
  });

  app.get('/v1/monitoring/alerts', ...guard(['read']), async (req, res) => {
    const q = parseOr400(AlertsQuery, { ...req.query }, 'the query');
    res.json({ alerts: await listAlerts(pool, q) });
  });

  // --- Synthetic generation (admin) ---
  function synthetic(): SyntheticServiceDeps {
    if (!deps.synthetic) throw new HttpError('PCC_INTERNAL', 'synthetic generation is not configured on this gateway', { status: 503 });
    return deps.synthetic;
  }
  // Loaded on first use: the generator and its judge are not needed to serve the other routes.
  const service = () => require('../producers/synthetic/service') as typeof import('../producers/synthetic/service');

  app.post('/v1/synthetic/batches', ...guard(['admin']), ...json, async (req, res) => {
    const body = parseOr400(BatchRequest, req.body ?? {}, 'the batch request');
    const started = await service().startBatch(synthetic(), { count: body.count, backend: body.backend, seed: body.seed, publish: body.publish });
    // Held so that a graceful stop lets the generation finish rather than cut it off half-written.
    const running = started.done.then(() => undefined, () => undefined);
    inflight.add(running);
    void running.then(() => inflight.delete(running));
    started.done.then(
      (b) => log.info('synthetic batch finished', { batch_id: b.batch_id, status: b.status }),
      (err: unknown) => log.warn('synthetic batch failed', { batch_id: started.batchId, code: (err as { code?: string }).code, error: (err as Error).message?.slice(0, 200) }),
    );
    res.status(202).json({ batch_id: started.batchId, status: 'generating', href: `/v1/synthetic/batches/${started.batchId}` });
  });

  app.get('/v1/synthetic/batches', ...guard(['admin']), async (req, res) => {
    const limit = req.query.limit === undefined ? 50 : Number(req.query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000) throw new HttpError('PCC_HTTP_VALIDATION', 'limit must be an integer 1..1000', { details: [{ path: 'limit', code: 'invalid_number', message: '1..1000' }] });
    res.json({ batches: await service().listBatches(synthetic().pool, { limit }) });
  });

  app.get('/v1/synthetic/batches/:id', ...guard(['admin']), async (req, res) => {
    const id = String(req.params.id);
    if (!/^[A-Za-z0-9._:-]{1,200}$/.test(id)) throw new HttpError('PCC_HTTP_VALIDATION', 'not a batch id', { details: [{ path: 'id', code: 'invalid_string', message: 'not a batch id' }] });
    res.json(await service().getBatch(synthetic().pool, id));
  });

  // --- Dashboard: the page needs `read` (a link may carry ?key=); its static files do not. ---
  app.get('/dashboard', ...guard(['read'], { allowQueryKey: true }), (_req, res) => {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.sendFile(path.join(DASHBOARD_DIR, 'index.html'));
  });
  app.get('/dashboard/assets/chart.umd.min.js', (_req, res) => {
    res.sendFile(CHART_JS);
  });
  app.use('/dashboard/assets', express.static(path.join(DASHBOARD_DIR, 'assets'), { index: false, fallthrough: true }));

  app.use((req: Request, _res: Response, next: NextFunction) => {
    const known = ROUTES.some((r) => new RegExp(`^${r.path.replace(/\{\w+\}/g, '[^/]+')}$`).test(req.path));
    if (known) return next(new HttpError('PCC_HTTP_METHOD_NOT_ALLOWED', `${req.method} is not allowed on this route`));
    next(new HttpError('PCC_HTTP_NOT_FOUND', 'no such route'));
  });
  app.use(errorHandler(log));
  return app;
}

type ClassifyAnswer = z.infer<typeof ClassifyResponse>;

/** The /v1/classify answer's fields of a stored prediction (findPrediction), nothing more. */
function classifyFields(p: ClassifyAnswer): ClassifyAnswer {
  const { case_id, intent, is_privacy, confidence, probabilities, model_version, pii_found, warnings, sla_due_at, received_at, predicted_at } = p;
  return { case_id, intent, is_privacy, confidence, probabilities, model_version, pii_found, warnings, sla_due_at, received_at, predicted_at };
}

/** A decoded Prediction record as the /v1/classify answer. */
export function predictionToClassify(p: Record<string, unknown>): ClassifyAnswer {
  return {
    case_id: String(p.case_id),
    intent: p.intent as ClassifyAnswer['intent'],
    is_privacy: Boolean(p.is_privacy),
    confidence: Number(p.confidence),
    probabilities: probabilityMap((p.probabilities as number[]) ?? []),
    model_version: String(p.model_version),
    pii_found: (p.pii_found as string[]) ?? [],
    warnings: (p.warnings as string[]) ?? [],
    sla_due_at: iso(p.sla_due_at),
    received_at: iso(p.received_at)!,
    predicted_at: iso(p.predicted_at)!,
  };
}
