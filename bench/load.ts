/**
 * The benchmark's load loops, each bounded in count and in time: a batched producer (the same
 * settings as producers/real/publisher.ts: idempotent, acks from all in-sync replicas, one
 * request in flight, PRODUCE_BATCH cases a request), a paced producer for the latency phase, and
 * a poller that waits for a counter to reach a target.
 */
import cliProgress from 'cli-progress';
import type { Kafka, Message, Producer } from 'kafkajs';
import { createProducer } from '../lib/kafka';

export const PRODUCE_BATCH = 1000;

export async function connectProducer(kafka: Kafka): Promise<Producer> {
  const p = createProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
  await p.connect();
  return p;
}

export interface ProduceTiming {
  firstSendAt: number;
  lastAckAt: number;
  sent: number;
}

/** Sends every message in batches; `deadline` (epoch ms) bounds the loop. */
export async function produceAll(producer: Producer, topic: string, messages: Message[], opts: { deadline: number; onBatch?: (sent: number) => void }): Promise<ProduceTiming> {
  const firstSendAt = Date.now();
  let sent = 0;
  for (let i = 0; i < messages.length; i += PRODUCE_BATCH) {
    if (Date.now() > opts.deadline) throw new Error(`producing to ${topic} did not finish in time (${sent} of ${messages.length} sent)`);
    const batch = messages.slice(i, i + PRODUCE_BATCH);
    await producer.send({ topic, acks: -1, messages: batch });
    sent += batch.length;
    opts.onBatch?.(sent);
  }
  return { firstSendAt, lastAckAt: Date.now(), sent };
}

/**
 * Open-loop paced production: every tick it sends what the schedule says should have been sent
 * by now, so a slow send is followed by a bigger batch rather than a lower rate. `make(i, now)`
 * builds message i with the send time in it.
 */
export async function producePaced(
  producer: Producer,
  topic: string,
  opts: { ratePerS: number; durationMs: number; tickMs?: number; make: (i: number, now: number) => Promise<Message>; onTick?: (sent: number) => void },
): Promise<{ sent: number; startedAt: number; endedAt: number; achievedPerS: number }> {
  const tick = opts.tickMs ?? 20;
  const total = Math.max(1, Math.round((opts.ratePerS * opts.durationMs) / 1000));
  const startedAt = Date.now();
  let sent = 0;
  while (sent < total) {
    const now = Date.now();
    if (now - startedAt > opts.durationMs * 3) break; // far behind schedule: stop, report what was achieved
    const due = Math.min(total, Math.floor(((now - startedAt) / 1000) * opts.ratePerS) + 1);
    if (due > sent) {
      const batch = await Promise.all(Array.from({ length: due - sent }, (_, j) => opts.make(sent + j, now)));
      await producer.send({ topic, acks: -1, messages: batch });
      sent += batch.length;
      opts.onTick?.(sent);
    }
    const next = startedAt + ((sent + 1) * 1000) / opts.ratePerS;
    await sleep(Math.max(1, Math.min(tick, next - Date.now())));
  }
  const endedAt = Date.now();
  return { sent, startedAt, endedAt, achievedPerS: sent / ((endedAt - startedAt) / 1000) };
}

/**
 * Polls `read` until it reaches `target`; gives up after `timeoutMs`, or after `stallMs` without
 * progress. Returns the last value read and whether the target was reached.
 */
export async function waitForCount(
  read: () => Promise<number>,
  target: number,
  opts: { timeoutMs: number; stallMs?: number; intervalMs?: number; onValue?: (v: number) => void; failIf?: () => string | null },
): Promise<{ value: number; reached: boolean; reason?: string }> {
  const start = Date.now();
  let value = 0;
  let lastChange = Date.now();
  for (;;) {
    let v = value;
    try {
      v = await read();
    } catch {
      // A scrape that fails once (a child busy in a long batch) is tried again next time.
    }
    if (v !== value) lastChange = Date.now();
    value = v;
    opts.onValue?.(value);
    if (value >= target) return { value, reached: true };
    const fail = opts.failIf?.();
    if (fail) return { value, reached: false, reason: fail };
    if (Date.now() - start > opts.timeoutMs) return { value, reached: false, reason: `timed out after ${Math.round(opts.timeoutMs / 1000)} s` };
    if (opts.stallMs && Date.now() - lastChange > opts.stallMs) return { value, reached: false, reason: `no progress for ${Math.round(opts.stallMs / 1000)} s` };
    await sleep(opts.intervalMs ?? 250);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A progress bar on stderr (only on a terminal; a log line otherwise). */
export function progressBar(label: string, total: number): { update(v: number, extra?: string): void; stop(): void } {
  if (!process.stderr.isTTY) {
    process.stderr.write(`[bench] ${label}: ${total.toLocaleString('en')} ...\n`);
    return { update: () => undefined, stop: () => undefined };
  }
  const bar = new cliProgress.SingleBar(
    { format: `${label.padEnd(26)} |{bar}| {percentage}% {value}/{total} {extra}`, stream: process.stderr, hideCursor: true, clearOnComplete: false, etaBuffer: 20 },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { extra: '' });
  return {
    update: (v, extra = '') => bar.update(Math.min(v, total), { extra }),
    stop: () => bar.stop(),
  };
}
