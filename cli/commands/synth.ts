import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { createCodec, createRegistry } from '../../lib/codec';
import { loadConfig, type PccConfig } from '../../lib/config';
import { createPool } from '../../lib/db';
import { toPccError } from '../../lib/errors';
import { createKafka } from '../../lib/kafka';
import { onShutdown } from '../../lib/lifecycle';
import { createLogger, type Logger } from '../../lib/logger';
import { replayBatch } from '../../producers/synthetic/publisher';
import { startDailyScheduler, runScheduledOnce } from '../../producers/synthetic/scheduler';
import { createBackend, getBatch, listBatches, resolveJudge, startBatch, type BatchView } from '../../producers/synthetic/service';
import { parseTargets } from '../../producers/synthetic/targets';

export const summary = 'synthetic batches: generate (template or an OpenAI-compatible LLM), list, show, replay, daily schedule';
export const usage = `usage: pcc synth generate --count N [--backend template|openai] [--seed S] [--publish] [--json]
       pcc synth list [--limit N] [--json]
       pcc synth show BATCH_ID
       pcc synth replay BATCH_ID
       pcc synth schedule [--once]

generate  writes a new batch of N cases into the synthetic store (synthetic.batches/cases):
          planned from PCC_SYNTH_TARGETS, near-duplicates rejected, label fidelity judged by the
          released model (disagreements kept, flagged); --publish sends it to
          PCC_TOPIC_CASES_SYNTHETIC, after which it is immutable. The openai backend talks to
          PCC_LLM_BASE_URL with PCC_LLM_MODEL. A progress bar goes to stderr, the summary to stdout.
list      the latest batches, newest first.
show      one batch as JSON: parameters, targets, achieved metrics, publications.
replay    sends a stored batch to the topic again, exactly as stored (the first send publishes it).
schedule  runs the daily batch at PCC_SYNTH_DAILY_AT (UTC) of PCC_SYNTH_DAILY_COUNT cases with
          PCC_SYNTH_BACKEND, one per calendar day even across restarts, until SIGTERM;
          --once checks today's batch (catching up) and exits, for cron.
Exit codes: 0 done, 1 failed (the error code is printed), 2 bad usage.`;

function fail(err: unknown): number {
  const e = toPccError(err);
  process.stderr.write(`pcc synth: ${e.code}: ${e.message}\n`);
  return 1;
}

function summaryLine(b: BatchView): string {
  const c = b.counts;
  const fidelity = (b.achieved as { label_fidelity?: { agreement?: number } | null }).label_fidelity;
  return `${b.batch_id}  ${b.status.padEnd(10)} ${b.backend.padEnd(8)} total ${c.total} accepted ${c.accepted} repaired ${c.repaired} flagged ${c.flagged} rejected ${c.rejected}${fidelity?.agreement !== undefined ? `  fidelity ${(100 * fidelity.agreement).toFixed(1)}%` : ''}  ${b.created_at}`;
}

function clients(config: Readonly<PccConfig>, logger: Logger) {
  const kafka = createKafka({ config, logger, clientId: `${config.kafka.clientId}-synth` });
  return { kafka, codec: createCodec(createRegistry(config)) };
}

export async function run(argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (!['generate', 'list', 'show', 'replay', 'schedule'].includes(sub)) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  let values: Record<string, string | boolean | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        count: { type: 'string' },
        backend: { type: 'string' },
        seed: { type: 'string' },
        publish: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        limit: { type: 'string', default: '20' },
        once: { type: 'boolean', default: false },
      },
      strict: true,
    }));
  } catch (err) {
    process.stderr.write(`pcc synth: ${(err as Error).message}\n${usage}\n`);
    return 2;
  }
  const config = loadConfig();
  const logger = createLogger({ level: config.log.level, json: config.log.json, component: 'synth' });
  const pool = createPool(config, 'pcc-synth');
  try {
    switch (sub) {
      case 'generate': {
        const count = Number(values.count);
        if (!values.count || !Number.isInteger(count) || count < 1) {
          process.stderr.write('pcc synth generate: --count N (a positive integer) is required\n');
          return 2;
        }
        const backend = (values.backend as string | undefined) ?? 'template';
        if (backend !== 'template' && backend !== 'openai') {
          process.stderr.write('pcc synth generate: --backend must be template or openai\n');
          return 2;
        }
        const seed = values.seed !== undefined ? Number(values.seed) : undefined;
        if (seed !== undefined && (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)) {
          process.stderr.write('pcc synth generate: --seed must be an integer 0..4294967295\n');
          return 2;
        }
        const publish = values.publish === true;
        const { kafka, codec } = publish ? clients(config, logger) : { kafka: undefined, codec: undefined };
        const bar = new cliProgress.SingleBar(
          { format: 'synth {phase} |{bar}| {value}/{total}', stream: process.stderr, hideCursor: true, noTTYOutput: false },
          cliProgress.Presets.shades_classic,
        );
        let phase = '';
        const onProgress = (p: string, done: number, total: number) => {
          if (p !== phase) {
            if (phase) bar.stop();
            phase = p;
            bar.start(total, done, { phase: p.padEnd(10) });
          } else {
            bar.setTotal(total);
            bar.update(done, { phase: p.padEnd(10) });
          }
        };
        const judge = await resolveJudge({ config });
        try {
          const started = await startBatch({ config, pool, logger, kafka, codec, judge }, { count, backend, seed, publish, onProgress });
          const b = await started.done;
          if (phase) bar.stop();
          if (values.json) process.stdout.write(`${JSON.stringify(b)}\n`);
          else {
            const a = b.achieved as { diversity?: Record<string, number>; label_fidelity?: { agreement: number; classifier_version: string } | null; shortfall?: number };
            const lines = [
              summaryLine(b),
              `  seed ${b.seed}, generator ${b.generator_version}${b.model ? `, model ${b.model}` : ''}`,
              `  diversity: distinct-1 ${a.diversity?.distinct_1} distinct-2 ${a.diversity?.distinct_2} compression ${a.diversity?.compression_ratio} near-duplicates ${a.diversity?.near_duplicates} exact ${a.diversity?.exact_duplicates}`,
              a.label_fidelity ? `  label fidelity: ${(100 * a.label_fidelity.agreement).toFixed(1)}% agreement with ${a.label_fidelity.classifier_version} (${b.counts.flagged} flagged for review)` : '  label fidelity: not measured',
              a.shortfall ? `  short of the requested count by ${a.shortfall}` : '',
              b.status === 'published' ? `  published to ${config.topics.casesSynthetic}` : `  not published; send it with: pcc synth replay ${b.batch_id}`,
            ];
            process.stdout.write(lines.filter(Boolean).join('\n') + '\n');
          }
          return 0;
        } catch (err) {
          if (phase) bar.stop();
          return fail(err);
        } finally {
          judge?.close?.();
        }
      }
      case 'list': {
        const rows = await listBatches(pool, { limit: Number(values.limit) || 20 });
        if (values.json) for (const r of rows) process.stdout.write(`${JSON.stringify(r)}\n`);
        else {
          process.stdout.write(`${rows.length} batch(es)\n`);
          for (const r of rows) process.stdout.write(`${summaryLine(r)}\n`);
        }
        return 0;
      }
      case 'show': {
        if (!positionals[0]) return (process.stderr.write('pcc synth show BATCH_ID\n'), 2);
        process.stdout.write(`${JSON.stringify(await getBatch(pool, positionals[0]), null, 2)}\n`);
        return 0;
      }
      case 'replay': {
        if (!positionals[0]) return (process.stderr.write('pcc synth replay BATCH_ID\n'), 2);
        const { kafka, codec } = clients(config, logger);
        const r = await replayBatch({ pool, kafka, codec, topic: config.topics.casesSynthetic, logger }, positionals[0]);
        process.stdout.write(`${JSON.stringify(r)}\n`);
        return 0;
      }
      case 'schedule': {
        const { kafka, codec } = clients(config, logger);
        const targets = parseTargets(config.synthetic.targetsJson);
        const backend = createBackend(config, config.synthetic.backend, logger);
        const judge = await resolveJudge({ config });
        const deps = { pool, backend, judge, logger, publish: { pool, kafka, codec, topic: config.topics.casesSynthetic, logger } };
        const o = { dailyAt: config.synthetic.dailyAt, count: config.synthetic.dailyCount, targets, dedupJaccard: config.synthetic.dedupJaccard };
        if (values.once) {
          process.stdout.write(`${JSON.stringify(await runScheduledOnce(deps, o, Date.now()))}\n`);
          judge?.close?.();
          return 0;
        }
        const scheduler = startDailyScheduler(deps, { ...o, logger });
        logger.info('synthetic scheduler running', { daily_at: config.synthetic.dailyAt, count: config.synthetic.dailyCount, backend: backend.name });
        return await new Promise<number>((resolve) => {
          onShutdown(logger, [{ name: 'synth-schedule', stop: () => scheduler.stop() }], config.shutdownTimeoutMs, resolve);
        });
      }
    }
    return 2;
  } catch (err) {
    return fail(err);
  } finally {
    await pool.end().catch(() => undefined);
  }
}
