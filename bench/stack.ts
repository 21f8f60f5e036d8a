/**
 * The benchmark's own stream over the real Kafka, registry and Postgres: uniquely named
 * topics, consumer groups and schema subjects, and its own database `pcc_bench_<ts>` (migrated
 * here, dropped at the end), so a run never touches the real `pcc` database or topics. Child
 * processes (`node bin/pcc.js processor|sink|gateway`, the naive baseline, the Kafka
 * pass-through) get an environment that points at this stream only.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Admin, Kafka } from 'kafkajs';
import pg from 'pg';
import { createCodec, createRegistry, registerDesignSchemas, subjectFor, type Codec } from '../lib/codec';
import { loadConfig, type PccConfig } from '../lib/config';
import { createPool } from '../lib/db';
import { createKafka, designTopics, ensureTopics, type TopicPlan } from '../lib/kafka';
import { createLogger } from '../lib/logger';
import { migrate } from '../lib/migrations';
import { processMemoryMb } from './proc';

export const ROOT = path.resolve(__dirname, '..');

export interface StackOptions {
  partitions: number;
  modelDir?: string;
  /** Topic-level max.message.bytes for the predictions and dead-letter topics (a workaround knob; default: the broker's). */
  predictionsMaxMessageBytes?: number;
}

export interface BenchChild {
  name: string;
  proc: ChildProcess;
  pid: number;
  /** Last lines of its stdout and stderr, for the report when it fails. */
  output: string[];
  exited: Promise<number | null>;
  /** VmHWM, read while it is alive; the last reading survives its exit. */
  peakRssMb(): number | null;
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

const KEEP_LINES = 200;

export class BenchStack {
  readonly id: string;
  readonly dbName: string;
  readonly env: Record<string, string>;
  readonly config: Readonly<PccConfig>;
  readonly extraTopics: { ceilingIn: string; ceilingOut: string; naiveCases: string };
  readonly groups: { ceiling: string; ceilingCount: string; naive: string };
  /** Children's full output goes here (logs never hold case text); kept after the run. */
  readonly logDir: string;
  kafka!: Kafka;
  admin!: Admin;
  codec!: Codec;
  pool!: pg.Pool;
  private baseUrl: string;
  private dbCreated = false;
  private topicsCreated: string[] = [];
  private children: BenchChild[] = [];
  private opts: StackOptions;

  constructor(opts: StackOptions) {
    this.opts = opts;
    const ts = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '').replace('T', '_').toLowerCase();
    const rand = randomBytes(2).toString('hex');
    this.id = `pcc-bench-${ts}-${rand}`;
    this.dbName = `pcc_bench_${ts}_${rand}`;
    this.baseUrl = process.env.PCC_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/pcc';
    const u = new URL(this.baseUrl);
    u.pathname = `/${this.dbName}`;
    const dbUrl = u.toString();
    const id = this.id;
    this.env = {
      PCC_LOG_LEVEL: 'warn',
      PCC_DATABASE_URL: dbUrl,
      PCC_TOPIC_CASES_REAL: `${id}.cases.real`,
      PCC_TOPIC_CASES_SYNTHETIC: `${id}.cases.synthetic`,
      PCC_TOPIC_PREDICTIONS: `${id}.predictions`,
      PCC_TOPIC_DLQ: `${id}.dlq`,
      PCC_TOPIC_ALERTS: `${id}.alerts`,
      PCC_TOPIC_PARTITIONS: String(opts.partitions),
      PCC_PROCESSOR_GROUP: `${id}-processor`,
      PCC_PROCESSOR_TRANSACTIONAL_ID: `${id}-processor`,
      PCC_SINK_GROUP: `${id}-sink`,
      PCC_DRIFT_GROUP: `${id}-drift`,
      ...(opts.modelDir ? { PCC_MODEL_DIR: path.resolve(opts.modelDir) } : {}),
      ...pick(['PCC_KAFKA_BROKERS', 'PCC_REGISTRY_URL', 'PCC_PROCESSOR_MAX_BATCH', 'PCC_KAFKA_FAST_PRODUCE']),
    };
    this.config = loadConfig(this.env);
    this.extraTopics = { ceilingIn: `${id}.ceiling.in`, ceilingOut: `${id}.ceiling.out`, naiveCases: `${id}.naive.cases` };
    this.groups = { ceiling: `${id}-ceiling`, ceilingCount: `${id}-ceiling-count`, naive: `${id}-naive` };
    this.logDir = path.join(os.tmpdir(), id);
    assertLocal(this.config);
  }

  async setup(log: (msg: string) => void): Promise<void> {
    const admin = new pg.Client({ connectionString: this.baseUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${this.dbName}`);
      this.dbCreated = true;
    } finally {
      await admin.end();
    }
    this.pool = createPool(this.config, 'pcc-bench');
    const m = await migrate(this.pool);
    log(`database ${this.dbName}: ${m.applied.length} migrations applied`);
    this.kafka = createKafka({ config: this.config, logger: createLogger({ level: 'warn', component: 'bench' }), clientId: 'pcc-bench' });
    this.admin = this.kafka.admin();
    await this.admin.connect();
    const p = this.opts.partitions;
    const override = this.opts.predictionsMaxMessageBytes;
    const plans: TopicPlan[] = [
      ...designTopics(this.config).map((t) =>
        override && (t.topic === this.config.topics.predictions || t.topic === this.config.topics.dlq) ? { ...t, configEntries: [{ name: 'max.message.bytes', value: String(override) }] } : t,
      ),
      { topic: this.extraTopics.ceilingIn, numPartitions: p },
      { topic: this.extraTopics.ceilingOut, numPartitions: p },
      { topic: this.extraTopics.naiveCases, numPartitions: p },
    ];
    this.topicsCreated = await ensureTopics(this.admin, plans);
    log(`topics ${this.id}.* created (${this.topicsCreated.length}, ${p} partitions for cases and predictions)`);
    const registry = createRegistry(this.config);
    await registerDesignSchemas(registry, this.config);
    this.codec = createCodec(registry);
  }

  /** Everything this run made goes: children, topics, groups, subjects, the database. */
  async teardown(): Promise<string[]> {
    const problems: string[] = [];
    await Promise.all(this.children.map((c) => c.stop('SIGKILL', 5_000).catch(() => null)));
    await this.pool?.end().catch(() => undefined);
    if (this.admin) {
      if (this.topicsCreated.length) await this.admin.deleteTopics({ topics: this.topicsCreated, timeout: 30_000 }).catch((e: Error) => problems.push(`deleting topics: ${e.message}`));
      const groups = [this.config.processor.groupId, this.config.sink.groupId, ...Object.values(this.groups)];
      const existing = new Set((await this.admin.listGroups().catch(() => ({ groups: [] as { groupId: string }[] }))).groups.map((g) => g.groupId));
      const mine = groups.filter((g) => existing.has(g) || g.startsWith(`${this.id}-gw`));
      if (mine.length) await this.admin.deleteGroups(mine).catch(() => undefined);
      await this.admin.disconnect().catch(() => undefined);
      for (const t of designTopics(this.config)) await deleteSubject(this.config.registry.url, subjectFor(t.topic));
    }
    if (this.dbCreated) {
      const c = new pg.Client({ connectionString: this.baseUrl });
      try {
        await c.connect();
        await c.query(`DROP DATABASE IF EXISTS ${this.dbName} WITH (FORCE)`);
      } catch (e) {
        problems.push(`dropping ${this.dbName}: ${(e as Error).message}`);
      } finally {
        await c.end().catch(() => undefined);
      }
    }
    return problems;
  }

  /** Environment for a child: the parent's minus every PCC_* variable, plus this stream's. */
  childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('PCC_')));
    return { ...base, ...this.env, ...extra };
  }

  /** `node bin/pcc.js <args>` or, for a bench/*.ts entry, `node -r tsx/cjs <file>`. */
  spawn(name: string, args: string[], extraEnv: Record<string, string> = {}, nodeFlags: string[] = []): BenchChild {
    const argv = [...nodeFlags, ...(args[0].endsWith('.ts') ? ['--require', 'tsx/cjs', path.join(ROOT, args[0]), ...args.slice(1)] : [path.join(ROOT, 'bin/pcc.js'), ...args])];
    const proc = spawn(process.execPath, argv, { cwd: ROOT, env: this.childEnv(extraEnv), stdio: ['ignore', 'pipe', 'pipe'] });
    const output: string[] = [];
    mkdirSync(this.logDir, { recursive: true });
    const file = createWriteStream(path.join(this.logDir, `${name}.log`), { flags: 'a' });
    proc.once('exit', () => file.end());
    const collect = (chunk: Buffer) => {
      file.write(chunk);
      output.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      if (output.length > KEEP_LINES) output.splice(0, output.length - KEEP_LINES);
    };
    proc.stdout!.on('data', collect);
    proc.stderr!.on('data', collect);
    const exited = new Promise<number | null>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
    let lastPeak: number | null = null;
    const peak = () => {
      const m = processMemoryMb(proc.pid!);
      if (m && Number.isFinite(m.peakRssMb)) lastPeak = m.peakRssMb;
      return lastPeak;
    };
    const child: BenchChild = {
      name,
      proc,
      pid: proc.pid!,
      output,
      exited,
      peakRssMb: peak,
      async stop(signal = 'SIGTERM', timeoutMs = 20_000) {
        peak();
        if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
        proc.kill(signal);
        const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
        const code = await exited;
        clearTimeout(timer);
        return code;
      },
    };
    this.children.push(child);
    return child;
  }

  /** Waits until a consumer group is Stable with `members` members that hold partitions. */
  async waitGroupStable(groupId: string, child: BenchChild | null, timeoutMs = 90_000, members = 1): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (child && child.proc.exitCode !== null) throw new Error(`${child.name} exited (${child.proc.exitCode}) before joining ${groupId}:\n  ${child.output.slice(-15).join('\n  ')}`);
      const { groups } = await this.admin.describeGroups([groupId]);
      const g = groups[0];
      if (g && g.state === 'Stable' && g.members.length >= members && g.members.every((m) => m.memberAssignment && m.memberAssignment.length > 0)) return;
      if (Date.now() > deadline) throw new Error(`group ${groupId} not stable after ${timeoutMs} ms (state ${g?.state})${child ? `:\n  ${child.output.slice(-15).join('\n  ')}` : ''}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

function pick(names: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of names) if (process.env[n]) out[n] = process.env[n]!;
  return out;
}

/** Every load loop only targets 127.0.0.1: a benchmark pointed at a shared cluster is refused. */
function assertLocal(config: Readonly<PccConfig>): void {
  const local = (h: string) => /^(127\.0\.0\.1|localhost|\[::1\])$/.test(h);
  const bad: string[] = [];
  for (const b of config.kafka.brokers) if (!local(b.replace(/:\d+$/, ''))) bad.push(`PCC_KAFKA_BROKERS=${b}`);
  if (!local(new URL(config.registry.url).hostname)) bad.push(`PCC_REGISTRY_URL=${config.registry.url}`);
  if (!local(new URL(config.db.url).hostname)) bad.push('PCC_DATABASE_URL');
  if (bad.length) throw new Error(`pcc bench runs against local services only (127.0.0.1); refusing ${bad.join(', ')}`);
}

async function deleteSubject(registryUrl: string, subject: string): Promise<void> {
  const url = `${registryUrl}/subjects/${encodeURIComponent(subject)}`;
  await fetch(url, { method: 'DELETE' }).catch(() => undefined);
  await fetch(`${url}?permanent=true`, { method: 'DELETE' }).catch(() => undefined);
}
