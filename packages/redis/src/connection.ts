/**
 * Connections to Redis through ioredis (`url` as redis-url.ts reads it), and
 * telling a refusal (wrong password, ACL) from a server that cannot be reached.
 */
import { Redis } from 'ioredis';
import { clientOptions } from './redis-url.js';

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
