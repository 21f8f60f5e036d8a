/**
 * Graceful shutdown for a process entry (STYLE.md §3): on SIGTERM or SIGINT, run the stop
 * functions in order (stop consuming, finish in-flight work and commit, close producers, then
 * pools); a second signal or the timeout exits at once.
 */
import type { Logger } from './logger';

export interface Stoppable {
  name: string;
  stop(): Promise<void>;
}

export function onShutdown(logger: Logger, parts: Stoppable[], timeoutMs: number, onDone: (code: number) => void = (c) => process.exit(c)): () => Promise<void> {
  let stopping = false;
  const shutdown = async () => {
    if (stopping) {
      logger.warn('second signal: exiting now');
      onDone(1);
      return;
    }
    stopping = true;
    const timer = setTimeout(() => {
      logger.error('graceful shutdown timed out; exiting', { timeout_ms: timeoutMs });
      onDone(1);
    }, timeoutMs);
    timer.unref();
    let code = 0;
    for (const p of parts) {
      try {
        await p.stop();
        logger.info('stopped', { part: p.name });
      } catch (err) {
        code = 1;
        logger.error('stop failed', { part: p.name, error: (err as Error).message });
      }
    }
    clearTimeout(timer);
    onDone(code);
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  return shutdown;
}
