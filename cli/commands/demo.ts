/**
 * `pcc demo`: the main job for a newcomer. With the services up (`make demo` runs `make up`
 * first), it starts the pipeline and the gateway as child processes, asks the gateway for a
 * synthetic batch (POST /v1/synthetic/batches, admin) and sends it the team's label-free sample
 * of real-looking cases (POST /v1/cases, ingest), so both take the path a user's would; waits
 * until every case is predicted or dead-lettered, prints a report with the dashboard link, and
 * keeps running until Ctrl-C (or stops at once with --once, exiting non-zero if anything failed).
 *
 * API keys: those of PCC_API_KEYS / PCC_API_KEYS_FILE when set, otherwise three random keys
 * (ingest, read, admin) made for this run and printed with the report.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { createCodec, createRegistry } from '../../lib/codec';
import { loadConfig } from '../../lib/config';
import { createPool } from '../../lib/db';
import { createKafka } from '../../lib/kafka';
import { createLogger } from '../../lib/logger';
import { INTENTS } from '../../lib/taxonomy';
import { toCaseValue, type SyntheticCaseValue } from '../../producers/real/jsonl';
import { GENERATOR_NAME, GENERATOR_VERSION, TEMPLATE_HASH, generateTemplateCases } from '../../producers/synthetic/template';
import { createCasePublisher } from '../../producers/real/publisher';
import { parseKeys, type Role } from '../../gateway/auth';

export const summary = 'the main job: pipeline, gateway, a synthetic batch and the real samples, then a report';
export const usage = `usage: pcc demo [--once] [--synthetic N] [--timeout-s S]

Needs the services of \`make up\` and a free PCC_GATEWAY_PORT (3000). Starts \`pcc run\` and
\`pcc gateway\` (logs under .run/), asks the gateway for a synthetic batch of N template cases
(default 180; POST /v1/synthetic/batches), sends data/samples/real-cases.jsonl under fresh case
ids through POST /v1/cases, waits until all are predicted, and prints a report: counts per
intent (real beside synthetic), synthetic accuracy, firing alerts, the slowest pipeline stage,
and the dashboard URL with a read key. Then keeps running until Ctrl-C.
API keys come from PCC_API_KEYS or PCC_API_KEYS_FILE when set (an admin key is needed for the
synthetic route, else the batch is published directly); otherwise the demo makes random
ingest, read and admin keys for the run.
--once stops after the report; the exit code is non-zero if any step failed.`;

const ROOT = path.resolve(__dirname, '../..');

interface Child {
  name: string;
  proc: ChildProcess;
  log: string;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { once: { type: 'boolean', default: false }, synthetic: { type: 'string', default: '180' }, 'timeout-s': { type: 'string', default: '300' } },
    strict: true,
  });
  const config = loadConfig();
  const logger = createLogger({ level: 'warn', json: config.log.json, component: 'demo' });
  const runId = `demo-${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}-${randomBytes(2).toString('hex')}`;
  const keys = demoKeys(config.gateway);
  const runDir = path.join(ROOT, '.run');
  mkdirSync(runDir, { recursive: true });
  const say = (s: string) => process.stdout.write(`[demo] ${s}\n`);
  const failures: string[] = [];
  // A gateway bound to every interface is still reached through loopback from here.
  const host = ['0.0.0.0', '::', ''].includes(config.gateway.host) ? '127.0.0.1' : config.gateway.host;
  const gatewayUrl = `http://${host.includes(':') ? `[${host}]` : host}:${config.gateway.port}`;
  const children: Child[] = [];

  const startChild = (name: string, args: string[], env: Record<string, string> = {}): Child => {
    const log = path.join(runDir, `demo-${name}.log`);
    const out = createWriteStream(log, { flags: 'a' });
    const proc = spawn(process.execPath, [path.join(ROOT, 'bin/pcc.js'), ...args], { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    proc.stdout!.pipe(out);
    proc.stderr!.pipe(out);
    proc.once('exit', (code, signal) => {
      if (!stopping) failures.push(`${name} exited early (code ${code}, signal ${signal}); see ${log}`);
    });
    const c = { name, proc, log };
    children.push(c);
    return c;
  };
  let stopping = false;
  const stopAll = async () => {
    stopping = true;
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.proc.exitCode !== null || c.proc.signalCode !== null) return resolve();
            c.proc.once('exit', () => resolve());
            c.proc.kill('SIGTERM');
          }),
      ),
    );
  };

  // Ctrl-C (or SIGTERM) at any point stops the children before the demo exits.
  let interrupted = false;
  let onInterrupt: () => void = () => undefined;
  const interruptedP = new Promise<void>((resolve) => (onInterrupt = resolve));
  const interrupt = () => {
    interrupted = true;
    onInterrupt();
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const checkInterrupted = () => {
    if (interrupted) throw new Error('interrupted');
  };

  const pool = createPool(config, 'pcc-demo');
  try {
    say(`run ${runId}: starting the pipeline (pcc run) and the gateway (pcc gateway on ${gatewayUrl})`);
    startChild('pipeline', ['run']);
    const gateway = startChild('gateway', ['gateway'], keys.generated ? { PCC_API_KEYS: keys.env } : {});
    say(keys.generated ? 'API keys: made for this run (PCC_API_KEYS is not set)' : 'API keys: from PCC_API_KEYS / PCC_API_KEYS_FILE');

    const kafka = createKafka({ config, logger });
    const codec = createCodec(createRegistry(config));
    const api = async (method: 'GET' | 'POST', route: string, key: string, body?: unknown): Promise<Record<string, unknown>> => {
      const res = await fetch(`${gatewayUrl}${route}`, {
        method,
        headers: { 'X-API-Key': key, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      const answer = (await res.json().catch(() => null)) as Record<string, unknown> | null;
      if (!answer || typeof answer !== 'object') throw new Error(`${method} ${route}: ${res.status} and not a JSON answer (is something else on ${gatewayUrl}?)`);
      if (!res.ok) throw new Error(`${method} ${route}: ${res.status} ${String(answer.code ?? '')} ${String(answer.message ?? '')}`.trim());
      return answer;
    };
    const gatewayReady = await waitForGateway(gatewayUrl, gateway, 60_000, () => interrupted);
    checkInterrupted();
    if (!gatewayReady.ok) failures.push(`the gateway did not become ready on ${gatewayUrl}: ${gatewayReady.why}; see ${gateway.log}`);

    // Real-looking cases shipped in the repository (written by the team, no labels).
    const samples = readFileSync(path.join(ROOT, 'data/samples/real-cases.jsonl'), 'utf8').split('\n').filter((l) => l.trim());
    const now = Date.now();
    const realCases = samples.map((line) => {
      const v = toCaseValue(line, 'real', now);
      return { ...v, case_id: `${runId}-${v.case_id}` };
    });
    if (gatewayReady.ok && keys.ingest) {
      for (let i = 0; i < realCases.length; i += 500) await api('POST', '/v1/cases', keys.ingest, { cases: realCases.slice(i, i + 500) });
      say(`sent ${realCases.length} real sample cases through POST /v1/cases (to ${config.topics.casesReal})`);
    } else {
      const publisher = await createCasePublisher(kafka, codec, config.topics.casesReal);
      await publisher.publish(realCases);
      await publisher.close();
      say(`published ${realCases.length} real sample cases directly to ${config.topics.casesReal} (no gateway${gatewayReady.ok ? ' ingest or admin key' : ''})`);
    }

    // A synthetic batch through the synthetic stream, from the built-in template generator.
    let synthCount = Number(values.synthetic);
    if (!Number.isInteger(synthCount) || synthCount < 0 || synthCount > 100_000) throw new Error('--synthetic must be an integer 0..100000');
    let batchId: string | null = null;
    if (synthCount > 0 && gatewayReady.ok && keys.admin) {
      const seed = Number.parseInt(randomBytes(3).toString('hex'), 16);
      const started = await api('POST', '/v1/synthetic/batches', keys.admin, { count: synthCount, backend: 'template', seed, publish: true });
      if (typeof started.batch_id !== 'string') throw new Error('POST /v1/synthetic/batches answered without a batch_id');
      batchId = started.batch_id;
      say(`asked the gateway for synthetic batch ${batchId} (${synthCount} template cases, seed ${seed}; POST /v1/synthetic/batches)`);
      const deadline = Date.now() + Number(values['timeout-s']) * 1000;
      let batch: Record<string, unknown> = {};
      while (Date.now() < deadline && failures.length === 0) {
        checkInterrupted();
        batch = await api('GET', `/v1/synthetic/batches/${encodeURIComponent(batchId)}`, keys.admin);
        if (batch.status === 'published' || batch.status === 'failed') break;
        await new Promise((res) => setTimeout(res, 500));
      }
      const published = ((batch.publications as { kind: string; cases: number }[] | undefined) ?? []).find((p) => p.kind === 'publish');
      if (batch.status !== 'published' || !published) {
        failures.push(`synthetic batch ${batchId} ended ${String(batch.status ?? 'unknown')}${batch.error ? `: ${String(batch.error)}` : ''}; see ${gateway.log}`);
        synthCount = 0;
      } else {
        synthCount = published.cases;
        say(`synthetic batch ${batchId} generated and published: ${synthCount} cases to ${config.topics.casesSynthetic}`);
      }
    } else if (synthCount > 0) {
      if (gatewayReady.ok) say('no admin key among PCC_API_KEYS: publishing the synthetic batch directly, not through the gateway');
      const seed = Number.parseInt(randomBytes(3).toString('hex'), 16);
      batchId = `${runId}-template`;
      const generated = generateTemplateCases({ count: synthCount, seed });
      const synthetic: SyntheticCaseValue[] = generated.map((g, i) => ({
        case_id: `syn-${runId}-${i}`,
        received_at: Date.now(),
        channel: g.channel,
        language: g.language,
        subject: g.subject ?? null,
        body: g.body,
        customer_ref: null,
        jurisdiction: null,
        metadata: {},
        batch_id: batchId!,
        generator: { name: GENERATOR_NAME, version: GENERATOR_VERSION, model: null, prompt_id: g.template_id, prompt_hash: TEMPLATE_HASH, seed },
        ground_truth_intent: g.ground_truth_intent,
        tags: g.tags,
      }));
      const synthPublisher = await createCasePublisher(kafka, codec, config.topics.casesSynthetic);
      await synthPublisher.publish(synthetic);
      await synthPublisher.close();
      say(`generated and published synthetic batch ${batchId} (${synthCount} template cases, seed ${seed}) to ${config.topics.casesSynthetic}`);
    }

    // Wait until every case is predicted or dead-lettered.
    const realIds = realCases.map((c) => c.case_id);
    // Synthetic cases that were dead-lettered are done too; their ids are in the synthetic store
    // when the batch came through the gateway, and `syn-<run>-` otherwise.
    const deadline = Date.now() + Number(values['timeout-s']) * 1000;
    let done = false;
    while (Date.now() < deadline && failures.length === 0) {
      checkInterrupted();
      const r = await pool.query(
        `SELECT (SELECT count(*) FROM pcc.prediction_keys WHERE source = 'real' AND case_id = ANY($1))::int
              + (SELECT count(*) FROM pcc.dead_letters WHERE case_id = ANY($1))::int AS real_done,
                (SELECT count(*) FROM pcc.predictions WHERE source = 'synthetic' AND batch_id = $2)::int
              + (SELECT count(*) FROM pcc.dead_letters d WHERE d.source = 'synthetic'
                   AND (d.case_id LIKE $3 OR d.case_id IN (SELECT case_id FROM synthetic.cases WHERE batch_id = $2)))::int AS synth_done`,
        [realIds, batchId, `syn-${runId}-%`],
      );
      const { real_done: realDone, synth_done: synthDone } = r.rows[0];
      if (realDone >= realIds.length && (!batchId || synthDone >= synthCount)) {
        done = true;
        break;
      }
      await new Promise((res) => setTimeout(res, 500));
    }
    if (!done && failures.length === 0) failures.push(`not every case was predicted within ${values['timeout-s']} s; see .run/demo-pipeline.log`);

    await printReport(pool, realIds, batchId, config.metrics.port, say);
    say('');
    if (keys.read && gatewayReady.ok) say(`dashboard: ${gatewayUrl}/dashboard?key=${encodeURIComponent(keys.read)}`);
    else failures.push('no read or admin key among PCC_API_KEYS: the dashboard cannot be opened');
    if (keys.read) say(`API (read key): curl -H 'X-API-Key: ${keys.read}' '${gatewayUrl}/v1/monitoring/summary?days=7'`);
    if (keys.generated) say(`keys of this run: ingest ${keys.ingest}, read ${keys.read}, admin ${keys.admin} (API: ${gatewayUrl}/openapi.json)`);
    say(`logs: .run/demo-pipeline.log, .run/demo-gateway.log; data in Postgres: psql ${redactUrl(config.db.url)} -c 'SELECT * FROM pcc.v_daily_predictions'`);
    for (const f of failures) say(`FAILED: ${f}`);

    if (values.once) {
      await stopAll();
      return failures.length ? 1 : 0;
    }
    say('running; Ctrl-C to stop');
    await interruptedP;
    await stopAll();
    return 0;
  } catch (err) {
    say(interrupted ? 'interrupted; stopping' : `FAILED: ${(err as Error).message}`);
    await stopAll();
    return interrupted ? 130 : 1;
  } finally {
    process.removeListener('SIGINT', interrupt);
    process.removeListener('SIGTERM', interrupt);
    await pool.end();
  }
}

async function printReport(pool: ReturnType<typeof createPool>, realIds: string[], batchId: string | null, metricsPort: number, say: (s: string) => void): Promise<void> {
  const mix = await pool.query<{ source: string; intent: string; n: number }>(
    `SELECT source, intent, count(*)::int AS n FROM pcc.predictions
      WHERE (source = 'real' AND case_id = ANY($1)) OR (source = 'synthetic' AND batch_id = $2)
      GROUP BY 1, 2`,
    [realIds, batchId],
  );
  const count = (source: string, intent: string) => mix.rows.find((r) => r.source === source && r.intent === intent)?.n ?? 0;
  const lines = ['', 'predictions of this run, per intent:', `  ${'intent'.padEnd(22)} ${'real'.padStart(6)} ${'synthetic'.padStart(10)}`];
  for (const intent of INTENTS) lines.push(`  ${intent.padEnd(22)} ${String(count('real', intent)).padStart(6)} ${String(count('synthetic', intent)).padStart(10)}`);
  const total = (s: string) => mix.rows.filter((r) => r.source === s).reduce((a, r) => a + r.n, 0);
  lines.push(`  ${'total'.padEnd(22)} ${String(total('real')).padStart(6)} ${String(total('synthetic')).padStart(10)}`);
  const dead = await pool.query<{ reason_code: string; n: number }>(`SELECT reason_code, count(*)::int AS n FROM pcc.dead_letters WHERE case_id = ANY($1) GROUP BY 1`, [realIds]);
  if (dead.rows.length) lines.push(`  dead-lettered: ${dead.rows.map((r) => `${r.reason_code} ${r.n}`).join(', ')}`);
  if (batchId) {
    const acc = await pool.query<{ n: number; correct: number; mean_conf: number }>(
      `SELECT count(*)::int AS n, count(*) FILTER (WHERE intent = ground_truth_intent)::int AS correct, avg(confidence)::float8 AS mean_conf
         FROM pcc.predictions WHERE source = 'synthetic' AND batch_id = $1`,
      [batchId],
    );
    const a = acc.rows[0];
    if (a.n) lines.push('', `synthetic accuracy (batch ${batchId}): ${((100 * a.correct) / a.n).toFixed(1)}% of ${a.n} (label-free estimate, mean confidence: ${(100 * a.mean_conf).toFixed(1)}%)`);
  }
  const alerts = await pool.query<{ kind: string; severity: string; metric: string; source: string; value: number; threshold: number }>(
    `SELECT kind, severity, metric, source, value, threshold FROM pcc.alerts WHERE status = 'firing' ORDER BY fired_at DESC LIMIT 10`,
  );
  lines.push('', `firing alerts: ${alerts.rows.length === 0 ? 'none' : ''}`);
  for (const a of alerts.rows) lines.push(`  ${a.severity} ${a.kind} ${a.metric} (${a.source}): ${a.value.toFixed(3)} vs ${a.threshold}`);
  lines.push('', `slowest stage: ${await slowestStage(metricsPort)}`);
  for (const l of lines) say(l);
}

/** Reads the pipeline's own /metrics and names the stage that took the most time. */
async function slowestStage(port: number): Promise<string> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const stages = [...text.matchAll(/^pcc_processor_stage_seconds_total\{[^}]*stage="([a-z]+)"[^}]*\} ([0-9.e+-]+)$/gm)].map((m) => ({ stage: m[1], s: Number(m[2]) }));
    const store = /^pcc_sink_batch_seconds_sum(?:\{[^}]*\})? ([0-9.e+-]+)$/m.exec(text);
    if (store) stages.push({ stage: 'store', s: Number(store[1]) });
    if (stages.length === 0) return 'unknown (no stage metrics yet)';
    const all = stages.reduce((a, b) => a + b.s, 0);
    const top = stages.sort((a, b) => b.s - a.s)[0];
    return `${top.stage} (${(top.s * 1000).toFixed(0)} ms, ${((100 * top.s) / all).toFixed(0)}% of pipeline time; ${stages.map((s) => `${s.stage} ${(s.s * 1000).toFixed(0)} ms`).join(', ')})`;
  } catch (err) {
    return `unknown (${(err as Error).message})`;
  }
}

interface DemoKeys {
  /** True when the demo made the keys (PCC_API_KEYS and PCC_API_KEYS_FILE unset). */
  generated: boolean;
  /** PCC_API_KEYS for the gateway child when generated. */
  env: string;
  ingest: string | null;
  read: string | null;
  admin: string | null;
}

/** The keys the demo uses: the configured ones (one per role; admin stands in for any) or new ones. */
function demoKeys(g: { apiKeys: string; apiKeysFile: string }): DemoKeys {
  if (!g.apiKeys && !g.apiKeysFile) {
    const make = (role: Role) => `${role}-${randomBytes(16).toString('hex')}`;
    const k = { ingest: make('ingest'), read: make('read'), admin: make('admin') };
    return { generated: true, env: `${k.ingest}:ingest,${k.read}:read,${k.admin}:admin`, ...k };
  }
  const entries = g.apiKeys ? g.apiKeys.split(',') : [];
  if (g.apiKeysFile && existsSync(g.apiKeysFile)) entries.push(...readFileSync(g.apiKeysFile, 'utf8').split(/\r?\n/));
  parseKeys(entries); // the gateway's own check: a bad entry stops the demo with its message
  const byRole = new Map<string, string>();
  for (const raw of entries) {
    const e = raw.trim();
    if (!e || e.startsWith('#')) continue;
    const at = e.lastIndexOf(':');
    const role = e.slice(at + 1).trim();
    if (!byRole.has(role)) byRole.set(role, e.slice(0, at).trim());
  }
  const admin = byRole.get('admin') ?? null;
  return { generated: false, env: '', ingest: byRole.get('ingest') ?? admin, read: byRole.get('read') ?? admin, admin };
}

/** Polls /readyz until the gateway answers 200; gives up when its process exits or time runs out. */
async function waitForGateway(url: string, child: Child, timeoutMs: number, stop: () => boolean): Promise<{ ok: true } | { ok: false; why: string }> {
  const deadline = Date.now() + timeoutMs;
  let why = 'no answer';
  while (Date.now() < deadline && !stop()) {
    if (child.proc.exitCode !== null || child.proc.signalCode !== null) return { ok: false, why: `it exited (code ${child.proc.exitCode}; is the port taken?)` };
    try {
      const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(3000) });
      const body = (await res.json().catch(() => null)) as { status?: string } | null;
      // Another server on the port answers too: only the gateway's own "ready" counts.
      if (res.ok && body?.status === 'ready' && child.proc.exitCode === null) return { ok: true };
      why = `readyz answered ${res.status}${body?.status ? ` (${body.status})` : ' without a gateway status'}`;
    } catch (err) {
      why = (err as Error).message;
    }
    await new Promise((res) => setTimeout(res, 500));
  }
  return { ok: false, why };
}

function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]+):[^@/]*@/, '//$1:***@');
}
