/**
 * @futures/redis: `RedisPoolExecutor`, whose workers run on any machine that
 * reaches one Redis server, and the `futures-redis-worker` command that
 * starts them.
 *
 * The public surface:
 * - {@link RedisPoolExecutor} and its options {@link RedisPoolOptions};
 * - {@link BrokenRedisPoolError}: a worker died or went silent mid-call, or the pool cannot work;
 * - {@link RedisConnectionError}: Redis refused a client or could not be reached.
 */
export { RedisPoolExecutor, DEFAULT_MAX_FLEET_WORKERS, type RedisPoolOptions } from './redis-pool-executor.js';
export { BrokenRedisPoolError, RedisConnectionError, type RedisConnectionErrorCode } from './errors.js';
