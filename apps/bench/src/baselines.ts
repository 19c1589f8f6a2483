import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { checkFib, fibLocal, workerFile, type Contender, type Op } from './contender.js';
import type { ContenderKind } from './results.js';
import { timeMs } from './timing.js';
import { runParseLocal } from './parse-op.js';

/** No pool at all: the workload run in this thread, one call after another. The ideal a pool of N workers is measured against is this ÷ N. */
export class SingleThreadBaseline implements Contender {
  readonly id = 'single-thread';
  readonly label = 'node single-thread (no pool)';
  readonly kind: ContenderKind = 'baseline';
  readonly requires = 'node';

  supports(op: Op): boolean {
    return op.kind === 'fib' || op.kind === 'parse';
  }

  async open(): Promise<void> {}

  async run(op: Op): Promise<number> {
    if (op.kind === 'parse') return runParseLocal(op, this.label);
    if (op.kind !== 'fib') throw new Error(`${this.label} only runs fib and parse`);
    let sum = 0;
    const ms = await timeMs(() => {
      for (let i = 0; i < op.count; i++) sum += fibLocal(op.n);
    });
    checkFib(sum, op.n, op.count, this.label);
    return ms;
  }

  async close(): Promise<undefined> {
    return undefined;
  }
  kill(): void {}
}

/**
 * No pool either, but `workers` threads started beforehand: one message
 * starts each thread on a loop that takes calls from a shared counter
 * (Atomics), so the calls are shared out as a pool would, with nothing sent
 * per call. This is the floor for any pool on this machine: the ideal assumes
 * that N threads do N times the work of one, and this row shows how close the
 * hardware comes (cores shared with other tenants, CPU frequency, memory).
 */
export class ParallelFloorBaseline implements Contender {
  readonly id = 'parallel-floor';
  readonly label: string;
  readonly kind: ContenderKind = 'baseline';
  readonly requires = 'node';
  readonly #workers: number;
  #threads: Worker[] = [];

  constructor(workers: number) {
    this.#workers = workers;
    this.label = `node ${workers} threads, no pool (shared counter)`;
  }

  supports(op: Op): boolean {
    return op.kind === 'fib';
  }

  async open(): Promise<void> {
    this.#threads = Array.from({ length: this.#workers }, () => new Worker(workerFile('fib-loop.js')));
    await Promise.all(this.#threads.map((t) => once(t, 'online')));
  }

  async run(op: Op): Promise<number> {
    if (op.kind !== 'fib') throw new Error(`${this.label} only runs fib`);
    const threads = this.#threads;
    if (threads.length === 0) throw new Error(`${this.label} is not open`);
    let sum = 0;
    const next = new SharedArrayBuffer(4);
    const ms = await timeMs(async () => {
      const sums = await Promise.all(
        threads.map((t) => {
          const reply = once(t, 'message') as Promise<[number]>;
          t.postMessage({ n: op.n, count: op.count, next });
          return reply;
        }),
      );
      for (const [s] of sums) sum += s;
    });
    checkFib(sum, op.n, op.count, this.label);
    return ms;
  }

  async close(): Promise<undefined> {
    const threads = this.#threads;
    this.#threads = [];
    await Promise.all(threads.map((t) => t.terminate()));
    return undefined;
  }

  kill(): void {
    for (const t of this.#threads) void t.terminate();
    this.#threads = [];
  }
}
