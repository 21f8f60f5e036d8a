/**
 * `npm run bench:model`: embed + classify throughput of the released model, batched, on
 * 100-word cases, in one process (run it under `taskset -c 0` for a strict one-core figure;
 * `make bench-model` does). Writes bench/results/model-latest.json.
 *
 * The cases are distinct 100-word texts assembled from template cases, so the per-word
 * vector cache in the classifier sees a realistic mix of repeated and new words. A stream
 * processor runs for hours, so the headline is measured after a short warm-up on other text, as
 * the median of five passes (each over its own cases: the machine is shared and one pass is noisy);
 * the cold start of a fresh process is reported next to it.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { generateTemplateCases } from '../producers/synthetic/template';
import { loadClassifier } from '../ml/classifier';

const WORDS_PER_CASE = 100;

function buildCases(count: number, seed: number): { body: string }[] {
  const source = generateTemplateCases({ count: count * 2, seed });
  const words = source.flatMap((c) => c.body.split(/\s+/).filter(Boolean));
  const out: { body: string }[] = [];
  // Stride through the word stream so neighbouring cases overlap but are not identical.
  for (let i = 0; out.length < count; i++) {
    const start = (i * 37) % Math.max(1, words.length - WORDS_PER_CASE);
    out.push({ body: words.slice(start, start + WORDS_PER_CASE).join(' ') });
  }
  return out;
}

async function main(argv: string[]): Promise<void> {
  let count = 40_000;
  let batchSize = 512;
  let passes = 5;
  let modelDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--cases') count = Number(argv[++i]);
    else if (argv[i] === '--passes') passes = Number(argv[++i]);
    else if (argv[i] === '--batch-size') batchSize = Number(argv[++i]);
    else if (argv[i] === '--model') modelDir = argv[++i];
    else throw new Error(`unknown option ${argv[i]}`);
  }
  if (!(Number.isInteger(passes) && passes >= 1)) throw new Error(`--passes must be a positive integer, got ${passes}`);
  // Each measured pass runs over its own distinct cases, so no pass is helped by the one before.
  const sets = Array.from({ length: passes }, (_, k) => buildCases(count, 424242 + k));
  const cases = sets[0];
  // A different seed for the warm-up, so the measured pass still meets words it has not cached.
  const warmup = buildCases(5_000, 777);
  const clf = await loadClassifier(modelDir);
  const run = (data: { body: string }[]): number => {
    const t0 = process.hrtime.bigint();
    let n = 0;
    for (let i = 0; i < data.length; i += batchSize) n += clf.classifyBatch(data.slice(i, i + batchSize)).length;
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return n / seconds;
  };
  const cold = run(cases.slice(0, 5_000));
  run(warmup);
  const perPass = sets.map((set) => Math.round(run(set)));
  const measured = [...perPass].sort((a, b) => a - b)[Math.floor(passes / 2)];
  const repeat = run(sets[passes - 1]);
  const result = {
    benchmark: 'embed+classify',
    model_version: clf.version,
    backend: clf.backend,
    cases_per_s: measured,
    cases_per_s_passes: perPass,
    cases_per_s_cold_start: Math.round(cold),
    cases_per_s_repeat_pass: Math.round(repeat),
    batch_size: batchSize,
    cases: count,
    passes,
    words_per_case: WORDS_PER_CASE,
    embedding_dim: clf.embeddingDim,
    target_cases_per_s: 20_000,
    machine: {
      cpu: os.cpus()[0]?.model ?? 'unknown',
      logical_cpus: os.cpus().length,
      platform: `${os.platform()} ${os.release()}`,
      node: process.version,
      total_mem_gb: Math.round(os.totalmem() / 2 ** 30),
    },
    note: 'one process, one JS thread, wasm backend for the dense layers. cases_per_s: the median of `passes` passes, each over its own distinct cases, after a 5k-case JIT warm-up on other text (cases_per_s_passes lists them); cold_start: the first 5k cases of a fresh process; repeat_pass: the same cases again (all words cached)',
    measured_at: new Date().toISOString(),
  };
  clf.dispose();
  const out = path.resolve(__dirname, 'results', 'model-latest.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  process.stdout.write(JSON.stringify(result) + '\n');
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`model bench failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
