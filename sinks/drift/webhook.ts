/**
 * Alert webhook (Slack-compatible JSON). A bounded in-memory queue drained by one worker:
 * enqueueing never waits, a full queue drops its oldest message (counted), and each post is
 * retried with jittered backoff (lib/retry.ts), so a failing webhook never blocks the stream.
 */
import { PccError } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { withRetry } from '../../lib/retry';

export type WebhookOutcome = 'sent' | 'failed' | 'dropped';

export interface WebhookOptions {
  url: string;
  maxQueue: number;
  logger: Logger;
  onOutcome?: (outcome: WebhookOutcome) => void;
  retries?: number;
  initialDelayMs?: number;
  maxDelayMs?: number;
  timeoutMs?: number;
}

export interface WebhookNotifier {
  enqueue(message: { text: string; blocks?: unknown[] }): void;
  queued(): number;
  /** Waits up to `timeoutMs` for the queue to drain, then stops the worker. */
  close(timeoutMs?: number): Promise<void>;
}

export function createWebhookNotifier(o: WebhookOptions): WebhookNotifier {
  const queue: string[] = [];
  const abort = new AbortController();
  let working: Promise<void> | null = null;
  let closed = false;

  async function post(body: string): Promise<void> {
    await withRetry(
      async () => {
        let res: Response;
        try {
          res = await fetch(o.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(o.timeoutMs ?? 5_000) });
        } catch (err) {
          throw new PccError('PCC_WEBHOOK_FAILED', `webhook unreachable: ${(err as Error).message}`, {}, { cause: err });
        }
        await res.arrayBuffer().catch(() => undefined);
        if (!res.ok) {
          // 4xx other than 408/429 will not get better by retrying (a revoked or mistyped hook).
          const rejected = res.status < 500 && res.status !== 408 && res.status !== 429;
          throw new PccError(rejected ? 'PCC_WEBHOOK_REJECTED' : 'PCC_WEBHOOK_FAILED', `webhook answered ${res.status}`, { status: res.status });
        }
      },
      {
        retries: o.retries ?? 5,
        initialDelayMs: o.initialDelayMs ?? 500,
        maxDelayMs: o.maxDelayMs ?? 30_000,
        isRetriable: (e) => (e as PccError).retriable === true,
        signal: abort.signal,
      },
    );
  }

  async function drain(): Promise<void> {
    while (queue.length > 0 && !abort.signal.aborted) {
      const body = queue.shift()!;
      try {
        await post(body);
        o.onOutcome?.('sent');
      } catch (err) {
        o.onOutcome?.('failed');
        o.logger.warn('alert webhook post failed', { code: (err as PccError).code ?? 'PCC_WEBHOOK_FAILED', error: (err as Error).message });
      }
    }
    working = null;
  }

  return {
    enqueue(message) {
      if (closed) return;
      if (queue.length >= o.maxQueue) {
        queue.shift();
        o.onOutcome?.('dropped');
      }
      queue.push(JSON.stringify(message));
      working ??= drain();
    },
    queued: () => queue.length,
    async close(timeoutMs = 5_000) {
      closed = true;
      if (working) {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([working, new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
        clearTimeout(timer);
      }
      abort.abort();
      await working?.catch(() => undefined);
    },
  };
}
