/** Floor of the thread medium: a worker that posts every message straight back. */
import { parentPort } from 'node:worker_threads';

parentPort?.on('message', (m: unknown) => parentPort?.postMessage(m));
