/**
 * The daily synthetic batch: at PCC_SYNTH_DAILY_AT (UTC) one batch of PCC_SYNTH_DAILY_COUNT
 * cases, generated and published. One batch per calendar day even across restarts and between
 * several schedulers: synthetic.batches.schedule_day is UNIQUE and the batch is claimed by
 * inserting it. A process started after the time catches up on today's batch; one that finds
 * today's batch generated but not published (a crash in between) publishes it.
 */
import { PccError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { generateBatch, type GenerateDeps } from './generate';
import { publishBatch, type PublishDeps } from './publisher';
import { hash32 } from './rng';
import { findBatchByScheduleDay } from './store';
import type { SynthTargets } from './targets';

export interface ScheduleOptions {
  /** "HH:MM", UTC. */
  dailyAt: string;
  count: number;
  targets: SynthTargets;
  dedupJaccard?: number;
}

export type ScheduleOutcome =
  | { outcome: 'generated'; day: string; batchId: string; published: number }
  | { outcome: 'published'; day: string; batchId: string; published: number }
  | { outcome: 'skipped'; day: string; reason: 'not_due' | 'already_done' | 'in_progress' | 'failed_today'; batchId?: string };

function minutesOf(dailyAt: string): number {
  const m = /^(\d{2}):(\d{2})$/.exec(dailyAt);
  if (!m) throw new PccError('PCC_CONFIG_INVALID', `PCC_SYNTH_DAILY_AT must be HH:MM, got ${dailyAt}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** The UTC day of `nowMs` and whether its run time has come. */
export function scheduleDay(nowMs: number, dailyAt: string): { day: string; due: boolean; runAtMs: number } {
  const d = new Date(nowMs);
  const midnight = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const runAtMs = midnight + minutesOf(dailyAt) * 60_000;
  return { day: new Date(midnight).toISOString().slice(0, 10), due: nowMs >= runAtMs, runAtMs };
}

/** When the next run is due, at or after `nowMs`. */
export function nextRunAt(nowMs: number, dailyAt: string): number {
  const { runAtMs, due } = scheduleDay(nowMs, dailyAt);
  return due ? runAtMs + 86_400_000 : runAtMs;
}

/** Runs today's batch if it is due and not done yet. Safe to call any number of times. */
export async function runScheduledOnce(deps: GenerateDeps & { publish: PublishDeps }, o: ScheduleOptions, nowMs: number): Promise<ScheduleOutcome> {
  const { day, due } = scheduleDay(nowMs, o.dailyAt);
  if (!due) return { outcome: 'skipped', day, reason: 'not_due' };
  const existing = await findBatchByScheduleDay(deps.pool, day);
  if (existing) {
    if (existing.status === 'generated') {
      const p = await publishBatch(deps.publish, existing.batch_id);
      return { outcome: 'published', day, batchId: existing.batch_id, published: p.cases };
    }
    const reason = existing.status === 'published' ? 'already_done' : existing.status === 'failed' ? 'failed_today' : 'in_progress';
    return { outcome: 'skipped', day, reason, batchId: existing.batch_id };
  }
  const r = await generateBatch(deps, {
    count: o.count,
    // The day's seed: a scheduled batch can be regenerated from its day alone.
    seed: hash32(`pcc-synth-daily/${day}`),
    targets: o.targets,
    dedupJaccard: o.dedupJaccard,
    scheduleDay: day,
    parameters: { trigger: 'schedule', daily_at: o.dailyAt },
  });
  if (r.outcome === 'skipped') return { outcome: 'skipped', day, reason: 'already_done' };
  const p = await publishBatch(deps.publish, r.batchId);
  return { outcome: 'generated', day, batchId: r.batchId, published: p.cases };
}

export interface Scheduler {
  stop(): Promise<void>;
  /** Settles when the scheduler has stopped. */
  done: Promise<void>;
}

/**
 * Runs runScheduledOnce now (catching up) and then at each daily time, until stopped. A failed
 * run is logged and tried again after `retryMs`, so a broker or database outage does not lose the day.
 */
export function startDailyScheduler(deps: GenerateDeps & { publish: PublishDeps }, o: ScheduleOptions & { logger: Logger; retryMs?: number; onOutcome?: (x: ScheduleOutcome) => void }): Scheduler {
  const log = o.logger.child({ component: 'synth-schedule' });
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let wake: (() => void) | undefined;
  let running: Promise<void> = Promise.resolve();
  const done = (async () => {
    while (!stopped) {
      let waitMs: number;
      try {
        running = runScheduledOnce(deps, o, Date.now()).then((x) => {
          log.info('scheduled synthetic run', { ...x });
          o.onOutcome?.(x);
        });
        await running;
        waitMs = Math.max(1_000, nextRunAt(Date.now(), o.dailyAt) - Date.now());
      } catch (err) {
        const e = err as PccError;
        log.error('scheduled synthetic run failed; will retry', { code: e.code, error: e.message });
        waitMs = o.retryMs ?? 60_000;
      }
      if (stopped) break;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, waitMs);
      });
    }
  })();
  return {
    done,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      wake?.();
      await running.catch(() => undefined);
      await done;
    },
  };
}
