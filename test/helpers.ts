/**
 * Test helpers (STYLE.md §10): every test makes its own topic, group and database names against
 * the real Kafka, registry and Postgres, waits on conditions rather than sleeping, and cleans up.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import pg from 'pg';
import { loadConfig, type PccConfig } from '../lib/config';
import { createKafka } from '../lib/kafka';
import { createLogger, type Logger } from '../lib/logger';

export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** A config whose topics and groups are unique to the caller, over the local services. */
export function testConfig(overrides: NodeJS.ProcessEnv = {}): Readonly<PccConfig> {
  return loadConfig(testEnv(overrides));
}

/** The environment of testConfig(), for a child process (`node bin/pcc.js ...`) that must share it. */
export function testEnv(overrides: NodeJS.ProcessEnv = {}): Record<string, string> {
  const id = uniqueName('t');
  const env: NodeJS.ProcessEnv = {
    PCC_ENV: 'test',
    PCC_LOG_LEVEL: process.env.PCC_TEST_LOG_LEVEL ?? 'warn',
    PCC_TOPIC_CASES_REAL: `${id}.cases.real`,
    PCC_TOPIC_CASES_SYNTHETIC: `${id}.cases.synthetic`,
    PCC_TOPIC_PREDICTIONS: `${id}.predictions`,
    PCC_TOPIC_DLQ: `${id}.dlq`,
    PCC_TOPIC_ALERTS: `${id}.alerts`,
    PCC_TOPIC_PARTITIONS: '3',
    PCC_PROCESSOR_GROUP: `${id}-processor`,
    PCC_PROCESSOR_TRANSACTIONAL_ID: `${id}-processor`,
    PCC_SINK_GROUP: `${id}-sink`,
    PCC_DRIFT_GROUP: `${id}-drift`,
    PCC_METRICS_PORT: '0',
    ...pickEnv(['PCC_KAFKA_BROKERS', 'PCC_REGISTRY_URL', 'PCC_DATABASE_URL']),
    ...overrides,
  };
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as Record<string, string>;
}

/** Runs `node bin/pcc.js ...args` in `env` to its end: its exit code and output. */
export function runPcc(args: string[], env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const root = path.resolve(__dirname, '..');
  return new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(root, 'bin/pcc.js'), ...args], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c) => (stdout += c));
    p.stderr.on('data', (c) => (stderr += c));
    p.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

function pickEnv(names: string[]): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const n of names) if (process.env[n]) out[n] = process.env[n];
  return out;
}

export function testLogger(): Logger {
  return createLogger({ level: process.env.PCC_TEST_LOG_LEVEL ?? 'warn', component: 'test' });
}

export function testKafka(config: Pick<PccConfig, 'kafka'>) {
  return createKafka({ config, logger: testLogger() });
}

/** Polls `check` until it returns a truthy value or the timeout passes. */
export async function waitFor<T>(check: () => Promise<T> | T, { timeoutMs = 30_000, intervalMs = 100, what = 'condition' } = {}): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A fresh database for a test, dropped by the returned cleanup. */
export async function createTestDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const base = process.env.PCC_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/pcc';
  const name = uniqueName('pcc_test').replace(/-/g, '_');
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = base.replace(/\/[^/]*$/, `/${name}`);
  return {
    url,
    drop: async () => {
      const c = new pg.Client({ connectionString: base });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await c.end();
    },
  };
}

/** Removes a subject from the registry (soft, then permanent), so tests leave nothing behind. */
export async function deleteSubject(config: Pick<PccConfig, 'registry'>, subject: string): Promise<void> {
  const url = `${config.registry.url}/subjects/${encodeURIComponent(subject)}`;
  await fetch(url, { method: 'DELETE' }).catch(() => undefined);
  await fetch(`${url}?permanent=true`, { method: 'DELETE' }).catch(() => undefined);
}
