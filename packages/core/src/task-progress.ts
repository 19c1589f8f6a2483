/**
 * Progress reports from a running task: `reportProgress(value)` inside the
 * task reaches the caller's `with({ onProgress })`.
 *
 * The call being run is found through an `AsyncLocalStorage`, so a report
 * made after an `await` inside the task still belongs to it. The storage
 * lives on `globalThis` (under a `Symbol.for` key), so a task module that
 * imports its own copy of `@futures/core` reports to the same runtime.
 * Only calls that somebody listens to run inside it: the engine says so per
 * call, and every other call pays nothing.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** Where a running call's reports go, until the call is done. */
export class ProgressSink {
  #send: ((value: unknown) => void) | undefined;

  constructor(send: (value: unknown) => void) {
    this.#send = send;
  }

  report(value: unknown): void {
    this.#send?.(value);
  }

  /** The call is done: later reports (from a timer it left behind, say) are dropped. */
  close(): void {
    this.#send = undefined;
  }
}

const STORAGE = Symbol.for('@futures/core.progress-storage');

/** The process-wide storage, shared by every copy of this package. */
function storage(): AsyncLocalStorage<ProgressSink> {
  const g = globalThis as { [STORAGE]?: AsyncLocalStorage<ProgressSink> };
  return (g[STORAGE] ??= new AsyncLocalStorage<ProgressSink>());
}

/**
 * Reports `value` to whoever submitted the running call: the `onProgress`
 * of the `with({ onProgress })` view it was submitted through. A no-op
 * where nobody listens (no `onProgress`, or outside a task), and after the
 * call finished.
 *
 * Cost: nothing where nobody listens (one lookup). Where somebody does, the
 * call runs inside an `AsyncLocalStorage` context, and each report is one
 * message from the worker to the caller, carried by the transport's codec
 * (report a few times a second, not per item of a tight loop).
 *
 * @throws TypeError when the transport's codec cannot carry `value` (the call goes on).
 */
export function reportProgress(value: unknown): void {
  storage().getStore()?.report(value);
}

/** `fn`, made to run inside `sink`'s context (so `reportProgress` in it reaches `sink`). */
export function withProgress<F extends (...args: any[]) => unknown>(sink: ProgressSink, fn: F): F {
  const store = storage();
  return ((...args: unknown[]) => store.run(sink, fn, ...args)) as F;
}

/**
 * Calls the caller's `onProgress` with a report. One that throws is
 * reported with `process.emitWarning` (as a throwing done callback is) and
 * never reaches the call or the executor.
 */
export function deliverProgress(onProgress: (value: unknown) => void, value: unknown): void {
  try {
    onProgress(value);
  } catch (error) {
    process.emitWarning(`An onProgress callback threw: ${(error as Error)?.stack ?? String(error)}`, {
      type: 'FuturesWarning',
      code: 'FUTURES_PROGRESS_CALLBACK_ERROR',
    });
  }
}
