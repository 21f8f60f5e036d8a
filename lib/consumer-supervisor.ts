/**
 * Keeps a kafkajs consumer running through broker restarts.
 *
 * kafkajs restarts a crashed consumer by itself only for errors it calls retriable, and even then
 * a restart that meets a broker still starting can stall without a word. A broker restart can
 * therefore leave a healthy-looking process with no consumer: `KafkaJSGroupCoordinatorNotFound`
 * (restart: false, tulios/kafkajs#1630), or a restart after "No broker available" that never
 * joins the group again (seen in the gateway's broker-outage test).
 *
 * The supervisor makes a fresh consumer (disconnect, create, connect, subscribe, run) when
 * kafkajs will not restart one, and when a restarted one has not joined its group within
 * `rejoinTimeoutMs`. Each rebuild waits longer (up to 30 s); after `maxRebuilds` in a row without
 * a join it gives up: by default it stops the process, for the process's own supervisor.
 * Offsets are committed only with the work (the processor's transactions, the sink's commit after
 * its database commit), so a rebuilt consumer resumes at the first uncommitted record.
 */
import type { Consumer } from 'kafkajs';
import type { Logger } from './logger';

export interface SupervisedConsumer {
  /** The consumer now running (it changes after a rebuild). */
  readonly current: Consumer | undefined;
  /** Set while the consumer is down (crashed and not yet back in its group). */
  readonly crashed: string | null;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface SuperviseOptions {
  name: string;
  logger: Logger;
  /** A new, unconnected consumer. */
  create: () => Consumer;
  /** Connects, subscribes and runs the given consumer. */
  run: (consumer: Consumer) => Promise<void>;
  /** Called before a rebuilt consumer runs (the processor replaces its transactional producer). */
  beforeRebuild?: () => Promise<void> | void;
  /**
   * After `maxRebuilds` without a join. By default the process is stopped (SIGTERM: the services
   * exit non-zero, see runParts) so that its supervisor starts it again, rather than sit idle
   * behind a green health check.
   */
  onGiveUp?: (reason: string) => void;
  rejoinTimeoutMs?: number;
  maxRebuilds?: number;
  /** First wait before a rebuild; doubled each time, at most 30 s. */
  backoffMs?: number;
}

export function superviseConsumer(o: SuperviseOptions): SupervisedConsumer {
  const rejoinTimeoutMs = o.rejoinTimeoutMs ?? 60_000;
  const maxRebuilds = o.maxRebuilds ?? 10;
  const backoffMs = o.backoffMs ?? 1_000;
  let consumer: Consumer | undefined;
  let crashed: string | null = null;
  let stopped = false;
  let rebuilds = 0;
  let watchdog: NodeJS.Timeout | undefined;
  let rebuilding: Promise<void> | undefined;

  const clearWatchdog = () => {
    if (watchdog) clearTimeout(watchdog);
    watchdog = undefined;
  };

  /** A rebuild after delayMs (retried each second while one is already under way). */
  function arm(delayMs: number, reason: string): void {
    clearWatchdog();
    watchdog = setTimeout(() => {
      watchdog = undefined;
      if (rebuilding) arm(1_000, reason);
      else scheduleRebuild(reason);
    }, delayMs);
    watchdog.unref();
  }

  function attach(c: Consumer): void {
    c.on(c.events.GROUP_JOIN, () => {
      if (c !== consumer) return;
      clearWatchdog();
      if (crashed) o.logger.info(`${o.name} consumer back in its group`);
      crashed = null;
      rebuilds = 0;
    });
    c.on(c.events.CRASH, (e) => {
      if (c !== consumer || stopped) return;
      crashed = (e.payload.error as Error)?.message ?? 'crash';
      o.logger.error(`${o.name} consumer crashed`, { error: crashed, restart: e.payload.restart });
      // kafkajs restarts it when it says so; if it is not back in its group in time, or when
      // kafkajs will not restart it, a new one is made.
      if (e.payload.restart) arm(rejoinTimeoutMs, `not back in its group ${Math.round(rejoinTimeoutMs / 1000)} s after a restart`);
      else arm(0, `kafkajs will not restart it: ${crashed}`);
    });
  }

  function scheduleRebuild(reason: string): void {
    if (stopped || rebuilding) return;
    if (rebuilds >= maxRebuilds) {
      const why = `${o.name} consumer: ${rebuilds} rebuilds without joining its group (${reason})`;
      if (o.onGiveUp) o.onGiveUp(why);
      else {
        o.logger.error('giving up on the consumer', { reason: why });
        process.kill(process.pid, 'SIGTERM');
      }
      return;
    }
    const delayMs = Math.min(30_000, backoffMs * 2 ** rebuilds);
    rebuilds++;
    o.logger.warn(`${o.name} consumer: making a new one`, { reason, attempt: rebuilds, delay_ms: delayMs });
    rebuilding = (async () => {
      await new Promise((r) => setTimeout(r, delayMs));
      const old = consumer;
      consumer = undefined;
      await old?.disconnect().catch(() => undefined);
      if (stopped) return;
      await o.beforeRebuild?.();
      const next = o.create();
      consumer = next;
      attach(next);
      // Until it joins its group: if it does not, the next attempt comes after the timeout.
      arm(rejoinTimeoutMs, 'the new consumer did not join its group');
      await o.run(next);
    })()
      .catch((err) => {
        o.logger.warn(`${o.name} consumer: a new one failed to start`, { error: (err as Error).message });
        arm(0, `the new consumer failed to start: ${(err as Error).message}`);
      })
      .finally(() => {
        rebuilding = undefined;
      });
  }

  return {
    get current() {
      return consumer;
    },
    get crashed() {
      return crashed;
    },
    async start() {
      const c = o.create();
      consumer = c;
      attach(c);
      await o.run(c);
    },
    async stop() {
      stopped = true;
      clearWatchdog();
      await rebuilding;
      await consumer?.disconnect();
    },
  };
}
