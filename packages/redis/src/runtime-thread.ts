/**
 * The worker thread of a fleet worker: the worker runtime of `@futures/core`,
 * reading its session's inbox and writing the executor's outbox on its own
 * Redis connections (session-link.ts). The supervisor on the main thread
 * keeps the heartbeat, so a CPU-bound call never silences it, and ends this
 * thread when the call must end (abort, timeout) or the session is over.
 *
 * The executor knows which calls may have started here from what this thread
 * took from the inbox (inbox-ledger.ts), so the runtime needs no announcement
 * before a call: its progress board is one that always works and keeps
 * nothing, and it sends its results in batches.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runWorkerRuntime, type FromWorker, type ProgressWriter, type ToWorker } from '@futures/core/transport';
import { EngineCodec } from './engine-codec.js';
import { SessionBoard } from './session-board.js';
import { SessionLink, type LinkNotice, type LinkSession, type LinkSetup } from './session-link.js';
import { RefResolver } from './task-refs.js';

/** What the supervisor gives the thread when it makes it. */
export interface RuntimeThreadData {
  cwd: string;
  /** A {@link SessionBoard}'s memory. */
  board: SharedArrayBuffer;
}

/**
 * From the supervisor: where to connect (once, when the thread is made; the
 * URL and token travel as a message, not in `workerData`, which tasks could
 * read), then the session to serve (once).
 */
export type ThreadInput = { setup: LinkSetup } | { session: LinkSession };

/** To the supervisor. */
export type ThreadOutput = LinkNotice;

/** The executor reads progress from the inbox, not from a board: nothing to publish. */
const INBOX_BOARD: ProgressWriter = { set: () => true };

const port = parentPort;
if (port !== null) {
  const data = workerData as RuntimeThreadData;
  const board = new SessionBoard(data.board);
  const codec = new EngineCodec();
  const refs = new RefResolver(data.cwd);
  let link: SessionLink | undefined;
  let handler: ((message: ToWorker) => void) | undefined;
  const deliver = (parts: Uint8Array[]) => handler?.(refs.incoming(codec.decode(parts) as ToWorker));
  port.on('message', (input: ThreadInput) => {
    if ('setup' in input) link ??= new SessionLink(input.setup, board, (notice) => port.postMessage(notice satisfies ThreadOutput));
    else link?.serve(input.session, deliver);
  });
  runWorkerRuntime({
    progress: INBOX_BOARD,
    send(message: FromWorker): void {
      // Throws, sending nothing, when a value cannot be encoded: the runtime then fails only that call.
      link?.send(codec.encode(message));
    },
    onMessage(h) {
      handler = h;
    },
    close(): void {
      link?.close();
    },
  });
}
