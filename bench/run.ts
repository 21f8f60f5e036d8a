/**
 * `pcc bench`: the whole benchmark in one run against the real Kafka, registry and Postgres.
 *
 *  1. ceilings: the same cases through Kafka alone (do-nothing pass-through) and the same number
 *     of rows through Postgres alone (one COPY);
 *  2. the pipeline (processor and sink as child processes): throughput, then latency at half
 *     the measured maximum rate, CPU per stage and per process, peak RSS;
 *  3. the naive baseline (bench/naive.ts) on min(N, 20,000) of the same cases;
 *  4. the gateway, when `pcc gateway` exists.
 *
 * Each phase that fails is recorded in `errors` and the next one still runs; everything the run
 * created (topics, groups, subjects, database pcc_bench_*) is removed at the end.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { resolveModelDir } from '../ml/artifact';
import { measureNaive, type NaiveResult } from './baseline';
import { avgValueBytes, createCaseFactory, encodeCases } from './cases';
import { measureKafkaCeiling, measurePostgresCeiling, type KafkaCeiling, type PostgresCeiling } from './ceiling';
import { measureGateway, type GatewayResult } from './gateway';
import { progressBar, PRODUCE_BATCH } from './load';
import { measureLatency, measureThroughput, startPipeline, stopPipeline, type LatencyResult, type ThroughputResult } from './pipeline';
import { round, serviceUptimeSeconds } from './proc';
import { targetRows, warmupRoundsText, writeResults } from './report';
import { BenchStack, ROOT } from './stack';

export interface BenchOptions {
  cases: number;
  quick: boolean;
  soak: boolean;
  partitions: number;
  modelDir?: string;
  latencySeconds: number;
  naiveCases: number;
  skip: Set<string>;
  outDir: string;
  predictionsMaxMessageBytes?: number;
  profileDir?: string;
  /** Processor instances in the pipeline phase (one consumer group). */
  processors?: number;
  /** Cases passed through the pipeline, in WARMUP_ROUNDS rounds, before the measured pass (0: none). */
  warmupCases: number;
}

/** Rounds the warm-up is split into: each round's throughput and broker CPU are reported. */
export const WARMUP_ROUNDS = 4;

/** The default warm-up: twice the measured cases, at most 400,000 (see measureThroughput). */
export function defaultWarmupCases(cases: number): number {
  return Math.min(2 * cases, 400_000);
}

export const PHASES = ['ceiling', 'pipeline', 'naive', 'gateway'] as const;

/** A broker younger than this at the start of a run is reported as not warmed up. */
const BROKER_WARM_S = 600;

function log(msg: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${msg}\n`);
}

function gitCommit(): string | null {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function modelInfo(dir?: string): { version: string | null; embeddingDim: number; dir: string | null; error?: string } {
  try {
    const d = resolveModelDir(dir);
    const m = JSON.parse(readFileSync(path.join(d, 'manifest.json'), 'utf8')) as { version: string; embedding_dim: number };
    return { version: m.version, embeddingDim: m.embedding_dim, dir: path.relative(ROOT, d) || d };
  } catch (err) {
    return { version: null, embeddingDim: 128, dir: null, error: (err as Error).message };
  }
}

/** Least-squares slope (MB per minute) of an RSS series [seconds, MB]. */
function slopePerMin(series: [number, number][]): number | null {
  if (series.length < 3) return null;
  const n = series.length;
  const mx = series.reduce((a, [x]) => a + x, 0) / n;
  const my = series.reduce((a, [, y]) => a + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of series) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den ? round((num / den) * 60, 3) : null;
}

function downsample<T>(xs: T[], max: number): T[] {
  if (xs.length <= max) return xs;
  const step = xs.length / max;
  return Array.from({ length: max }, (_, i) => xs[Math.floor(i * step)]);
}

export async function runBench(opts: BenchOptions): Promise<number> {
  const startedAt = new Date();
  const model = modelInfo(opts.modelDir);
  if (!model.version) {
    log(`no model: ${model.error}. Train one (make train) or pass --model DIR.`);
    return 1;
  }
  const N = opts.cases;
  const errors: Record<string, string> = {};
  const notes: string[] = [];
  // A freshly started broker costs the pipeline about twice the broker CPU per case: its JVM is
  // still compiling (measured per thread, docs/scaling.md). The pipeline phase therefore runs
  // warm-up rounds before the measured pass and reports them; without a warm-up, a young broker
  // is flagged.
  const brokerUptime = serviceUptimeSeconds('kafka');
  if (opts.warmupCases === 0 && brokerUptime !== null && brokerUptime < BROKER_WARM_S) {
    notes.push(`the Kafka broker had been running for ${brokerUptime} s when this run began and the warm-up was off (--warmup-cases 0): a freshly started broker's JVM is still compiling and costs about twice the broker CPU per case; the figures are a cold start, not the steady state`);
    log(`note: the broker started ${brokerUptime} s ago and the warm-up is off; the figures are a cold start`);
  }
  const stack = new BenchStack({ partitions: opts.partitions, modelDir: opts.modelDir, predictionsMaxMessageBytes: opts.predictionsMaxMessageBytes });
  if (opts.predictionsMaxMessageBytes) notes.push(`the bench predictions and dead-letter topics were created with max.message.bytes=${opts.predictionsMaxMessageBytes} (not what \`pcc bootstrap\` creates): a workaround for the processor producing record batches over the broker's limit under backlog`);
  let interrupted = false;
  const onSignal = () => {
    if (interrupted) process.exit(130);
    interrupted = true;
    log('interrupted: cleaning up (a second ^C exits at once)');
    stack.teardown().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let kafkaCeiling: KafkaCeiling | null = null;
  let pgCeiling: PostgresCeiling | null = null;
  let throughput: ThroughputResult | null = null;
  let latency: LatencyResult | null = null;
  let naive: NaiveResult | null = null;
  let gateway: GatewayResult | null = null;
  let peaks: { processor: number | null; sink: number | null } = { processor: null, sink: null };
  let rssSeries: { processor: [number, number][]; sink: [number, number][] } = { processor: [], sink: [] };
  let bodyBytes = 0;
  let valueBytes = 0;
  let cleanup: string[] = [];
  const naiveN = Math.min(N, opts.naiveCases);
  const phase = async (name: string, fn: () => Promise<void>) => {
    if (interrupted) return;
    const t0 = Date.now();
    try {
      await fn();
      log(`${name}: done in ${round((Date.now() - t0) / 1000, 1)} s`);
    } catch (err) {
      errors[name] = (err as Error).message;
      log(`${name} FAILED: ${(err as Error).message.split('\n')[0]}`);
    }
  };

  try {
    log(`stream ${stack.id}, database ${stack.dbName}, model ${model.version}, N=${N}${opts.quick ? ' (quick)' : ''}${opts.soak ? ' (soak)' : ''}`);
    await stack.setup(log);
    const factory = createCaseFactory();
    bodyBytes = factory.bodyBytesAvg;
    const topic = stack.config.topics.casesReal;
    const bar = progressBar('encoding cases (Avro)', N);
    const messages = await encodeCases(stack.codec, topic, factory, 'tp', N, (d) => bar.update(d));
    bar.stop();
    const warmRounds = opts.warmupCases > 0 ? WARMUP_ROUNDS : 0;
    const warmSize = Math.ceil(opts.warmupCases / WARMUP_ROUNDS);
    const warmup = { rounds: warmRounds, encode: (r: number) => encodeCases(stack.codec, topic, factory, `warm${r}`, warmSize) };
    valueBytes = avgValueBytes(messages);
    log(`${N} cases encoded: body ~${bodyBytes} B, Avro value ~${valueBytes} B`);

    if (!opts.skip.has('ceiling')) {
      await phase('ceiling.kafka', async () => {
        kafkaCeiling = await measureKafkaCeiling(stack, messages, 120_000 + (N / 2_000) * 1000);
        log(`kafka pass-through: ${kafkaCeiling.cases_per_s} cases/s`);
      });
      await phase('ceiling.postgres', async () => {
        const excerpts = Array.from({ length: 200 }, (_, i) => factory.value('x', i).body);
        pgCeiling = await measurePostgresCeiling(stack, N, model.embeddingDim, excerpts);
        log(`postgres COPY: ${pgCeiling.rows_per_s} rows/s`);
      });
    }

    if (!opts.skip.has('pipeline')) {
      await phase('pipeline', async () => {
        const pipe = await startPipeline(stack, opts.soak ? 5_000 : 2_000, opts.profileDir, opts.processors ?? 1);
        try {
          await phase('pipeline.throughput', async () => {
            throughput = await measureThroughput(stack, pipe, warmup, messages);
            const wr = (throughput as ThroughputResult).warmup_rounds;
            if (wr.length) log(`warm-up: ${warmupRoundsText(wr)}`);
            log(`pipeline: ${throughput.cases_per_s} cases/s (${throughput.rows_stored} rows in ${throughput.seconds} s)`);
            if (!throughput.complete) throw new Error(throughput.error);
          });
          // Half of a rate the pipeline did not sustain would measure nothing: no latency phase then.
          if (throughput && (throughput as ThroughputResult).complete && (throughput as ThroughputResult).cases_per_s > 0) {
            await phase('pipeline.latency', async () => {
              const rate = Math.max(10, (throughput as ThroughputResult).cases_per_s * 0.5);
              latency = await measureLatency(stack, pipe, factory, rate, opts.latencySeconds * 1000, (throughput as ThroughputResult).warmup_cases + (throughput as ThroughputResult).rows_stored);
              log(`latency at ${Math.round(rate)}/s: p50 ${latency.e2e_ms.p50} ms, p99 ${latency.e2e_ms.p99} ms`);
              if (!latency.complete) throw new Error(latency.error);
            });
          }
        } finally {
          rssSeries = pipe.rss.series;
          peaks = await stopPipeline(pipe);
        }
        if ([pipe.processor, ...pipe.moreProcessors.map((p) => p.child)].some((c) => c.output.some((l) => l.includes('larger than the max message size')))) {
          notes.push('the processor was refused with MESSAGE_TOO_LARGE while producing predictions and retried the same batch without end (see docs/scaling.md, "What would move these numbers", point 2); `--predictions-max-message-bytes 67108864` works around it for measuring');
        }
        // kafkajs logs the rebalance of instances joining the group at start-up at error level;
        // startPipeline waits for the group to settle before anything is measured.
        const isError = (l: string) => /\berror\b/i.test(l) && !/group is rebalancing/i.test(l);
        const crashed = [pipe.processor, ...pipe.moreProcessors.map((p) => p.child), pipe.sink].filter((c) => c.output.some(isError));
        for (const c of crashed) notes.push(`${c.name} logged errors: ${c.output.filter(isError).slice(-3).join(' | ').slice(0, 600)}`);
      });
    }

    if (!opts.skip.has('naive')) {
      await phase('naive', async () => {
        naive = await measureNaive(stack, messages.slice(0, naiveN), (opts.quick ? 180 : 420) * 1000);
        log(`naive: ${naive.cases_per_s} cases/s over ${naive.rows_stored} cases`);
      });
    }

    if (!opts.skip.has('gateway')) {
      await phase('gateway', async () => {
        // /v1/classify waits for the processor's prediction: the pipeline runs again for this phase.
        const pipe = await startPipeline(stack, 2_000, undefined);
        try {
          gateway = await measureGateway(stack, factory, { rates: [20, 100], durationMs: (opts.quick ? 8 : 15) * 1000, ingestBatches: opts.quick ? 50 : 200 });
        } finally {
          await stopPipeline(pipe);
        }
        if (!gateway.available) log(`gateway not measured: ${gateway.reason}`);
      });
    }
  } catch (err) {
    errors.setup = (err as Error).message;
    log(`setup FAILED: ${(err as Error).message}`);
  } finally {
    cleanup = await stack.teardown();
    if (cleanup.length) notes.push(`cleanup: ${cleanup.join('; ')}`);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }

  const tp = throughput as ThroughputResult | null;
  const lat = latency as LatencyResult | null;
  const kc = kafkaCeiling as KafkaCeiling | null;
  const pc = pgCeiling as PostgresCeiling | null;
  const nv = naive as NaiveResult | null;
  const gw = gateway as GatewayResult | null;
  const ceilings = [kc?.cases_per_s, pc?.rows_per_s].filter((x): x is number => typeof x === 'number' && x > 0);
  const ceiling = ceilings.length === 2 ? Math.min(...ceilings) : null;
  const e2e = tp?.complete ? tp.cases_per_s : null;
  const at20 = gw?.classify?.find((c) => c.target_rps === 20) ?? null;
  const at100 = gw?.classify?.find((c) => c.target_rps === 100) ?? null;
  const procSeries = rssSeries.processor;
  const half = procSeries.slice(Math.floor(procSeries.length / 2));
  const quarter = Math.max(1, Math.floor(procSeries.length / 4));
  const mean = (xs: [number, number][]) => (xs.length ? round(xs.reduce((a, [, y]) => a + y, 0) / xs.length, 1) : null);
  // Flat means no upward trend once warmed up: the garbage collector's sawtooth makes a slope over a
  // minute or two meaningless, so the mean of the last quarter is compared with the second
  // quarter's (the first quarter is warm-up), within 10%.
  const quarterMeans = (series: [number, number][]) => {
    const q = Math.max(1, Math.floor(series.length / 4));
    return { second: mean(series.slice(q, 2 * q)), last: mean(series.slice(-q)) };
  };
  const flatOf = (series: [number, number][]) => {
    const { second, last } = quarterMeans(series);
    return series.length < 8 || second === null || last === null ? null : last <= second * 1.1;
  };
  const soak = opts.soak
    ? {
        processor_rss_first_quarter_mb: mean(procSeries.slice(0, quarter)),
        processor_rss_second_quarter_mb: quarterMeans(procSeries).second,
        processor_rss_last_quarter_mb: mean(procSeries.slice(-quarter)),
        processor_rss_slope_mb_per_min: slopePerMin(half),
        flat: flatOf(procSeries),
        sink_rss_second_quarter_mb: quarterMeans(rssSeries.sink).second,
        sink_rss_last_quarter_mb: quarterMeans(rssSeries.sink).last,
        sink_flat: flatOf(rssSeries.sink),
      }
    : undefined;
  if (N !== naiveN || nv?.note) notes.push(`naive baseline run on ${naiveN} of the ${N} cases (one at a time is slow)${nv?.note ? `; ${nv.note}` : ''}`);
  if (kc && tp && kc.produce_only_cases_per_s && tp.produce_only_cases_per_s < tp.cases_per_s * 1.2) {
    notes.push(`the bench producer (${tp.produce_only_cases_per_s} cases/s while the pipeline ran) is close to the pipeline rate: production, not processing, may bound the figure`);
  }
  notes.push('ceiling_cases_per_s is the lower of the Kafka pass-through and the Postgres COPY rates, each measured alone; the pipeline does both at once on the same two cores, so the ratio is a strict one');
  notes.push('stage_cpu_us: decode..produce from pcc_processor_stage_seconds_total (wall time inside the stage, which is CPU-bound), store from the sink\'s pcc_sink_batch_seconds sum (wall time of a batch including the database round trips); process_cpu_us_per_case: /proc utime+stime over the throughput phase divided by N');

  const result = {
    benchmark: 'pcc bench',
    schema_version: 1,
    measured_at: startedAt.toISOString(),
    duration_s: round((Date.now() - startedAt.getTime()) / 1000, 1),
    git_commit: gitCommit(),
    model_version: model.version,
    model_dir: model.dir,
    N,
    machine: {
      cores: os.cpus().length,
      cpu_model: os.cpus()[0]?.model ?? 'unknown',
      memory_gb: round(os.totalmem() / 2 ** 30, 1),
      platform: `${os.platform()} ${os.release()}`,
      node: process.version,
      shared_with: 'Kafka broker, schema registry and Postgres run on the same machine',
      broker_uptime_s_at_start: brokerUptime,
    },
    config: { quick: opts.quick, soak: opts.soak, partitions: opts.partitions, predictions_max_message_bytes: opts.predictionsMaxMessageBytes ?? 'broker default', producer_batch: PRODUCE_BATCH, producer: 'kafkajs idempotent, acks=all, 1 request in flight', latency_seconds: opts.latencySeconds, processors: opts.processors ?? 1, processor_max_batch: stack.config.processor.maxBatch, kafka_fast_produce: stack.config.kafka.fastProduce, skipped: [...opts.skip] },
    case_body_bytes: bodyBytes,
    case_value_bytes: valueBytes,
    e2e_cases_per_s: e2e,
    ceiling_cases_per_s: ceiling,
    ratio_to_ceiling: e2e !== null && ceiling ? round(e2e / ceiling, 3) : null,
    naive_cases_per_s: nv?.cases_per_s ?? null,
    naive_cases: nv ? nv.rows_stored : null,
    naive_note: nv ? (naiveN < N ? `run on min(N, ${opts.naiveCases}) = ${naiveN} cases` : `run on all ${N} cases`) + (nv.note ? `; ${nv.note}` : '') : null,
    gain_over_naive: e2e !== null && nv?.cases_per_s ? round(e2e / nv.cases_per_s, 1) : null,
    e2e_latency_ms: lat ? { p50: lat.e2e_ms.p50, p95: lat.e2e_ms.p95, p99: lat.e2e_ms.p99, at_rate_per_s: lat.rate_per_s, duration_s: lat.duration_s } : { p50: null, p95: null, p99: null },
    classify_latency_ms: at20 ? { p50: at20.latency_ms.p50, p99: at20.latency_ms.p99, at_rps: 20 } : { p50: null, p99: null, reason: gw?.reason ?? 'gateway phase not run' },
    classify_latency_ms_at_100rps: at100 ? { p50: at100.latency_ms.p50, p99: at100.latency_ms.p99 } : null,
    ingest_cases_per_s: gw?.ingest?.cases_per_s ?? null,
    stage_cpu_us: tp ? { ...tp.stage_cpu_us, processor_process_total: tp.process_cpu_us_per_case.processor, sink_process_total: tp.process_cpu_us_per_case.sink } : null,
    peak_rss_mb: { processor: peaks.processor, sink: peaks.sink, naive: nv?.peak_rss_mb ?? null, gateway: gw?.peak_rss_mb ?? null, kafka_passthrough: kc?.passthrough_peak_rss_mb ?? null },
    targets: targetRows({ e2e, ratio: e2e !== null && ceiling ? round(e2e / ceiling, 3) : null, p99: lat?.complete ? lat.e2e_ms.p99 : null, classifyP99: at20?.latency_ms.p99 ?? null, rss: peaks.processor }),
    ceiling: { kafka: kc, postgres: pc },
    pipeline: { throughput: tp, latency: lat, rss_series_mb: { processor: downsample(rssSeries.processor, 150), sink: downsample(rssSeries.sink, 150) } },
    naive: nv,
    gateway: gw,
    ...(soak ? { soak } : {}),
    errors,
    notes,
    child_logs: stack.logDir,
    ...(opts.profileDir ? { cpu_profiles: opts.profileDir } : {}),
  };
  const files = writeResults(opts.outDir, result);
  process.stdout.write(readFileSync(files.md, 'utf8'));
  log(`wrote ${path.relative(process.cwd(), files.json)}, ${path.relative(process.cwd(), files.latest)} and ${path.relative(process.cwd(), files.md)}`);
  return Object.keys(errors).length ? 1 : 0;
}

export function defaultOutDir(): string {
  return path.join(ROOT, 'bench', 'results');
}

export function hasReleasedModel(): boolean {
  return existsSync(path.join(ROOT, 'models', 'LATEST'));
}
