/**
 * The far side of the wake floors (floors.ts `WakeFloor`): answers each
 * message. With `spin` (ms) it first keeps its thread busy, saying so in
 * the shared flag (1), until the sender has posted its timed message (it
 * sets the flag to 2) or `spin` ms have gone.
 */
import { parentPort, workerData } from 'node:worker_threads';

const busy = new Int32Array((workerData as { flag: SharedArrayBuffer }).flag);

parentPort?.on('message', (m: { spin: number }) => {
  if (m.spin > 0) {
    Atomics.store(busy, 0, 1);
    const end = performance.now() + m.spin;
    while (Atomics.load(busy, 0) === 1 && performance.now() < end);
    Atomics.store(busy, 0, 0);
  }
  parentPort?.postMessage(0);
});
