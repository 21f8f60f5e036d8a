/**
 * The gateway over the real Kafka, registry and Postgres, with the pipeline (`pcc run`) as a
 * child process: the role matrix, a classify round trip against `pcc classify`, refused input,
 * a small fuzzer, rate limiting, and every JSON answer checked against /openapi.json.
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import path from 'node:path';
import { promisify } from 'node:util';
import Ajv2020 from 'ajv/dist/2020';
import { expect } from 'chai';
import { loadConfig } from '../../../lib/config';
import { createPool } from '../../../lib/db';
import { createLogger } from '../../../lib/logger';
import { createMetricsRegistry } from '../../../lib/metrics';
import winston from 'winston';
import { parseKeys } from '../../../gateway/auth';
import { ROUTES } from '../../../gateway/app';
import { startGateway, type GatewayServer } from '../../../gateway/server';
import { testLogger, waitFor } from '../../helpers';
import { StreamHarness } from '../stream/harness';

const ROOT = path.resolve(__dirname, '../../..');
const KEYS = { ingest: 'test-ingest-key-000000001', read: 'test-read-key-0000000001', admin: 'test-admin-key-000000001' } as const;
const KEY_LIST = Object.entries(KEYS).map(([role, key]) => `${key}:${role}`);
type Who = 'none' | keyof typeof KEYS;

interface Answer {
  status: number;
  headers: Headers;
  body: any;
  text: string;
}

describe('gateway over the real services', function () {
  this.timeout(300_000);
  let h: StreamHarness;
  let gw: GatewayServer;
  let doc: any;
  let pipeline: ReturnType<StreamHarness['start']>;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  const checked = new Set<string>();

  function responseSchema(method: string, route: string, status: number): unknown | undefined {
    const op = doc.paths[route]?.[method];
    expect(op, `${method.toUpperCase()} ${route} is in /openapi.json`).to.exist;
    const r = op.responses[String(status)];
    expect(r, `${method.toUpperCase()} ${route} documents status ${status}`).to.exist;
    return r.content?.['application/json']?.schema;
  }

  /** Checks a JSON answer against the document: the route, the status and the body's schema. */
  function conforms(method: string, route: string, a: Answer): void {
    const schema = responseSchema(method, route, a.status);
    if (!schema) return;
    const validate = ajv.compile({ ...(schema as object), components: doc.components });
    const ok = validate(a.body);
    expect(ok, `${method.toUpperCase()} ${route} ${a.status} matches its schema: ${ajv.errorsText(validate.errors)}`).to.equal(true);
    checked.add(`${method} ${route} ${a.status}`);
  }

  async function call(method: string, url: string, opts: { who?: Who; body?: unknown; raw?: string; contentType?: string; base?: string } = {}): Promise<Answer> {
    const headers: Record<string, string> = {};
    if (opts.who && opts.who !== 'none') headers['x-api-key'] = KEYS[opts.who];
    let body: string | undefined;
    if (opts.raw !== undefined) body = opts.raw;
    else if (opts.body !== undefined) body = JSON.stringify(opts.body);
    if (body !== undefined) headers['content-type'] = opts.contentType ?? 'application/json';
    const res = await fetch(`${opts.base ?? gw.url}${url}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(text);
    } catch {
      /* not JSON */
    }
    return { status: res.status, headers: res.headers, body: parsed, text };
  }

  before(async () => {
    h = await new StreamHarness().setup({ PCC_API_KEYS: KEY_LIST.join(','), PCC_GATEWAY_CLASSIFY_TIMEOUT_MS: '20000' });
    pipeline = h.start('run', ['--no-drift']);
    gw = await startGateway({ config: h.config, logger: testLogger(), kafka: h.kafka, codec: h.codec, pool: h.pool, metrics: createMetricsRegistry(), port: 0 });
    await waitFor(async () => (await fetch(`${gw.url}/readyz`)).status === 200, { timeoutMs: 60_000, what: 'gateway ready' });
    doc = (await call('GET', '/openapi.json')).body;
  });

  afterEach(function () {
    // A failure says what the pipeline was doing (its log carries no case text).
    if (this.currentTest?.state === 'failed') process.stderr.write(`pipeline log (last 30 lines):\n${pipeline.output.slice(-30).join('\n')}\n`);
  });

  after(async () => {
    await gw?.stop();
    await h?.teardown();
  });

  it('documents every route it serves in /openapi.json, and nothing else', () => {
    expect(doc.openapi).to.equal('3.1.0');
    const served = ROUTES.map((r) => `${r.method} ${r.path}`).sort();
    const documented = Object.entries(doc.paths as Record<string, Record<string, unknown>>).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)).sort();
    expect(documented).to.deep.equal(served);
  });

  it('classifies a case through the pipeline with the same intent as `pcc classify`, then stores it with its audit trail', async () => {
    const text = 'Hi, I closed my account last month. Please erase every bit of personal information you still hold about me, including order history.';
    const a = await call('POST', '/v1/classify', { who: 'ingest', body: { case_id: 'gw-roundtrip-1', subject: 'Erase my data', text, channel: 'email' } });
    expect(a.status, a.text).to.equal(200);
    conforms('post', '/v1/classify', a);
    const cli = await promisify(execFile)(process.execPath, [path.join(ROOT, 'bin/pcc.js'), 'classify', `Erase my data\n${text}`], { cwd: ROOT, env: { ...process.env, ...h.env } });
    const local = JSON.parse(cli.stdout);
    expect(a.body.case_id).to.equal('gw-roundtrip-1');
    expect(a.body.intent).to.equal(local.intent);
    expect(a.body.intent).to.equal('deletion_request');
    expect(a.body.is_privacy).to.equal(true);
    expect(Object.keys(a.body.probabilities)).to.have.length(9);

    const stored = await waitFor(async () => {
      const r = await call('GET', '/v1/cases/gw-roundtrip-1/prediction', { who: 'read' });
      return r.status === 200 ? r : null;
    }, { timeoutMs: 60_000, what: 'the stored prediction' });
    conforms('get', '/v1/cases/{id}/prediction', stored);
    expect(stored.body.intent).to.equal(a.body.intent);
    expect(stored.body.source).to.equal('real');
    const { rows } = await h.pool.query(`SELECT intent FROM pcc.predictions WHERE case_id = 'gw-roundtrip-1'`);
    expect(rows).to.deep.equal([{ intent: a.body.intent }]);

    const audit = await call('GET', '/v1/cases/gw-roundtrip-1/audit', { who: 'read' });
    expect(audit.status).to.equal(200);
    conforms('get', '/v1/cases/{id}/audit', audit);
    expect(audit.body.events.map((e: { event: string }) => e.event)).to.include.members(['received', 'validated', 'predicted', 'stored']);
    expect(audit.body.model_version).to.equal(a.body.model_version);
    expect(audit.body.dead_lettered).to.equal(false);
  });

  it('answers the role matrix: every route × (no key, ingest, read, admin)', async () => {
    const who: Who[] = ['none', 'ingest', 'read', 'admin'];
    const failures: string[] = [];
    for (const r of ROUTES) {
      for (const w of who) {
        const url = r.path.replace('{id}', r.path.includes('synthetic') ? 'no-such-batch' : 'no-such-case');
        let body: unknown;
        if (r.path === '/v1/cases' || r.path === '/v1/classify') body = { text: 'Where is my parcel? It has been two weeks.' };
        if (r.path === '/v1/synthetic/batches' && r.method === 'post') body = { count: 9, seed: 5, publish: false };
        const a = await call(r.method.toUpperCase(), url, { who: w, body });
        const allowed = r.roles === 'public' || w === 'admin' || (w !== 'none' && (r.roles as readonly string[]).includes(w));
        let expected: string;
        if (r.roles === 'public') expected = 'not 401/403';
        else if (w === 'none') expected = '401';
        else expected = allowed ? 'not 401/403' : '403';
        const got = a.status === 401 ? '401' : a.status === 403 ? '403' : 'not 401/403';
        if (got !== expected) failures.push(`${r.method} ${r.path} as ${w}: ${a.status}, expected ${expected}`);
        if (a.status >= 500 && !(r.path === '/readyz')) failures.push(`${r.method} ${r.path} as ${w}: ${a.status} ${a.text.slice(0, 200)}`);
        if (a.status === 401) expect(a.body.code).to.equal('PCC_HTTP_UNAUTHORIZED');
        if (a.status === 403) expect(a.body.code).to.equal('PCC_HTTP_FORBIDDEN');
        if (r.path !== '/metrics' && r.path !== '/dashboard' && (a.headers.get('content-type') ?? '').includes('json')) conforms(r.method, r.path, a);
      }
    }
    expect(failures).to.deep.equal([]);
    // Both ways of sending a key work.
    const bearer = await fetch(`${gw.url}/v1/monitoring/alerts`, { headers: { authorization: `Bearer ${KEYS.read}` } });
    expect(bearer.status).to.equal(200);
    const wrong = await call('GET', '/v1/monitoring/alerts', { base: gw.url, who: 'none' });
    expect(wrong.status).to.equal(401);
    const unknown = await fetch(`${gw.url}/v1/monitoring/alerts`, { headers: { 'x-api-key': `${KEYS.read}x` } });
    expect(unknown.status).to.equal(401);
  });

  it('refuses bad input with a precise 4xx and never a 5xx', async () => {
    const cases: { name: string; req: Parameters<typeof call>[2]; method?: string; url?: string; status: number; code: string }[] = [
      { name: 'malformed JSON', req: { raw: '{"text": "hello",' }, status: 400, code: 'PCC_HTTP_BAD_JSON' },
      { name: 'wrong type', req: { body: { text: 42 } }, status: 400, code: 'PCC_HTTP_VALIDATION' },
      { name: 'wrong channel', req: { body: { text: 'hi', channel: 'fax' } }, status: 400, code: 'PCC_HTTP_VALIDATION' },
      { name: 'unknown field', req: { body: { text: 'hi', priority: 'high' } }, status: 400, code: 'PCC_HTTP_VALIDATION' },
      { name: 'no text', req: { body: { subject: 'hi' } }, status: 400, code: 'PCC_HTTP_VALIDATION' },
      { name: 'blank text', req: { body: { text: '   ' } }, status: 400, code: 'PCC_VALIDATION_EMPTY_BODY' },
      { name: 'a 2 MB body', req: { body: { text: 'a'.repeat(2 * 1024 * 1024) } }, status: 413, code: 'PCC_HTTP_PAYLOAD_TOO_LARGE' },
      { name: '501 cases', req: { body: { cases: Array.from({ length: 501 }, (_, i) => ({ text: `case ${i}` })) } }, status: 400, code: 'PCC_HTTP_BATCH_TOO_LARGE' },
      { name: 'a syn- id on the real stream', req: { body: { case_id: 'syn-123', text: 'hi' } }, status: 400, code: 'PCC_SYNTHETIC_ON_REAL_TOPIC' },
      { name: 'a bad timestamp', req: { body: { text: 'hi', received_at: 'yesterday' } }, status: 400, code: 'PCC_VALIDATION_BAD_TIMESTAMP' },
      { name: 'SQL in the case id', req: { body: { case_id: "1'; DROP TABLE pcc.predictions; --", text: 'hi' } }, status: 400, code: 'PCC_HTTP_VALIDATION' },
      { name: 'duplicate ids in a batch', req: { body: [{ case_id: 'dup-1', text: 'a' }, { case_id: 'dup-1', text: 'b' }] }, status: 400, code: 'PCC_HTTP_VALIDATION' },
      { name: 'not JSON', req: { raw: 'text=hello', contentType: 'application/x-www-form-urlencoded' }, status: 415, code: 'PCC_HTTP_UNSUPPORTED_MEDIA' },
      { name: 'a JSON scalar', req: { raw: '"hello"' }, status: 400, code: 'PCC_HTTP_VALIDATION' },
      { name: 'SQL in a path id', method: 'GET', url: "/v1/cases/1'%20OR%20'1'='1/prediction", req: {}, status: 400, code: 'PCC_HTTP_VALIDATION' },
      { name: 'SQL in a query', method: 'GET', url: "/v1/monitoring/summary?source=real'%20OR%201=1--", req: {}, status: 400, code: 'PCC_HTTP_VALIDATION' },
      { name: 'days out of range', method: 'GET', url: '/v1/monitoring/summary?days=90', req: {}, status: 400, code: 'PCC_HTTP_VALIDATION' },
      { name: 'unknown query parameter', method: 'GET', url: '/v1/monitoring/alerts?state=firing', req: {}, status: 400, code: 'PCC_HTTP_VALIDATION' },
      { name: 'unknown route', method: 'GET', url: '/v1/nothing', req: {}, status: 404, code: 'PCC_HTTP_NOT_FOUND' },
      { name: 'wrong method', method: 'DELETE', url: '/v1/cases', req: {}, status: 405, code: 'PCC_HTTP_METHOD_NOT_ALLOWED' },
    ];
    const wrong: string[] = [];
    for (const c of cases) {
      const method = c.method ?? 'POST';
      const who: Who = method === 'GET' ? 'read' : 'ingest';
      const a = await call(method, c.url ?? '/v1/cases', { who, ...c.req });
      if (a.status !== c.status || a.body?.code !== c.code) wrong.push(`${c.name}: ${a.status} ${a.body?.code}, expected ${c.status} ${c.code}`);
      expect(a.body, c.name).to.include.keys('statusCode', 'code', 'error', 'message');
      expect(a.body.statusCode).to.equal(a.status);
      expect(a.text, `${c.name}: no stack trace`).not.to.match(/at .*\.(ts|js):\d+/);
      const route = c.url ? (c.url.startsWith('/v1/cases/') ? '/v1/cases/{id}/prediction' : c.url.split('?')[0]) : '/v1/cases';
      if (doc.paths[route]?.[method.toLowerCase()]) conforms(method.toLowerCase(), route, a);
    }
    expect(wrong).to.deep.equal([]);
    // SQL-looking text in a case body is just text: accepted, and the tables are still there.
    const sqlText = await call('POST', '/v1/cases', { who: 'ingest', body: { case_id: 'gw-sql-text', text: "Robert'); DROP TABLE pcc.predictions;-- wants his invoice" } });
    expect(sqlText.status).to.equal(202);
    conforms('post', '/v1/cases', sqlText);
    await waitFor(async () => (await h.pool.query(`SELECT 1 FROM pcc.predictions WHERE case_id = 'gw-sql-text'`)).rowCount, { timeoutMs: 60_000, what: 'the SQL-looking case stored' });
    // A NUL character (valid JSON and Avro, not Postgres text) is removed with a warning, not a stuck sink.
    expect((await call('POST', '/v1/cases', { who: 'ingest', body: { case_id: 'gw-nul', subject: 'a\u0000b', text: 'please delete\u0000 my data' } })).status).to.equal(202);
    const nul = await waitFor(async () => (await h.pool.query(`SELECT warnings, redacted_excerpt FROM pcc.predictions WHERE case_id = 'gw-nul'`)).rows[0], { timeoutMs: 60_000, what: 'the case with a NUL stored' });
    expect(nul.warnings).to.include('PCC_WARN_NUL_REMOVED');
    expect(nul.redacted_excerpt).not.to.include('\u0000');
  });

  it('survives 1,000 random request bodies without a 5xx', async () => {
    let seed = 20261128;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)];
    const strings = ['', ' ', 'hello', 'x'.repeat(300), '\u0000', '\ud800', '😀 delete my data', "'; DROP TABLE x; --", '<script>alert(1)</script>', '__proto__', '{{7*7}}', '../../etc/passwd', '%00', 'syn-1'];
    const fields = ['case_id', 'text', 'body', 'subject', 'channel', 'received_at', 'language', 'metadata', 'jurisdiction', 'customer_ref', 'cases', '__proto__', 'constructor', 'x'];
    function value(depth: number): unknown {
      const k = rnd();
      if (depth > 2 || k < 0.3) return pick<unknown>([null, true, false, 0, -1, 1e308, 2 ** 53 + 1, 3.14, ...strings]);
      if (k < 0.6) return Array.from({ length: Math.floor(rnd() * 4) }, () => value(depth + 1));
      const o: Record<string, unknown> = {};
      for (let i = Math.floor(rnd() * 5); i > 0; i--) o[pick(fields)] = value(depth + 1);
      return o;
    }
    const statuses = new Map<number, number>();
    const fives: string[] = [];
    for (let i = 0; i < 1000; i++) {
      let raw: string;
      const mode = rnd();
      if (mode < 0.1) raw = JSON.stringify(value(0)).slice(0, Math.floor(rnd() * 40)); // truncated JSON
      else if (mode < 0.15) raw = Buffer.from(Array.from({ length: 30 }, () => Math.floor(rnd() * 256))).toString('latin1');
      else raw = JSON.stringify(value(0)) ?? 'null';
      const a = await call('POST', '/v1/cases', { who: 'ingest', raw });
      statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
      if (a.status >= 500) fives.push(`${a.status} ${a.text.slice(0, 120)}`);
    }
    expect(fives, 'no 5xx').to.deep.equal([]);
    expect([...statuses.keys()].every((s) => s === 202 || (s >= 400 && s < 500))).to.equal(true);
    expect(statuses.get(400) ?? 0, 'most random bodies are refused').to.be.greaterThan(500);
    expect((await fetch(`${gw.url}/healthz`)).status, 'still alive').to.equal(200);
  });

  it('limits requests per key with 429 and Retry-After, and times /v1/classify out with 504 and the case id', async () => {
    const config = loadConfig({ ...h.env, PCC_API_KEYS: KEY_LIST.join(','), PCC_GATEWAY_RATE_LIMIT: '3', PCC_GATEWAY_RATE_WINDOW_MS: '60000', PCC_GATEWAY_CLASSIFY_TIMEOUT_MS: '1' });
    const strict = await startGateway({ config, logger: testLogger(), kafka: h.kafka, codec: h.codec, pool: h.pool, metrics: createMetricsRegistry(), keys: parseKeys(KEY_LIST), port: 0 });
    try {
      const timedOut = await call('POST', '/v1/classify', { base: strict.url, who: 'ingest', body: { case_id: 'gw-timeout-1', text: 'How do I reset my password?' } });
      expect(timedOut.status).to.equal(504);
      expect(timedOut.body.code).to.equal('PCC_HTTP_TIMEOUT');
      expect(timedOut.body.case_id).to.equal('gw-timeout-1');
      conforms('post', '/v1/classify', timedOut);
      const statuses: number[] = [];
      let last: Answer | null = null;
      for (let i = 0; i < 4; i++) {
        last = await call('GET', '/v1/monitoring/alerts', { base: strict.url, who: 'read' });
        statuses.push(last.status);
      }
      expect(statuses).to.deep.equal([200, 200, 200, 429]);
      expect(last!.body.code).to.equal('PCC_HTTP_RATE_LIMITED');
      expect(Number(last!.headers.get('retry-after'))).to.be.within(1, 60);
      conforms('get', '/v1/monitoring/alerts', last!);
      // Per key: the read key is spent, the admin key is not; health needs no key and is not limited.
      expect((await call('GET', '/v1/monitoring/alerts', { base: strict.url, who: 'admin' })).status).to.equal(200);
      for (let i = 0; i < 5; i++) expect((await call('GET', '/healthz', { base: strict.url })).status).to.equal(200);
      // The timed-out case is still classified and can be polled.
      await waitFor(async () => (await call('GET', '/v1/cases/gw-timeout-1/prediction', { who: 'read' })).status === 200, { timeoutMs: 60_000, what: 'the polled prediction' });
    } finally {
      await strict.stop();
    }
  });

  it('answers 503 with Retry-After, and /readyz says which check failed, when Postgres cannot be reached', async () => {
    // A pool pointed at a closed port: the database is "down" for this gateway only.
    const config = loadConfig({ ...h.env, PCC_API_KEYS: KEY_LIST.join(','), PCC_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/pcc' });
    const deadPool = createPool(config, 'pcc-test-dead');
    const down = await startGateway({ config, logger: testLogger(), kafka: h.kafka, codec: h.codec, pool: deadPool, metrics: createMetricsRegistry(), port: 0 });
    try {
      const a = await call('GET', '/v1/monitoring/alerts', { base: down.url, who: 'read' });
      expect(a.status).to.equal(503);
      expect(a.body.code).to.equal('PCC_DB_UNAVAILABLE');
      expect(a.headers.get('retry-after')).to.equal('5');
      conforms('get', '/v1/monitoring/alerts', a);
      const ready = await call('GET', '/readyz', { base: down.url });
      expect(ready.status).to.equal(503);
      expect(ready.body.checks.postgres.ok).to.equal(false);
      expect(ready.body.checks.kafka.ok).to.equal(true);
      conforms('get', '/readyz', ready);
      // Ingest does not need Postgres: cases are still accepted.
      expect((await call('POST', '/v1/cases', { base: down.url, who: 'ingest', body: { text: 'hello' } })).status).to.equal(202);
    } finally {
      await down.stop();
      await deadPool.end();
    }
  });

  it('serves monitoring for the window and Prometheus metrics by route and status', async () => {
    const summary = await call('GET', '/v1/monitoring/summary?days=7', { who: 'read' });
    expect(summary.status).to.equal(200);
    conforms('get', '/v1/monitoring/summary', summary);
    expect(Object.keys(summary.body.sources)).to.deep.equal(['real', 'synthetic']);
    expect(summary.body.sources.real.days).to.have.length(7);
    expect(summary.body.sources.real.totals.predictions).to.be.greaterThan(0);
    expect(summary.body.sources.synthetic.totals.predictions, 'no synthetic traffic was sent').to.equal(0);
    const onlyReal = await call('GET', '/v1/monitoring/summary?days=1&source=real', { who: 'read' });
    expect(Object.keys(onlyReal.body.sources)).to.deep.equal(['real']);
    const drift = await call('GET', '/v1/monitoring/drift?source=real', { who: 'read' });
    conforms('get', '/v1/monitoring/drift', drift);
    const alerts = await call('GET', '/v1/monitoring/alerts?status=firing', { who: 'read' });
    conforms('get', '/v1/monitoring/alerts', alerts);

    const ready = await call('GET', '/readyz');
    conforms('get', '/readyz', ready);
    expect(ready.body.checks).to.include.keys('kafka', 'registry', 'postgres', 'replies');
    const metrics = await call('GET', '/metrics');
    expect(metrics.status).to.equal(200);
    expect(metrics.text).to.match(/pcc_http_requests_total\{[^}]*route="\/v1\/classify"[^}]*status="200"/);
    expect(metrics.text).to.match(/pcc_http_request_duration_seconds_bucket\{[^}]*route="\/v1\/monitoring\/summary"/);
    expect(metrics.text).to.match(/pcc_http_requests_total\{[^}]*route="\/v1\/cases"[^}]*status="413"/);
    const headers = (await fetch(`${gw.url}/healthz`)).headers;
    expect(headers.get('x-content-type-options')).to.equal('nosniff');
    expect(headers.get('x-powered-by')).to.equal(null);
  });

  it('runs the README\'s curl examples as written, against a gateway with the README\'s keys', async () => {
    const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## The REST gateway'), readme.indexOf('## The classifier'));
    const keysLine = /export PCC_API_KEYS="([^"]+)"/.exec(section);
    expect(keysLine, 'the README sets PCC_API_KEYS').to.exist;
    const curls = section.split('\n').filter((l) => l.startsWith('curl '));
    expect(curls.length).to.be.at.least(8);
    const config = loadConfig({ ...h.env, PCC_API_KEYS: keysLine![1] });
    const readmeGw = await startGateway({ config, logger: testLogger(), kafka: h.kafka, codec: h.codec, pool: h.pool, metrics: createMetricsRegistry(), port: 0 });
    try {
      await waitFor(async () => (await fetch(`${readmeGw.url}/readyz`)).status === 200, { timeoutMs: 60_000, what: 'README gateway ready' });
      for (const line of curls) {
        const cmd = line.replaceAll('http://127.0.0.1:3000', readmeGw.url);
        // The sink stores a prediction shortly after /v1/classify answers, so reads may wait a little.
        const out = await waitFor(async () => {
          const r = await promisify(execFile)('bash', ['-c', `${cmd} -o /dev/null -w '%{http_code}'`]);
          return /^2\d\d$/.test(r.stdout.trim()) ? r.stdout.trim() : null;
        }, { timeoutMs: 90_000, intervalMs: 500, what: `2xx from: ${line.slice(0, 90)}` });
        expect(out).to.match(/^2\d\d$/);
      }
      // The batch the README started is generated and published to the synthetic topic.
      await waitFor(async () => {
        const { rows } = await h.pool.query(`SELECT status FROM synthetic.batches`);
        return rows.some((r) => r.status === 'published') && !rows.some((r) => r.status === 'generating');
      }, { timeoutMs: 120_000, what: 'the README batch published' });
    } finally {
      await readmeGw.stop();
    }
  });

  it('logs no case text, personal data or key, even at debug level and on refused requests', async () => {
    const lines: string[] = [];
    const logger = createLogger({ level: 'debug', component: 'gateway-log-test' });
    logger.clear();
    logger.add(new winston.transports.Stream({ stream: new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) }) }));
    const logged = await startGateway({ config: h.config, logger, kafka: h.kafka, codec: h.codec, pool: h.pool, metrics: createMetricsRegistry(), keys: parseKeys(KEY_LIST), port: 0 });
    const planted = { email: 'marguerite.okonkwo@example.org', phone: '+44 7700 900123', words: 'my cat Bartholomew knows my PIN' };
    const text = `Please delete my data. ${planted.words}. Mail ${planted.email} or call ${planted.phone}.`;
    try {
      expect((await call('POST', '/v1/classify', { base: logged.url, who: 'ingest', body: { case_id: 'gw-log-1', subject: planted.email, text } })).status).to.equal(200);
      expect((await call('POST', '/v1/cases', { base: logged.url, who: 'ingest', body: { text, channel: 'pigeon' } })).status).to.equal(400);
      expect((await call('POST', '/v1/cases', { base: logged.url, who: 'ingest', raw: `{"text": "${planted.email}` })).status).to.equal(400);
      expect((await fetch(`${logged.url}/dashboard?key=${KEYS.read}`)).status).to.equal(200);
    } finally {
      await logged.stop();
    }
    const all = lines.join('');
    expect(lines.length, 'request lines were logged').to.be.greaterThan(3);
    for (const secret of [planted.email, planted.phone, planted.words, 'Bartholomew', KEYS.read, KEYS.ingest]) expect(all).not.to.include(secret);
  });

  it('answers 503 with Retry-After while the broker is down, and a resend with the same case_id after it is back stores the case once', async function () {
    // Only a broker this checkout started (`make up`) may be stopped by a test.
    const pidFile = path.join(process.env.PCC_RUN_DIR ?? path.join(ROOT, '.run'), 'kafka.pid');
    if (!existsSync(pidFile)) this.skip();
    const config = loadConfig({ ...h.env, PCC_API_KEYS: KEY_LIST.join(','), PCC_GATEWAY_PUBLISH_TIMEOUT_MS: '3000' });
    const gw2 = await startGateway({ config, logger: testLogger(), kafka: h.kafka, codec: h.codec, pool: h.pool, metrics: createMetricsRegistry(), port: 0 });
    try {
      execFileSync('bash', [path.join(ROOT, 'infra/down.sh'), 'kafka'], { stdio: 'ignore' });
      let down: Answer;
      try {
        down = await call('POST', '/v1/cases', { base: gw2.url, who: 'ingest', body: { case_id: 'gw-outage-1', text: 'Please delete my account data.' } });
        const ready = await call('GET', '/readyz', { base: gw2.url });
        expect(ready.status).to.equal(503);
        expect(ready.body.checks.kafka.ok).to.equal(false);
      } finally {
        execFileSync('bash', [path.join(ROOT, 'infra/up.sh')], { stdio: 'ignore' });
      }
      expect(down.status).to.equal(503);
      expect(down.body.code).to.equal('PCC_KAFKA_UNAVAILABLE');
      expect(down.headers.get('retry-after')).to.equal('5');
      conforms('post', '/v1/cases', down);
      // The client resends with the same id once Kafka is back; the first send may land too.
      await waitFor(async () => (await call('POST', '/v1/cases', { base: gw2.url, who: 'ingest', body: { case_id: 'gw-outage-1', text: 'Please delete my account data.' } })).status === 202, { timeoutMs: 120_000, intervalMs: 2_000, what: 'the gateway accepting cases again' });
      await waitFor(async () => (await h.pool.query(`SELECT 1 FROM pcc.predictions WHERE case_id = 'gw-outage-1'`)).rowCount, { timeoutMs: 180_000, intervalMs: 1_000, what: 'the resent case stored' });
      const { rows } = await h.pool.query(`SELECT count(*)::int AS n FROM pcc.predictions WHERE case_id = 'gw-outage-1'`);
      expect(rows[0].n).to.equal(1);
      // The reply consumer is back in its group (rebuilt if kafkajs did not restart it): ready again.
      await waitFor(async () => {
        const r = await call('GET', '/readyz', { base: gw2.url });
        return r.status === 200 && r.body.checks.replies.ok === true;
      }, { timeoutMs: 120_000, intervalMs: 1_000, what: 'the reply consumer back in its group' });
    } finally {
      await gw2.stop();
    }
  });

  it('checked answers of every route against the document', () => {
    const routesChecked = new Set([...checked].map((c) => c.split(' ').slice(0, 2).join(' ')));
    const jsonRoutes = ROUTES.filter((r) => !['/metrics', '/dashboard'].includes(r.path)).map((r) => `${r.method} ${r.path}`);
    expect(jsonRoutes.filter((r) => !routesChecked.has(r))).to.deep.equal([]);
  });
});
