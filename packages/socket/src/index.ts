/**
 * @futures/socket: `SocketPoolExecutor`, whose workers are processes that
 * connect over a Unix domain socket and exchange msgpackr frames, spawned by
 * the executor or started by hand with `futures-worker --connect PATH`.
 *
 * The public surface:
 * - {@link SocketPoolExecutor} and its options {@link SocketPoolOptions};
 * - {@link runWorker}: serve an executor's calls from this process;
 * - {@link BrokenSocketPoolError}: a worker died mid-call, or the pool cannot work;
 * - {@link SocketConnectionError}: a worker could not join (wrong token, no executor, another version).
 *
 * The wire protocol is described in the package README.
 */
export { SocketPoolExecutor, DEFAULT_MAX_FRAME_BYTES, type SocketPoolOptions } from './socket-pool-executor.js';
export { runWorker, type RunWorkerOptions } from './worker.js';
export { BrokenSocketPoolError, SocketConnectionError, type SocketConnectionErrorCode } from './errors.js';
export { PROTOCOL_VERSION } from './handshake.js';
