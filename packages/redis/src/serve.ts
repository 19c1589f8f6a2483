/**
 * Runs a process's fleet workers: connects to Redis (telling a refusal from
 * an unreachable server), starts one {@link Supervisor} per worker, and stops
 * them on request. `futures-redis-worker` (cli.ts) is a thin wrapper around it.
 */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Redis } from 'ioredis';
import { AnswerWatch, UNREACHABLE_MS, watchAnswers } from './answer-watch.js';
import { connect, isRefusal, redactUrl } from './connection.js';
import { RedisConnectionError } from './errors.js';
import { FleetKeys } from './keys.js';
import { FrameSealer, frameKey } from './sealed-frame.js';
import { scriptsOn } from './scripts.js';
import { Supervisor } from './supervisor.js';

export interface ServeOptions {
  url: string;
  pool: string;
  prefix: string;
  workers: number;
  name?: string;
  cwd: string;
  token?: string;
  warn(message: string): void;
}

/** A running set of workers. */
export interface Fleet {
  /** Resolves when every worker stopped. */
  readonly done: Promise<void>;
  /** Leaves every session (telling its executor) and closes the connections. */
  stop(signal: string): Promise<void>;
}

/**
 * Waits until `client` is ready. Rejects with a RedisConnectionError when Redis
 * refuses it, or is not reachable for `limitMs`.
 */
export function whenReady(client: Redis, url: string, limitMs = UNREACHABLE_MS): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolvePromise, reject) => {
    let last: unknown;
    const finish = (error?: Error) => {
      clearTimeout(timer);
      client.off('ready', onReady);
      client.off('error', onError);
      if (error === undefined) resolvePromise();
      else reject(error);
    };
    const onReady = () => finish();
    const onError = (error: unknown) => {
      last = error;
      if (isRefusal(error)) {
        finish(new RedisConnectionError(`Redis at ${redactUrl(url)} refused this client: ${(error as Error).message}`, 'ERR_REDIS_REFUSED', { cause: error }));
      }
    };
    const timer = setTimeout(() => {
      const detail = last === undefined ? 'no answer' : ((last as Error)?.message ?? String(last));
      finish(new RedisConnectionError(`cannot reach Redis at ${redactUrl(url)} for ${limitMs / 1000} s: ${detail}`, 'ERR_REDIS_UNREACHABLE', { cause: last }));
    }, limitMs);
    client.on('ready', onReady);
    client.on('error', onError);
  });
}

/** Connects and starts `options.workers` workers. Rejects when Redis refuses or cannot be reached. */
export async function serveFleet(options: ServeOptions): Promise<Fleet> {
  const name = options.name ?? hostname();
  const cmd = connect(options.url, `futures-redis-worker ${name}`);
  cmd.on('error', () => {});
  try {
    await whenReady(cmd, options.url);
  } catch (error) {
    cmd.disconnect();
    throw error;
  }
  const cmdWatch = new AnswerWatch(UNREACHABLE_MS);
  const unwatch = watchAnswers(cmdWatch, 1000, () => {
    options.warn(`Redis did not answer for ${UNREACHABLE_MS / 1000} s: reconnecting`);
    cmd.disconnect(true);
  });
  const ctx = {
    cmdWatch,
    keys: new FleetKeys(options.prefix, options.pool),
    cmd,
    scripts: scriptsOn(cmd),
    sealer: new FrameSealer(frameKey(options.token)),
    url: options.url,
    token: options.token,
    cwd: resolve(options.cwd),
    name,
    warn: options.warn,
  };
  const supervisors: Supervisor[] = [];
  for (let i = 0; i < options.workers; i++) {
    const block = cmd.duplicate();
    block.on('error', () => {});
    supervisors.push(new Supervisor({ ...ctx, name: options.workers === 1 ? name : `${name}/${i + 1}` }, block));
  }
  const done = Promise.all(supervisors.map((s) => s.run())).then(() => undefined);
  let stopping: Promise<void> | undefined;
  return {
    done,
    stop(signal: string): Promise<void> {
      stopping ??= Promise.all(supervisors.map((s) => s.stop(signal))).then(async () => {
        unwatch();
        await cmd.quit().catch(() => cmd.disconnect());
      });
      return stopping;
    },
  };
}
