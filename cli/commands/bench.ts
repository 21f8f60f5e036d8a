import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultOutDir, defaultWarmupCases, PHASES, runBench, WARMUP_ROUNDS } from '../../bench/run';

export const summary = 'benchmark the pipeline, its ceiling, a naive baseline and the gateway against the real services';
export const usage = `usage: pcc bench [--cases N] [--quick] [--soak] [--partitions P] [--model DIR]
                 [--latency-seconds S] [--naive-cases M] [--skip ceiling,pipeline,naive,gateway] [--out DIR]
                 [--predictions-max-message-bytes B] [--profile DIR] [--processors P]
                 [--warmup-cases W]

Runs, in one go, against the local Kafka, schema registry and Postgres (127.0.0.1 only), on its
own topics, consumer groups and database pcc_bench_<timestamp> (all removed at the end):
  ceiling   the same cases through Kafka alone (a do-nothing pass-through process) and the same
            number of prediction-wide rows through Postgres alone (one COPY)
  pipeline  \`pcc processor\` and \`pcc sink\` as child processes: warm-up rounds (not
            measured, reported), throughput (N cases, first produce to last row stored), then
            end-to-end latency at half that rate, CPU per stage and per process, peak RSS
  naive     bench/naive.ts: one message at a time, one model call and one INSERT per case
  gateway   POST /v1/classify at 20 and 100 requests/s, POST /v1/cases in batches of 100

  --cases N           cases for the throughput phases (default 200000; 20000 with --quick;
                      1000000 with --soak)
  --quick             reduced sizes and durations: a check that everything works end to end
  --soak              1,000,000 cases; the processor's RSS is sampled every 5 s to show it is flat
  --partitions P      partitions of the bench case and prediction topics (default 6)
  --model DIR         model directory (default: the released model, models/LATEST)
  --warmup-cases W    cases through the pipeline before the measured pass, in ${WARMUP_ROUNDS}
                      rounds whose throughput and broker CPU are reported (default: twice
                      --cases, at most 400000; 0: none, a cold start). A freshly started
                      broker's JVM compiles for the first few hundred thousand cases
  --latency-seconds S length of the latency phase (default 20; 10 with --quick)
  --naive-cases M     most cases for the naive baseline (default 20000; 5000 with --quick)
  --skip LIST         phases to leave out
  --out DIR           results directory (default bench/results)
  --predictions-max-message-bytes B
                      create the bench predictions and dead-letter topics with this
                      max.message.bytes (default: the broker's); recorded in the results
  --profile DIR       run the processor and the sink under --cpu-prof; profiles go to DIR
                      (open them in Chrome DevTools); CPU figures are then a little higher
  --processors P      processor instances in the pipeline phase, one consumer group, as the
                      processor scales out (default: one per core, at most --partitions; a
                      processor is one Node.js thread); processor CPU is their sum, peak RSS
                      the largest instance's

Writes <out>/<timestamp>.json, <out>/latest.json and <out>/latest.md, and prints the summary.
Exit code 1 when a phase failed (the results are still written), 0 otherwise.`;

export async function run(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        cases: { type: 'string' },
        quick: { type: 'boolean', default: false },
        soak: { type: 'boolean', default: false },
        partitions: { type: 'string', default: '6' },
        model: { type: 'string' },
        'latency-seconds': { type: 'string' },
        'naive-cases': { type: 'string' },
        skip: { type: 'string', default: '' },
        out: { type: 'string' },
        'predictions-max-message-bytes': { type: 'string' },
        profile: { type: 'string' },
        processors: { type: 'string' },
        'warmup-cases': { type: 'string' },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`pcc bench: ${(err as Error).message}\n${usage}\n`);
    return 2;
  }
  const problems: string[] = [];
  const int = (name: string, v: string | undefined, def: number, min: number, max: number): number => {
    if (v === undefined) return def;
    const n = Number(v);
    if (!Number.isInteger(n) || n < min || n > max) problems.push(`--${name} must be an integer ${min}..${max}, got ${JSON.stringify(v)}`);
    return n;
  };
  const quick = values.quick;
  const soak = values.soak;
  if (quick && soak) problems.push('--quick and --soak do not go together');
  const cases = int('cases', values.cases, soak ? 1_000_000 : quick ? 20_000 : 200_000, 1_000, 5_000_000);
  const partitions = int('partitions', values.partitions, 6, 1, 64);
  const processors = int('processors', values.processors, Math.max(1, Math.min(os.availableParallelism(), partitions, 16)), 1, 16);
  if (processors > partitions) problems.push(`--processors ${processors} is more than --partitions ${partitions}: the extra instances would get no partition`);
  const latencySeconds = int('latency-seconds', values['latency-seconds'], quick ? 10 : 20, 2, 600);
  const warmupCases = int('warmup-cases', values['warmup-cases'], defaultWarmupCases(cases), 0, 5_000_000);
  const naiveCases = int('naive-cases', values['naive-cases'], quick ? 5_000 : 20_000, 100, 5_000_000);
  const maxMsg = values['predictions-max-message-bytes'] === undefined ? undefined : int('predictions-max-message-bytes', values['predictions-max-message-bytes'], 0, 1_048_576, 268_435_456);
  const skip = new Set(values.skip.split(',').map((s) => s.trim()).filter(Boolean));
  for (const s of skip) if (!(PHASES as readonly string[]).includes(s)) problems.push(`--skip: unknown phase "${s}" (phases: ${PHASES.join(', ')})`);
  if (problems.length) {
    process.stderr.write(`pcc bench: ${problems.join('\n  ')}\n`);
    return 2;
  }
  return runBench({ cases, quick, soak, partitions, modelDir: values.model, latencySeconds, naiveCases, skip, outDir: values.out ?? defaultOutDir(), predictionsMaxMessageBytes: maxMsg, profileDir: values.profile ? path.resolve(values.profile) : undefined, processors, warmupCases });
}
