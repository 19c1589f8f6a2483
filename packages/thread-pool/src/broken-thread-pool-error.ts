import { BrokenExecutorError } from '@futures/core';
import { brandError } from '@futures/core/transport';

/**
 * A worker thread died while running a call (that call fails with it: the
 * message names the thread and its exit code), or the pool cannot work at all
 * (a thread could not start, the initializer threw: every pending call fails
 * with it, `cause` says why, and `submit` throws it).
 */
export class BrokenThreadPoolError extends BrokenExecutorError {
  override readonly code: string = 'ERR_BROKEN_THREAD_POOL';
}
brandError(BrokenThreadPoolError, 'BrokenThreadPoolError');
