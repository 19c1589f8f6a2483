import { BrokenExecutorError } from '@futures/core';
import { brandError } from '@futures/core/transport';

/**
 * A child process died while running a call (that call fails with it: the
 * message names the pid and the exit code or signal), or the pool cannot work
 * at all (a child could not start, the initializer threw: every pending call
 * fails with it, `cause` says why, and `submit` throws it).
 */
export class BrokenProcessPoolError extends BrokenExecutorError {
  override readonly code: string = 'ERR_BROKEN_PROCESS_POOL';
}
brandError(BrokenProcessPoolError, 'BrokenProcessPoolError');
