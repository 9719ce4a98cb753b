/**
 * Waiting between retries: `Retry-After` and abortable sleeps. The backoff curve itself
 * (exponential, decorrelated jitter, capped) comes from cockatiel; see router.ts.
 */
import type { AbortLike } from './abortSwitch';
import { RouterError } from './errors';

/**
 * `Retry-After` as milliseconds from `now`: either delta-seconds ("2") or an HTTP date.
 * Undefined when absent or unreadable; never negative.
 */
export function parseRetryAfter(value: string | undefined | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * 1000);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** Resolves after `ms`, or rejects with CANCELLED as soon as `signal` aborts (and clears the timer). */
export function sleep(ms: number, signal?: AbortLike): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(cancelled());
      return;
    }
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function cancelled(): RouterError {
  return new RouterError('CANCELLED', 'The request was cancelled.');
}
