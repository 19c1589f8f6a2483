/**
 * The `url` option as connection settings. Apart from connection.ts (which
 * loads ioredis) so that a runtime thread, whose hot path needs no ioredis
 * (hot-client.ts), does not load it: that takes a fresh thread tens of ms of CPU.
 */
import type { RedisOptions } from 'ioredis';

/** How long to wait before reconnecting after the `times`-th failed attempt, ms: 50, 100, ... at most 500. */
export function reconnectDelay(times: number): number {
  return Math.min(50 * times, 500);
}

/**
 * Client options for `url`: `redis://[user:password@]host[:port][/db]`,
 * `rediss://...` (TLS), or a Unix socket path (`/run/redis.sock`,
 * `unix:///run/redis.sock`, optionally `?password=...`).
 */
export function clientOptions(url: string): RedisOptions {
  const common: RedisOptions = {
    // Commands wait for a reconnect; the pool gives up on its own after UNREACHABLE_MS (answer-watch.ts).
    maxRetriesPerRequest: null,
    retryStrategy: reconnectDelay,
    enableAutoPipelining: false,
    lazyConnect: false,
  };
  if (url.startsWith('/')) return { ...common, path: url };
  if (url.startsWith('unix://')) {
    const parsed = new URL(url);
    const password = parsed.searchParams.get('password') ?? undefined;
    const username = parsed.searchParams.get('username') ?? undefined;
    return { ...common, path: decodeURIComponent(parsed.pathname), password, username };
  }
  const parsed = new URL(url);
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new TypeError(`unsupported Redis URL scheme ${parsed.protocol} (use redis://, rediss:// or a Unix socket path)`);
  }
  const options: RedisOptions = {
    ...common,
    host: parsed.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1',
    port: parsed.port === '' ? 6379 : Number(parsed.port),
  };
  if (parsed.username !== '') options.username = decodeURIComponent(parsed.username);
  if (parsed.password !== '') options.password = decodeURIComponent(parsed.password);
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '') options.db = Number(db);
  if (parsed.protocol === 'rediss:') options.tls = { servername: options.host };
  return options;
}

