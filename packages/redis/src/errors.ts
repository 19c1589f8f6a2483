/**
 * The error classes of `@futures/redis`.
 */
import { BrokenExecutorError, FuturesError } from '@futures/core';
import { brandError } from '@futures/core/transport';

/**
 * A worker died, exited or went silent (no heartbeat for `leaseMs`) while
 * running a call: that call fails with it, and the message names the worker
 * and how it ended. Or the pool cannot work at all (Redis unreachable for
 * 10 s, an initializer that throws): every pending call fails with it,
 * `cause` says why, and `submit` throws it.
 */
export class BrokenRedisPoolError extends BrokenExecutorError {
  override readonly code: string = 'ERR_BROKEN_REDIS_POOL';
}
brandError(BrokenRedisPoolError, 'BrokenRedisPoolError');

/** Why a connection to Redis failed; see {@link RedisConnectionError}. */
export type RedisConnectionErrorCode = 'ERR_REDIS_REFUSED' | 'ERR_REDIS_UNREACHABLE';

/**
 * Redis cannot be used: it refused this client (`ERR_REDIS_REFUSED`: a wrong
 * password, an ACL that forbids a command) or could not be reached for 10 s
 * (`ERR_REDIS_UNREACHABLE`). `cause` is the client's last error.
 */
export class RedisConnectionError extends FuturesError {
  override readonly code: RedisConnectionErrorCode;
  constructor(message: string, code: RedisConnectionErrorCode, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}
brandError(RedisConnectionError, 'RedisConnectionError');
