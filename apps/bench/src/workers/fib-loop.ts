/**
 * The parallel floor's worker: one message starts a loop that takes calls of
 * fib(`n`) from a shared counter until `count` are taken (so threads that run
 * slower take fewer, as in a pool, but nothing is sent per call), and the sum
 * of its results goes back.
 */
import { parentPort } from 'node:worker_threads';
import { fib } from './peer-tasks.js';

parentPort?.on('message', ({ n, count, next }: { n: number; count: number; next: SharedArrayBuffer }) => {
  const taken = new Int32Array(next);
  let sum = 0;
  while (Atomics.add(taken, 0, 1) < count) sum += fib(n);
  parentPort?.postMessage(sum);
});
