/**
 * Bounded, jittered exponential backoff for transient failures (STYLE.md §6). Only errors the
 * caller marks retriable are retried; anything else is rethrown at once.
 */
export interface RetryOptions {
  /** Attempts in all, including the first. Infinity retries until `signal` aborts. */
  retries: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** 0..1: share of each delay drawn at random, so that many clients do not retry in step. */
  jitter: number;
  isRetriable: (err: unknown) => boolean;
  onRetry?: (err: unknown, attempt: number, delayMs: number) => void;
  signal?: AbortSignal;
}

export const DEFAULT_RETRY: Omit<RetryOptions, 'isRetriable'> = {
  retries: 8,
  initialDelayMs: 200,
  maxDelayMs: 10_000,
  jitter: 0.3,
};

export function backoffDelayMs(attempt: number, o: Pick<RetryOptions, 'initialDelayMs' | 'maxDelayMs' | 'jitter'>, rnd = Math.random): number {
  const base = Math.min(o.maxDelayMs, o.initialDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (1 - o.jitter) + base * o.jitter * rnd());
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, opts: Partial<RetryOptions> & Pick<RetryOptions, 'isRetriable'>): Promise<T> {
  const o: RetryOptions = { ...DEFAULT_RETRY, ...opts };
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!o.isRetriable(err) || attempt >= o.retries || o.signal?.aborted) throw err;
      const delay = backoffDelayMs(attempt, o);
      o.onRetry?.(err, attempt, delay);
      await sleep(delay, o.signal);
    }
  }
}

/**
 * Settles as `p` does, or as `onTimeout()` does (its value, or what it throws) when `ms` pass
 * first. The timer is cleared either way; `p` itself is not cancelled.
 */
export async function withTimeout<T, U>(p: Promise<T>, ms: number, onTimeout: () => U): Promise<T | U> {
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<U>((resolve, reject) => {
    timer = setTimeout(() => {
      try {
        resolve(onTimeout());
      } catch (err) {
        reject(err);
      }
    }, ms);
  });
  try {
    return await Promise.race([p, expired]);
  } finally {
    clearTimeout(timer);
  }
}
