/**
 * `pcc demo`: the main job for a newcomer. With the services up (`make demo` runs `make up`
 * first), it starts the pipeline and the gateway as child processes, publishes a synthetic batch
 * and the team's label-free sample of real-looking cases, waits until every case is predicted
 * or dead-lettered, prints a report, and keeps running until Ctrl-C (or stops at once with
 * --once, exiting non-zero if anything failed).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
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
import { commandNames } from '../main';
import { createCasePublisher } from '../../producers/real/publisher';

export const summary = 'the main job: pipeline, gateway, a synthetic batch and the real samples, then a report';
export const usage = `usage: pcc demo [--once] [--synthetic N] [--timeout-s S]

Needs the services of \`make up\`. Starts \`pcc run\` (and \`pcc gateway\` once the build has it;
logs under .run/), generates a synthetic batch of N template cases (default 180), publishes
data/samples/real-cases.jsonl under fresh case ids, waits until all are predicted, and prints a
report: counts per intent (real beside synthetic), synthetic accuracy, firing alerts, the
slowest pipeline stage, and the dashboard URL with a read key. Then keeps running until Ctrl-C.
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
  const readKey = `read-${randomBytes(12).toString('hex')}`;
  const adminKey = `admin-${randomBytes(12).toString('hex')}`;
  const runDir = path.join(ROOT, '.run');
  mkdirSync(runDir, { recursive: true });
  const say = (s: string) => process.stdout.write(`[demo] ${s}\n`);
  const failures: string[] = [];
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

  const pool = createPool(config, 'pcc-demo');
  try {
    say(`run ${runId}: starting the pipeline (pcc run)`);
    startChild('pipeline', ['run']);
    const hasGateway = commandNames().includes('gateway');
    if (hasGateway) startChild('gateway', ['gateway'], { PCC_API_KEYS: `${readKey}:read,${adminKey}:admin` });
    else say('the REST gateway is not part of this build yet; skipping it (no dashboard)');

    const kafka = createKafka({ config, logger });
    const codec = createCodec(createRegistry(config));

    // Real-looking cases shipped in the repository (written by the team, no labels).
    const samples = readFileSync(path.join(ROOT, 'data/samples/real-cases.jsonl'), 'utf8').split('\n').filter((l) => l.trim());
    const now = Date.now();
    const realCases = samples.map((line) => {
      const v = toCaseValue(line, 'real', now);
      return { ...v, case_id: `${runId}-${v.case_id}` };
    });
    const publisher = await createCasePublisher(kafka, codec, config.topics.casesReal);
    await publisher.publish(realCases);
    await publisher.close();
    say(`published ${realCases.length} real sample cases to ${config.topics.casesReal}`);

    // A synthetic batch through the synthetic stream, from the built-in template generator.
    const synthCount = Number(values.synthetic);
    let batchId: string | null = null;
    if (synthCount > 0) {
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
    const deadline = Date.now() + Number(values['timeout-s']) * 1000;
    let done = false;
    while (Date.now() < deadline && failures.length === 0) {
      const r = await pool.query(
        `SELECT (SELECT count(*) FROM pcc.prediction_keys WHERE source = 'real' AND case_id = ANY($1))::int
              + (SELECT count(*) FROM pcc.dead_letters WHERE case_id = ANY($1))::int AS real_done,
                (SELECT count(*) FROM pcc.predictions WHERE source = 'synthetic' AND batch_id = $2)::int AS synth_done`,
        [realIds, batchId],
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
    if (hasGateway) {
      say(`dashboard: http://${config.gateway.host}:${config.gateway.port}/dashboard?key=${readKey}`);
      say(`API (read key): curl -H 'Authorization: Bearer ${readKey}' http://${config.gateway.host}:${config.gateway.port}/v1/monitoring/summary`);
    }
    say(`logs: .run/demo-pipeline.log${hasGateway ? ', .run/demo-gateway.log' : ''}; data in Postgres: psql postgres://postgres@127.0.0.1:5432/pcc -c 'SELECT * FROM pcc.v_daily_predictions'`);
    for (const f of failures) say(`FAILED: ${f}`);

    if (values.once) {
      await stopAll();
      return failures.length ? 1 : 0;
    }
    say('running; Ctrl-C to stop');
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    await stopAll();
    return 0;
  } catch (err) {
    say(`FAILED: ${(err as Error).message}`);
    await stopAll();
    return 1;
  } finally {
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
