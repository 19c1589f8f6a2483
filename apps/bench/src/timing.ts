import { performance } from 'node:perf_hooks';

/** Raised when a step of the bench runs out of time. */
export class BenchTimeoutError extends Error {
  override readonly name = 'BenchTimeoutError';
}

/**
 * Race `work` against a timer. The timer never keeps the process alive and is
 * cleared as soon as the work settles, so a finished case leaves nothing behind.
 */
export async function withTimeout<T>(work: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BenchTimeoutError(`${what} timed out after ${formatSeconds(ms)}`)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Milliseconds taken by `fn`. */
export async function timeMs(fn: () => Promise<unknown> | unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export function formatSeconds(ms: number): string {
  return ms >= 10_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 1000).toFixed(1)} s`;
}

/** A short message for any thrown value, for "n/a (reason)" cells. */
export function reasonOf(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    const msg = err.message.split('\n')[0];
    return `${err.name === 'Error' || err.name === 'BenchTimeoutError' ? '' : `${err.name}: `}${msg}${typeof code === 'string' && !msg.includes(code) ? ` [${code}]` : ''}`;
  }
  return String(err);
}
