/**
 * The error classes of `@futures/socket`.
 */
import { BrokenExecutorError, FuturesError } from '@futures/core';
import { brandError } from '@futures/core/transport';

/**
 * A worker died or disconnected while running a call (that call fails with
 * it: the message names the worker and how it ended), or the pool cannot work
 * at all (a spawned worker could not start, the initializer threw: every
 * pending call fails with it, `cause` says why, and `submit` throws it).
 */
export class BrokenSocketPoolError extends BrokenExecutorError {
  override readonly code: string = 'ERR_BROKEN_SOCKET_POOL';
}
brandError(BrokenSocketPoolError, 'BrokenSocketPoolError');

/** Why a worker could not join an executor; see {@link SocketConnectionError}. */
export type SocketConnectionErrorCode =
  | 'ERR_SOCKET_CONNECT'
  | 'ERR_SOCKET_AUTH'
  | 'ERR_SOCKET_VERSION'
  | 'ERR_SOCKET_PROTOCOL'
  | 'ERR_SOCKET_FRAME'
  | 'ERR_SOCKET_TIMEOUT'
  | 'ERR_SOCKET_CLOSED'
  | 'ERR_SOCKET_REFUSED';

/**
 * A worker could not join a `SocketPoolExecutor`, or lost it abnormally
 * (`runWorker` rejects with it). `code` says why:
 * - `ERR_SOCKET_CONNECT`: no executor listens at the path (or it may not be reached); `cause` is the system error;
 * - `ERR_SOCKET_AUTH`: one side does not know the token;
 * - `ERR_SOCKET_VERSION`: the two sides speak different protocol versions (both are in the message);
 * - `ERR_SOCKET_PROTOCOL`: the other side does not speak this protocol;
 * - `ERR_SOCKET_FRAME`: after joining, the executor sent a frame the worker cannot read;
 * - `ERR_SOCKET_TIMEOUT`: the handshake did not complete in time;
 * - `ERR_SOCKET_CLOSED`: the other side closed the connection during the handshake;
 * - `ERR_SOCKET_REFUSED`: the executor refused the worker for another reason (the message says which).
 */
export class SocketConnectionError extends FuturesError {
  override readonly code: SocketConnectionErrorCode;
  constructor(message: string, code: SocketConnectionErrorCode, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
brandError(SocketConnectionError, 'SocketConnectionError');
