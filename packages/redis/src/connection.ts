/**
 * Connections to Redis: parsing the `url` option, and telling a refusal
 * (wrong password, ACL) from a server that cannot be reached.
 */
import { Redis, type RedisOptions } from 'ioredis';

/** How long Redis may stay unreachable before the pool (or a worker) gives up, ms. */
export const UNREACHABLE_MS = 10_000;

/**
 * Client options for `url`: `redis://[user:password@]host[:port][/db]`,
 * `rediss://...` (TLS), or a Unix socket path (`/run/redis.sock`,
 * `unix:///run/redis.sock`, optionally `?password=...`).
 */
export function clientOptions(url: string): RedisOptions {
  const common: RedisOptions = {
    // Commands wait for a reconnect; the pool gives up on its own after UNREACHABLE_MS.
    maxRetriesPerRequest: null,
    retryStrategy: (times) => Math.min(50 * times, 500),
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

/** `url` without its password, for messages. */
export function redactUrl(url: string): string {
  try {
    if (url.startsWith('/')) return url;
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    if (parsed.searchParams.has('password')) parsed.searchParams.set('password', '***');
    return parsed.toString();
  } catch {
    return '(an unparsable URL)';
  }
}

/** A new client for `url`. Errors are the caller's to handle (`error` events). */
export function connect(url: string, name: string): Redis {
  const client = new Redis({ ...clientOptions(url), connectionName: name });
  return client;
}

/** True when Redis answered but refused this client: retrying will not help. */
export function isRefusal(error: unknown): boolean {
  const message = String((error as Error)?.message ?? error);
  return /WRONGPASS|NOAUTH|NOPERM|invalid password|invalid username-password/i.test(message);
}

/**
 * Lets the process exit although this client is connected (or holds it open
 * again): ioredis has no option for it, so this reaches its socket, now and
 * after every reconnect.
 */
export class ClientRef {
  #refed = true;
  readonly #clients: Redis[];

  constructor(clients: Redis[]) {
    this.#clients = clients;
    for (const client of clients) client.on('connect', () => this.#apply(client));
  }

  set(refed: boolean): void {
    this.#refed = refed;
    for (const client of this.#clients) this.#apply(client);
  }

  #apply(client: Redis): void {
    const stream = (client as unknown as { stream?: { ref?(): void; unref?(): void } }).stream;
    if (this.#refed) stream?.ref?.();
    else stream?.unref?.();
  }
}
