import { PoolExecutor, validateInteger, validateOptionsObject, validateString, type PoolOptions } from '@futures/core/transport';
import { RedisTransport } from './redis-transport.js';

const WHERE = 'RedisPoolExecutor';
/** Default {@link RedisPoolOptions.maxFleetWorkers}. */
export const DEFAULT_MAX_FLEET_WORKERS = 64;
/**
 * The shortest lease, ms: shorter cannot be kept over a network. A worker's
 * heartbeat comes every `leaseMs / 3` from its supervisor thread, so a lease
 * survives a stall of that thread of about `2 * leaseMs / 3`; on a heavily
 * loaded machine the OS can keep it off the CPU for hundreds of ms (on 2 cores
 * under heavy load, 150 ms failed two of three 3 s CPU-bound calls, and 500 ms
 * one run in five; 1000 ms held). Such leases are the user's call, not refused:
 * {@link RECOMMENDED_MIN_LEASE_MS} is what the README advises.
 */
export const MIN_LEASE_MS = 100;
/** The shortest lease that held busy workers on a heavily loaded 2-core host (see {@link MIN_LEASE_MS}). */
export const RECOMMENDED_MIN_LEASE_MS = 1000;

/** Options of {@link RedisPoolExecutor}: those of every pool, plus where the fleet is. */
export interface RedisPoolOptions extends Omit<PoolOptions, 'maxWorkers'> {
  /**
   * `redis://[user:password@]host[:port][/db]`, `rediss://...` for TLS, or a
   * Unix socket path. Default: `process.env.FUTURES_REDIS_URL`.
   */
  url?: string;
  /** The fleet's name: workers started with `--pool NAME` serve it. Default `'default'`. */
  pool?: string;
  /**
   * Worker processes this executor spawns on this machine (default 0). They
   * join the fleet through Redis like any other worker, and stop when the
   * executor shuts down. One that dies is started again.
   */
  maxWorkers?: number;
  /** The most fleet workers this executor uses at once (default 64). */
  maxFleetWorkers?: number;
  /**
   * Shared secret: every message is signed with HMAC-SHA256, and workers drop
   * what is not signed with it. Workers get it from `FUTURES_TOKEN`.
   */
  token?: string;
  /**
   * A worker silent for this long (ms) is declared lost: its call fails with
   * `BrokenRedisPoolError`. Also how long this executor's keys outlive it.
   * Default 3000; at least {@link MIN_LEASE_MS} (100); under {@link RECOMMENDED_MIN_LEASE_MS}
   * (1000) a heavily loaded host may delay a busy worker's heartbeat past it.
   */
  leaseMs?: number;
  /** The key prefix; keys are `<prefix>:{<pool>}:…`. Default `'futures'`. */
  prefix?: string;
}

/**
 * An executor whose workers run on any machine that reaches one Redis server
 * (`futures-redis-worker --pool NAME` there). Redis only carries messages:
 * this executor decides which worker runs which call, so no call ever runs
 * twice. A worker that dies or goes silent for `leaseMs` fails the call it
 * was running with {@link BrokenRedisPoolError}; the calls behind it run on
 * another worker. With no worker in the fleet, calls wait as PENDING.
 *
 * ```ts
 * const pool = new RedisPoolExecutor({ url: 'redis://127.0.0.1:6379', pool: 'images' });
 * try {
 *   console.log(await pool.submit((n: number) => n * 2, 21));
 * } finally {
 *   await pool.shutdown();
 * }
 * ```
 */
export class RedisPoolExecutor extends PoolExecutor {
  /** @throws TypeError or RangeError naming the option at fault. */
  constructor(options?: RedisPoolOptions) {
    const opts = validateOptionsObject<RedisPoolOptions>(options, WHERE);
    const { url, pool, maxWorkers, maxFleetWorkers, token, leaseMs, prefix, ...poolOptions } = opts;
    const where = (option: string) => `${WHERE}: ${option}`;
    const address = url ?? process.env.FUTURES_REDIS_URL;
    if (address === undefined) throw new TypeError(`${WHERE}: url is required (or set FUTURES_REDIS_URL)`);
    if (validateString(address, where('url')).length === 0) throw new TypeError(`${WHERE}: url must not be empty`);
    if (!/^(redis|rediss|unix):\/\//.test(address) && !address.startsWith('/')) {
      throw new TypeError(`${WHERE}: url must start with redis://, rediss:// or unix://, or be a Unix socket path, got ${JSON.stringify(address.replace(/\/\/[^@/]*@/, '//***@'))}`);
    }
    const fleet = pool === undefined ? 'default' : validateString(pool, where('pool'));
    if (fleet.length === 0 || /[{}|]/.test(fleet)) throw new TypeError(`${WHERE}: pool must be a non-empty name without '{', '}' or '|'`);
    const keyPrefix = prefix === undefined ? 'futures' : validateString(prefix, where('prefix'));
    if (keyPrefix.length === 0 || /[{}]/.test(keyPrefix)) throw new TypeError(`${WHERE}: prefix must be non-empty, without '{' or '}'`);
    const local = maxWorkers === undefined ? 0 : validateInteger(maxWorkers, where('maxWorkers'), 0);
    const claims = maxFleetWorkers === undefined ? DEFAULT_MAX_FLEET_WORKERS : validateInteger(maxFleetWorkers, where('maxFleetWorkers'), 1);
    const lease = leaseMs === undefined ? 3000 : validateInteger(leaseMs, where('leaseMs'), 0);
    if (lease < MIN_LEASE_MS) throw new RangeError(`${WHERE}: leaseMs must be at least ${MIN_LEASE_MS} (ms), got ${lease}: a shorter lease cannot be kept over a network`);
    if (lease > 0x7fffffff) throw new RangeError(`${WHERE}: leaseMs must be at most ${0x7fffffff}, got ${lease}`);
    if (token !== undefined && validateString(token, where('token')).length === 0) throw new TypeError(`${WHERE}: token must not be empty`);
    const transport = new RedisTransport({
      where: WHERE,
      url: address,
      pool: fleet,
      prefix: keyPrefix,
      token,
      leaseMs: lease,
      localWorkers: local,
      // The engine validates name (it throws before anything connects).
      name: typeof opts.name === 'string' ? opts.name : 'futures-redis-worker',
    });
    super(transport, { ...poolOptions, maxWorkers: claims }, { where: WHERE, extraOptions: ['url', 'pool', 'maxFleetWorkers', 'token', 'leaseMs', 'prefix'] });
  }
}
