/**
 * The exit of a process-like worker, reported once. Such a worker has two
 * halves that end separately: its child process (when the transport spawned
 * one) and its connection (an IPC channel, a socket). The engine must hear of
 * the exit only when both are gone: once the connection is closed every
 * result the worker sent has been delivered, and once the child has exited
 * its exit code or signal is known.
 *
 * When one half is gone and the other is not {@link EXIT_GRACE_MS} later,
 * `overdue` is called with the missing half, for the transport to force it
 * (SIGKILL the child, destroy the socket).
 */
import type { ChildProcess } from 'node:child_process';
import { EXIT_GRACE_MS, type WorkerExit } from './transport.js';

export type WorkerHalf = 'child' | 'connection';

export class ExitMerger {
  #child: { code: number | null; signal: string | null } | undefined;
  #connectionClosed = false;
  #error: unknown = undefined;
  #reported = false;
  #overdue: NodeJS.Timeout | undefined;
  readonly #report: (exit: WorkerExit) => void;
  readonly #onOverdue: (missing: WorkerHalf) => void;

  /**
   * `hasChild`: false for a worker that connected on its own (only the
   * connection half). `report` is called once; `overdue` as described above.
   */
  constructor(hasChild: boolean, report: (exit: WorkerExit) => void, overdue: (missing: WorkerHalf) => void) {
    if (!hasChild) this.#child = { code: null, signal: null };
    this.#report = report;
    this.#onOverdue = overdue;
  }

  /** Keeps the first error that says why the worker ended (a spawn failure, a garbled frame). */
  noteError(error: unknown): void {
    this.#error ??= error;
  }

  /** The child process has exited. A negative code (a spawn failure's errno) is dropped: the error says more. */
  childExited(code: number | null, signal: string | null): void {
    if (this.#child !== undefined) return;
    this.#child = { code: code !== null && code < 0 ? null : code, signal };
    this.#settle();
  }

  connectionClosed(): void {
    if (this.#connectionClosed) return;
    this.#connectionClosed = true;
    this.#settle();
  }

  /**
   * Watches a spawned child: its exit, and a spawn failure (after which only
   * 'error' and 'close' come, and there will be no connection either).
   */
  watch(child: ChildProcess): void {
    child.on('error', (error) => {
      // Only a spawn failure says why the child is gone; a failed send or kill to a dying child does not.
      if (child.pid === undefined) this.noteError(error);
    });
    child.once('exit', (code, signal) => this.childExited(code, signal));
    child.once('close', (code, signal) => {
      this.childExited(code, signal);
      if (child.pid === undefined) this.connectionClosed();
    });
  }

  #settle(): void {
    if (this.#reported) return;
    if (this.#child !== undefined && this.#connectionClosed) {
      this.#reported = true;
      clearTimeout(this.#overdue);
      const exit: WorkerExit = { ...this.#child };
      if (this.#error !== undefined) exit.error = this.#error;
      this.#report(exit);
      return;
    }
    if (this.#overdue === undefined) {
      const missing: WorkerHalf = this.#child === undefined ? 'child' : 'connection';
      this.#overdue = setTimeout(() => this.#onOverdue(missing), EXIT_GRACE_MS);
      // The half still there holds the event loop itself, as long as it matters.
      this.#overdue.unref();
    }
  }
}
