/**
 * The parallel floor's worker: one message asks for `count` calls of fib(`n`),
 * run in a plain loop with no pool around them, and the sum goes back.
 */
import { parentPort } from 'node:worker_threads';
import { fib } from './peer-tasks.js';

parentPort?.on('message', ({ n, count }: { n: number; count: number }) => {
  let sum = 0;
  for (let i = 0; i < count; i++) sum += fib(n);
  parentPort?.postMessage(sum);
});
