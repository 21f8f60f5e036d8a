/**
 * The pipeline under load: `node bin/pcc.js processor` and `node bin/pcc.js sink` as separate
 * child processes on the bench stream, each with its own /metrics port.
 *
 * Throughput: N cases produced as fast as the producer goes; the figure is N / (first produce
 * to the last row's stored_at). Processor stage seconds, sink batch seconds and the processes'
 * CPU (/proc utime+stime) are read before and after, and divided by N.
 *
 * Latency: then cases are produced at a fixed rate (half the measured maximum) for a fixed time,
 * each with received_at = its produce time; p50/p95/p99 of stored_at - received_at come from
 * the database.
 */
import type { Message } from 'kafkajs';
import type { CaseFactory } from './cases';
import { connectProducer, produceAll, producePaced, progressBar, waitForCount } from './load';
import {
  busyShare, freePort, httpGet, machineCpu, processCpuSeconds, processMemoryMb, round, scrape, serviceCpuDelta, snapshotServices, sumMetric, type Sample,
} from './proc';
import type { BenchChild, BenchStack } from './stack';

export interface Pipeline {
  /** The first processor instance; with `--processors P` the others are in `moreProcessors`. */
  processor: BenchChild;
  sink: BenchChild;
  processorPort: number;
  sinkPort: number;
  moreProcessors: { child: BenchChild; port: number }[];
  rss: RssSampler;
}

const processorsOf = (pipe: { processor: BenchChild; moreProcessors: { child: BenchChild }[] }): BenchChild[] => [pipe.processor, ...pipe.moreProcessors.map((p) => p.child)];

/** Summed /proc CPU seconds of every processor instance (null when one cannot be read). */
function processorsCpuSeconds(pipe: Pipeline): number | null {
  let sum = 0;
  for (const c of processorsOf(pipe)) {
    const v = processCpuSeconds(c.pid);
    if (v === null) return null;
    sum += v;
  }
  return sum;
}

export interface RssSampler {
  series: { processor: [number, number][]; sink: [number, number][] };
  stop(): void;
}

function sampleRss(pipe: { processor: BenchChild; sink: BenchChild; moreProcessors: { child: BenchChild }[] }, everyMs: number): RssSampler {
  const t0 = Date.now();
  const series = { processor: [] as [number, number][], sink: [] as [number, number][] };
  const take = () => {
    const t = round((Date.now() - t0) / 1000, 1);
    const p = processMemoryMb(pipe.processor.pid);
    const s = processMemoryMb(pipe.sink.pid);
    if (p) series.processor.push([t, p.rssMb]);
    if (s) series.sink.push([t, s.rssMb]);
    for (const c of processorsOf(pipe)) c.peakRssMb();
    pipe.sink.peakRssMb();
  };
  take();
  const timer = setInterval(take, everyMs);
  timer.unref();
  return { series, stop: () => clearInterval(timer) };
}

/**
 * `profileDir`: run both under `--cpu-prof`; the .cpuprofile files are written there when they stop.
 * `processors`: processor instances in the one consumer group (each its own transactional id), as
 * the processor scales out in production (docs/scaling.md).
 */
export async function startPipeline(stack: BenchStack, rssEveryMs: number, profileDir?: string, processors = 1): Promise<Pipeline> {
  const processorPort = await freePort();
  const sinkPort = await freePort();
  const prof = (name: string) => (profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-name=${name}.cpuprofile`] : []);
  const processor = stack.spawn('processor', ['processor'], { PCC_METRICS_PORT: String(processorPort), PCC_PROCESSOR_INSTANCE: 'bench-0' }, prof('processor'));
  const moreProcessors: Pipeline['moreProcessors'] = [];
  for (let i = 1; i < processors; i++) {
    const port = await freePort();
    moreProcessors.push({ port, child: stack.spawn(`processor-${i}`, ['processor'], { PCC_METRICS_PORT: String(port), PCC_PROCESSOR_INSTANCE: `bench-${i}` }, prof(`processor-${i}`)) });
  }
  const sink = stack.spawn('sink', ['sink'], { PCC_METRICS_PORT: String(sinkPort) }, prof('sink'));
  await stack.waitGroupStable(stack.config.processor.groupId, processor, 120_000, processors);
  await stack.waitGroupStable(stack.config.sink.groupId, sink, 120_000);
  for (const [c, port] of [[processor, processorPort], ...moreProcessors.map((p) => [p.child, p.port] as const), [sink, sinkPort]] as const) {
    const h = await httpGet(port, '/healthz').catch((e: Error) => ({ status: 0, body: e.message }));
    if (h.status !== 200) throw new Error(`${c.name} is not healthy: ${h.status} ${h.body}`);
  }
  return { processor, sink, processorPort, sinkPort, moreProcessors, rss: sampleRss({ processor, sink, moreProcessors }, rssEveryMs) };
}

export async function stopPipeline(pipe: Pipeline): Promise<{ processor: number | null; sink: number | null }> {
  pipe.rss.stop();
  const procPeaks = processorsOf(pipe).map((c) => c.peakRssMb()).filter((v): v is number => v !== null);
  const peaks = { processor: procPeaks.length ? Math.max(...procPeaks) : null, sink: pipe.sink.peakRssMb() };
  await Promise.all([...processorsOf(pipe).map((c) => c.stop()), pipe.sink.stop()]);
  return peaks;
}

const rowsStored = async (pipe: Pipeline) => sumMetric(await scrape(pipe.sinkPort), 'pcc_sink_rows_written_total', { table: 'predictions' });

function childAlive(pipe: Pipeline): string | null {
  for (const c of [...processorsOf(pipe), pipe.sink]) if (c.proc.exitCode !== null || c.proc.signalCode !== null) return `${c.name} exited (${c.proc.exitCode ?? c.proc.signalCode}): ${c.output.slice(-5).join(' | ')}`;
  return null;
}

/** Produces `messages` and waits until `baseline + messages.length` rows are stored. */
async function pushAndWait(stack: BenchStack, pipe: Pipeline, messages: Message[], baseline: number, label: string, budgetMs: number) {
  const producer = await connectProducer(stack.kafka);
  const bar = progressBar(label, messages.length);
  try {
    const produced = produceAll(producer, stack.config.topics.casesReal, messages, { deadline: Date.now() + budgetMs });
    const stored = waitForCount(() => rowsStored(pipe), baseline + messages.length, {
      timeoutMs: budgetMs,
      stallMs: 90_000,
      // Each poll is a full /metrics scrape of the sink; four a second cost it ~4% of its CPU.
      // The throughput comes from stored_at, not from when a poll saw the last row.
      intervalMs: 1_000,
      onValue: (v) => bar.update(v - baseline),
      failIf: () => childAlive(pipe),
    });
    const timing = await produced;
    const r = await stored;
    return { timing, ...r };
  } finally {
    bar.stop();
    await producer.disconnect().catch(() => undefined);
  }
}

/** One warm-up round: the pipeline over cases that are not measured, and what it cost. */
export interface WarmupRound {
  cases: number;
  cases_per_s: number;
  /** The broker's CPU (utime+stime) per case over the round; null when the broker is not a local process. */
  kafka_broker_cpu_us_per_case: number | null;
}

/** Warm-up before the measured pass: `rounds` rounds, each of cases encoded on demand (distinct case ids). */
export interface Warmup {
  rounds: number;
  encode: (round: number) => Promise<Message[]>;
}

export interface ThroughputResult {
  cases: number;
  warmup_cases: number;
  /** Each warm-up round's throughput and broker CPU: the curve the measured pass comes after. */
  warmup_rounds: WarmupRound[];
  cases_per_s: number;
  seconds: number;
  produce_only_cases_per_s: number;
  rows_stored: number;
  dead_letters: number;
  stage_cpu_us: Record<string, number>;
  process_cpu_us_per_case: Record<string, number | null>;
  machine_busy_share: number | null;
  /** On-disk bytes per stored case: the predictions partitions and the idempotency ledger, with indexes and TOAST. */
  db_bytes_per_case: { predictions: number; prediction_keys: number } | null;
  /** Processor batches by size (upper bound of the histogram bucket → batches), over the phase. */
  processor_batch_sizes: Record<string, number>;
  /** Rows stored in each second from the first produce: the ramp-up, the steady rate and the drain. */
  stored_by_second: number[];
  complete: boolean;
  error?: string;
}

/** Stage counters of the processor and the sink's batch-seconds sum, read once. */
async function readCounters(pipe: Pipeline) {
  const [s, ...ps] = await Promise.all([scrape(pipe.sinkPort), scrape(pipe.processorPort), ...pipe.moreProcessors.map((x) => scrape(x.port))]);
  // Every instance's samples in one list: sumMetric adds them up.
  const p = ps.flat();
  const stage = (name: string) => sumMetric(p, 'pcc_processor_stage_seconds_total', { stage: name });
  return {
    decode: stage('decode'),
    validate: stage('validate'),
    redact: stage('redact'),
    classify: stage('classify'),
    produce: stage('produce'),
    processorBatch: sumMetric(p, 'pcc_processor_batch_seconds_sum'),
    store: sumMetric(s, 'pcc_sink_batch_seconds_sum'),
    deadLetters: sumMetric(p, 'pcc_dead_letters_total'),
    batchBuckets: p.filter((x) => x.name === 'pcc_processor_batch_size_bucket').reduce<Record<string, number>>((acc, x) => ({ ...acc, [x.labels.le]: (acc[x.labels.le] ?? 0) + x.value }), {}),
    processed: sumMetric(p, 'pcc_cases_processed_total'),
  };
}

export async function measureThroughput(stack: BenchStack, pipe: Pipeline, warmup: Warmup, messages: Message[]): Promise<ThroughputResult> {
  // Warm-up rounds, not measured: the model's word cache, the processes' JIT, today's partitions
  // and, above all, the broker's JIT. A broker started minutes before spends about twice the CPU
  // per case of one that has carried a few hundred thousand cases (its C2 compiler thread alone
  // took ~4 s of CPU in the first 200,000-case pass after a start, ~1.5 s in the third), so a
  // measured pass right after `make up` would report the JVM's start-up, not the pipeline.
  let warmCases = 0;
  const warmupRounds: WarmupRound[] = [];
  for (let i = 0; i < warmup.rounds; i++) {
    const batch = await warmup.encode(i);
    const svcA = snapshotServices();
    const w = await pushAndWait(stack, pipe, batch, warmCases, `pipeline warm-up ${i + 1}/${warmup.rounds}`, 180_000 + (batch.length / 500) * 1000);
    if (!w.reached) throw new Error(`warm-up round ${i + 1}: ${w.value - warmCases} of ${batch.length} rows stored (${w.reason})`);
    const svcB = snapshotServices();
    const last = await stack.pool.query<{ last_ms: number }>('SELECT (extract(epoch FROM max(stored_at)) * 1000)::float8 AS last_ms FROM pcc.predictions');
    const kafkaCpu = serviceCpuDelta(svcA, svcB).kafka;
    warmupRounds.push({
      cases: batch.length,
      cases_per_s: Math.round(batch.length / ((last.rows[0].last_ms - w.timing.firstSendAt) / 1000)),
      kafka_broker_cpu_us_per_case: [...svcB.values()].some((x) => x.service === 'kafka') ? round((kafkaCpu * 1e6) / batch.length, 1) : null,
    });
    warmCases += batch.length;
  }
  const before = await readCounters(pipe);
  const cpu0 = { processor: processorsCpuSeconds(pipe), sink: processCpuSeconds(pipe.sink.pid), bench: process.cpuUsage() };
  const svc0 = snapshotServices();
  const m0 = machineCpu();
  const budgetMs = 120_000 + (messages.length / 500) * 1000;
  const r = await pushAndWait(stack, pipe, messages, warmCases, 'pipeline throughput', budgetMs);
  const m1 = machineCpu();
  const svc1 = snapshotServices();
  const cpu1 = { processor: processorsCpuSeconds(pipe), sink: processCpuSeconds(pipe.sink.pid), bench: process.cpuUsage(cpu0.bench) };
  const after = await readCounters(pipe);
  const { rows } = await stack.pool.query<{ last_ms: number; n: number }>('SELECT (extract(epoch FROM max(stored_at)) * 1000)::float8 AS last_ms, count(*)::int AS n FROM pcc.predictions');
  const stored = rows[0].n - warmCases;
  const size = await stack.pool
    .query<{ p: number; k: number }>(
      `SELECT (SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0) FROM pg_inherits WHERE inhparent = 'pcc.predictions'::regclass)::float8 AS p,
              pg_total_relation_size('pcc.prediction_keys')::float8 AS k`,
    )
    .then((x) => x.rows[0], () => null);
  const endMs = r.reached ? rows[0].last_ms : Date.now();
  const bySecond = await stack.pool.query<{ s: number; n: number }>(
    `SELECT floor(extract(epoch FROM stored_at) - $1::float8 / 1000)::int AS s, count(*)::int AS n
       FROM pcc.predictions WHERE stored_at >= to_timestamp($1::float8 / 1000) GROUP BY 1 ORDER BY 1`,
    [r.timing.firstSendAt],
  );
  const storedBySecond: number[] = [];
  for (const x of bySecond.rows) if (x.s >= 0 && x.s < 3600) storedBySecond[x.s] = x.n;
  const seconds = (endMs - r.timing.firstSendAt) / 1000;
  const n = messages.length;
  const perCase = (a: number, b: number) => round(((b - a) * 1e6) / n, 1);
  const proc = (a: number | null, b: number | null) => (a !== null && b !== null ? round(((b - a) * 1e6) / n, 1) : null);
  const svc = serviceCpuDelta(svc0, svc1);
  return {
    cases: n,
    warmup_cases: warmCases,
    warmup_rounds: warmupRounds,
    cases_per_s: Math.round(stored / seconds),
    seconds: round(seconds, 2),
    produce_only_cases_per_s: Math.round(r.timing.sent / ((r.timing.lastAckAt - r.timing.firstSendAt) / 1000)),
    rows_stored: stored,
    dead_letters: after.deadLetters - before.deadLetters,
    stage_cpu_us: {
      decode: perCase(before.decode, after.decode),
      validate: perCase(before.validate, after.validate),
      redact: perCase(before.redact, after.redact),
      classify: perCase(before.classify, after.classify),
      produce: perCase(before.produce, after.produce),
      processor_batch_wall: perCase(before.processorBatch, after.processorBatch),
      store: perCase(before.store, after.store),
    },
    process_cpu_us_per_case: {
      processor: proc(cpu0.processor, cpu1.processor),
      sink: proc(cpu0.sink, cpu1.sink),
      bench_producer: round(((cpu1.bench.user + cpu1.bench.system) / n) * 1, 1),
      kafka_broker: round((svc.kafka * 1e6) / n, 1),
      postgres: round((svc.postgres * 1e6) / n, 1),
      registry: round((svc.registry * 1e6) / n, 1),
    },
    machine_busy_share: busyShare(m0, m1),
    db_bytes_per_case: size && rows[0].n ? { predictions: Math.round(size.p / rows[0].n), prediction_keys: Math.round(size.k / rows[0].n) } : null,
    processor_batch_sizes: bucketCounts(before.batchBuckets, after.batchBuckets),
    stored_by_second: Array.from(storedBySecond, (v) => v ?? 0),
    complete: r.reached,
    ...(r.reached ? {} : { error: `${stored} of ${n} rows stored: ${r.reason}` }),
  };
}

/** Cumulative Prometheus buckets (le → count) to per-bucket counts of the difference. */
function bucketCounts(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const les = Object.keys(after).sort((a, b) => (a === '+Inf' ? 1 : b === '+Inf' ? -1 : Number(a) - Number(b)));
  const out: Record<string, number> = {};
  let prev = 0;
  for (const le of les) {
    const cum = after[le] - (before[le] ?? 0);
    if (cum - prev > 0) out[`<=${le}`] = cum - prev;
    prev = cum;
  }
  return out;
}

export interface LatencyResult {
  rate_per_s: number;
  achieved_rate_per_s: number;
  duration_s: number;
  cases: number;
  stored: number;
  e2e_ms: { p50: number | null; p95: number | null; p99: number | null; max: number | null };
  received_to_predicted_ms: { p50: number | null; p99: number | null };
  predicted_to_stored_ms: { p50: number | null; p99: number | null };
  /**
   * By second of produce time (from the phase's start): cases, p50/p99/max of end to end. Shows
   * whether the tail is spread evenly (queueing) or comes from a few stalled seconds.
   */
  by_second: { s: number; cases: number; p50: number; p99: number; max: number }[];
  complete: boolean;
  error?: string;
}

export async function measureLatency(stack: BenchStack, pipe: Pipeline, factory: CaseFactory, ratePerS: number, durationMs: number, baseline: number): Promise<LatencyResult> {
  const topic = stack.config.topics.casesReal;
  const producer = await connectProducer(stack.kafka);
  const expected = Math.round((ratePerS * durationMs) / 1000);
  const bar = progressBar(`latency @ ${Math.round(ratePerS)}/s`, expected);
  let paced;
  try {
    paced = await producePaced(producer, topic, {
      ratePerS,
      durationMs,
      make: async (i, now) => {
        const id = `lat-${i}`;
        return { key: id, value: await stack.codec.encode(topic, factory.value(id, i, now)) };
      },
      onTick: (sent) => bar.update(sent),
    });
  } finally {
    bar.stop();
    await producer.disconnect().catch(() => undefined);
  }
  const w = await waitForCount(() => rowsStored(pipe), baseline + paced.sent, { timeoutMs: 120_000, stallMs: 60_000, failIf: () => childAlive(pipe) });
  const { rows } = await stack.pool.query(
    `SELECT count(*)::int AS n,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY e2e) AS p50, percentile_cont(0.95) WITHIN GROUP (ORDER BY e2e) AS p95,
        percentile_cont(0.99) WITHIN GROUP (ORDER BY e2e) AS p99, max(e2e) AS max,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY pr) AS pr50, percentile_cont(0.99) WITHIN GROUP (ORDER BY pr) AS pr99,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY st) AS st50, percentile_cont(0.99) WITHIN GROUP (ORDER BY st) AS st99
       FROM (SELECT extract(epoch FROM stored_at - received_at) * 1000 AS e2e,
                    extract(epoch FROM predicted_at - received_at) * 1000 AS pr,
                    extract(epoch FROM stored_at - predicted_at) * 1000 AS st
               FROM pcc.predictions WHERE case_id LIKE 'lat-%') t`,
  );
  const q = rows[0] as Record<string, number | null>;
  const ms = (v: number | null) => (v === null ? null : round(Number(v), 1));
  const perSecond = await stack.pool.query<{ s: number; cases: number; p50: number; p99: number; max: number }>(
    `SELECT s::int AS s, count(*)::int AS cases,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY e2e)::float8 AS p50, percentile_cont(0.99) WITHIN GROUP (ORDER BY e2e)::float8 AS p99, max(e2e)::float8 AS max
       FROM (SELECT floor(extract(epoch FROM received_at) - $1::float8 / 1000) AS s, extract(epoch FROM stored_at - received_at) * 1000 AS e2e
               FROM pcc.predictions WHERE case_id LIKE 'lat-%') t
      GROUP BY s ORDER BY s`,
    [paced.startedAt],
  );
  return {
    rate_per_s: Math.round(ratePerS),
    achieved_rate_per_s: Math.round(paced.achievedPerS),
    duration_s: round((paced.endedAt - paced.startedAt) / 1000, 1),
    cases: paced.sent,
    stored: Number(q.n),
    e2e_ms: { p50: ms(q.p50), p95: ms(q.p95), p99: ms(q.p99), max: ms(q.max) },
    received_to_predicted_ms: { p50: ms(q.pr50), p99: ms(q.pr99) },
    predicted_to_stored_ms: { p50: ms(q.st50), p99: ms(q.st99) },
    by_second: perSecond.rows.map((x) => ({ s: x.s, cases: x.cases, p50: round(x.p50, 1), p99: round(x.p99, 1), max: round(x.max, 1) })),
    complete: w.reached,
    ...(w.reached ? {} : { error: `${w.value - baseline} of ${paced.sent} stored: ${w.reason}` }),
  };
}

export type { Sample };
