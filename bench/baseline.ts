/**
 * Runs the naive baseline (bench/naive.ts) on the same cases: its own topic and group, the
 * bench database with the predictions emptied first, timed from the first produce to the last
 * row stored. Bounded in time: if it has not finished by then, the rate is what it stored in
 * the time it had, and the result says so.
 */
import type { Message } from 'kafkajs';
import { connectProducer, produceAll, progressBar, waitForCount } from './load';
import { processCpuSeconds, round } from './proc';
import type { BenchStack } from './stack';

export interface NaiveResult {
  cases: number;
  cases_per_s: number;
  seconds: number;
  rows_stored: number;
  complete: boolean;
  cpu_us_per_case: number | null;
  peak_rss_mb: number | null;
  note?: string;
}

export async function measureNaive(stack: BenchStack, messages: Message[], budgetMs: number): Promise<NaiveResult> {
  await stack.pool.query('TRUNCATE pcc.predictions, pcc.prediction_keys');
  const child = stack.spawn('naive', ['bench/naive.ts'], { BENCH_TOPIC: stack.extraTopics.naiveCases, BENCH_GROUP: stack.groups.naive });
  try {
    await stack.waitGroupStable(stack.groups.naive, child, 120_000);
    const cpu0 = processCpuSeconds(child.pid);
    const count = async () => (await stack.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM pcc.predictions')).rows[0].n;
    const producer = await connectProducer(stack.kafka);
    const bar = progressBar('naive baseline', messages.length);
    let timing;
    let r;
    try {
      const produced = produceAll(producer, stack.extraTopics.naiveCases, messages, { deadline: Date.now() + budgetMs });
      r = await waitForCount(count, messages.length, {
        timeoutMs: budgetMs,
        stallMs: 60_000,
        intervalMs: 500,
        onValue: (v) => bar.update(v),
        failIf: () => (child.proc.exitCode !== null ? `naive exited (${child.proc.exitCode}): ${child.output.slice(-5).join(' | ')}` : null),
      });
      timing = await produced;
    } finally {
      bar.stop();
      await producer.disconnect().catch(() => undefined);
    }
    const cpu1 = processCpuSeconds(child.pid);
    const { rows } = await stack.pool.query<{ last_ms: number; n: number }>('SELECT (extract(epoch FROM max(stored_at)) * 1000)::float8 AS last_ms, count(*)::int AS n FROM pcc.predictions');
    const stored = rows[0].n;
    const endMs = r.reached ? rows[0].last_ms : Date.now();
    const seconds = (endMs - timing.firstSendAt) / 1000;
    return {
      cases: messages.length,
      cases_per_s: Math.round(stored / seconds),
      seconds: round(seconds, 2),
      rows_stored: stored,
      complete: r.reached,
      cpu_us_per_case: cpu0 !== null && cpu1 !== null && stored > 0 ? round(((cpu1 - cpu0) * 1e6) / stored, 1) : null,
      peak_rss_mb: child.peakRssMb(),
      ...(r.reached ? {} : { note: `stopped after ${round(seconds, 1)} s with ${stored} of ${messages.length} rows (${r.reason}); the rate is over what it stored` }),
    };
  } finally {
    await child.stop();
  }
}
