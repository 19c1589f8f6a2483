/**
 * The connection a hot path (a runtime thread's pushes and inbox reads)
 * sends its commands on: the minimal RESP connection (resp-connection.ts)
 * where it can go, ioredis where only ioredis can (TLS).
 */
import type { Redis } from 'ioredis';
import type { ClientRef } from './connection.js';
import { RespConnection, respTarget, type RespArg, type RespReply } from './resp-connection.js';

export interface HotClient {
  /** Sends one command; resolves with its reply (bulk strings as Buffers). */
  command(args: readonly RespArg[]): Promise<RespReply>;
  /** Writes between cork and uncork leave together. */
  cork(): void;
  uncork(): void;
  /**
   * `listener(lost)` runs when the connection drops; `lost`: commands were
   * written and not answered, and will not be sent again (whether Redis ran
   * them is unknown). Commands sent later wait for a reconnect.
   */
  onClose(listener: (lost: boolean) => void): void;
  /** Whether the connection keeps the process alive, now and after every reconnect. */
  setRef(refed: boolean): void;
  disconnect(): void;
}

/**
 * A hot client for `url`, named `name` in Redis's CLIENT LIST: the minimal
 * connection unless the URL needs ioredis (or `via` asks for it: tests).
 */
export function hotClient(url: string, name: string, via: 'resp' | 'ioredis' = 'resp'): HotClient {
  const target = via === 'resp' ? respTarget(url, name) : undefined;
  return target === undefined ? new IoredisHot(url, name) : new RespHot(new RespConnection(target));
}

class RespHot implements HotClient {
  readonly #c: RespConnection;

  constructor(c: RespConnection) {
    this.#c = c;
    c.on('error', () => {});
  }

  command(args: readonly RespArg[]): Promise<RespReply> {
    return this.#c.command(args);
  }

  cork(): void {
    this.#c.cork();
  }

  uncork(): void {
    this.#c.uncork();
  }

  onClose(listener: (lost: boolean) => void): void {
    this.#c.on('close', (inFlight: number) => listener(inFlight > 0));
  }

  setRef(refed: boolean): void {
    this.#c.setRef(refed);
  }

  disconnect(): void {
    this.#c.disconnect();
  }
}

/**
 * ioredis sends again, after a reconnect, what it had written: nothing is lost but a blocking read's reply.
 * Loaded when first needed (TLS only), so that a runtime thread does not load ioredis otherwise.
 */
class IoredisHot implements HotClient {
  readonly #c: Promise<{ client: Redis; ref: ClientRef }>;
  /** Set once loaded: corking before then has nothing to cork (commands wait for the load). */
  #loaded: Redis | undefined;

  constructor(url: string, name: string) {
    this.#c = import('./connection.js').then(({ connect, ClientRef }) => {
      const client = connect(url, name);
      client.on('error', () => {});
      this.#loaded = client;
      return { client, ref: new ClientRef([client]) };
    });
  }

  command(args: readonly RespArg[]): Promise<RespReply> {
    const [name, ...rest] = args;
    const argv = rest.map((a) => (typeof a === 'number' ? String(a) : Buffer.isBuffer(a) || typeof a === 'string' ? a : Buffer.from(a)));
    return this.#c.then(({ client }) => client.callBuffer(String(name), ...argv) as Promise<RespReply>);
  }

  #stream(): { cork?(): void; uncork?(): void } | undefined {
    return (this.#loaded as unknown as { stream?: { cork?(): void; uncork?(): void } } | undefined)?.stream;
  }

  cork(): void {
    this.#stream()?.cork?.();
  }

  uncork(): void {
    this.#stream()?.uncork?.();
  }

  onClose(listener: (lost: boolean) => void): void {
    void this.#c.then(({ client }) => client.on('close', () => listener(false)));
  }

  setRef(refed: boolean): void {
    void this.#c.then(({ ref }) => ref.set(refed));
  }

  disconnect(): void {
    void this.#c.then(({ client }) => client.disconnect());
  }
}
