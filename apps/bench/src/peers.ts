import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import {
  UnavailableError,
  checkEcho,
  checkFib,
  checkMap,
  makePayload,
  payloadByteLength,
  range,
  workerFile,
  type Contender,
  type Op,
} from './contender.js';
import type { ContenderKind } from './results.js';
import { reasonOf, timeMs, withTimeout } from './timing.js';
import { runParsePeer } from './parse-op.js';

type TaskName = 'noop' | 'fib' | 'echo' | 'echoChunk' | 'parse';

/** A peer library reduced to what the workloads need. */
interface PeerPool {
  call(name: TaskName, arg: unknown, transfer?: boolean): Promise<unknown>;
  destroy(force: boolean): Promise<unknown>;
}

export type PeerId = 'piscina' | 'tinypool' | 'tinypool-process' | 'workerpool' | 'workerpool-process';

const LABELS: Record<PeerId, { label: string; requires: string; transfer: boolean }> = {
  piscina: { label: 'piscina run()', requires: 'piscina', transfer: true },
  tinypool: { label: 'tinypool run()', requires: 'tinypool', transfer: true },
  'tinypool-process': { label: "tinypool run() child_process", requires: 'tinypool', transfer: false },
  workerpool: { label: 'workerpool exec() thread', requires: 'workerpool', transfer: false },
  'workerpool-process': { label: 'workerpool exec() process', requires: 'workerpool', transfer: false },
};

async function importPeer(name: string): Promise<any> {
  try {
    switch (name) {
      case 'piscina':
        return await import('piscina');
      case 'tinypool':
        return await import('tinypool');
      case 'workerpool':
        return await import('workerpool');
      default:
        throw new Error(`unknown peer ${name}`);
    }
  } catch (err) {
    throw new UnavailableError(name, `cannot import ${name}: ${reasonOf(err)}`);
  }
}

/**
 * The installed version of a package, for the report's meta. Read from the
 * file: `require('<pkg>/package.json')` fails for packages whose `exports`
 * map does not list it (piscina, msgpackr).
 */
export function peerVersion(name: string): string | undefined {
  const require = createRequire(import.meta.url);
  for (const dir of require.resolve.paths(name) ?? []) {
    try {
      return (JSON.parse(readFileSync(join(dir, name, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      // Not in this node_modules: try the next one up.
    }
  }
  return undefined;
}

async function startPeer(id: PeerId, workers: number): Promise<PeerPool> {
  switch (id) {
    case 'piscina': {
      const { Piscina } = await importPeer('piscina');
      const pool = new Piscina({ filename: workerFile('peer-tasks.js').href, minThreads: workers, maxThreads: workers });
      return {
        call: (name, arg, transfer) => pool.run(transfer ? Piscina.move(arg) : arg, { name }),
        destroy: () => pool.destroy(),
      };
    }
    case 'tinypool':
    case 'tinypool-process': {
      const { Tinypool } = await importPeer('tinypool');
      const processes = id === 'tinypool-process';
      const pool = new Tinypool({
        filename: workerFile('peer-tasks.js').href,
        minThreads: workers,
        maxThreads: workers,
        // The v8 serializer, as our process pool uses; the default (JSON) cannot carry typed arrays.
        ...(processes ? { runtime: 'child_process', serialization: 'advanced' } : {}),
      });
      return {
        call: (name, arg, transfer) => pool.run(transfer ? Tinypool.move(arg) : arg, { name }),
        destroy: () => pool.destroy(),
      };
    }
    case 'workerpool':
    case 'workerpool-process': {
      const workerpool = (await importPeer('workerpool')).default;
      const processes = id === 'workerpool-process';
      const pool = workerpool.pool(workerFile('workerpool-worker.js').pathname, {
        minWorkers: workers,
        maxWorkers: workers,
        workerType: processes ? 'process' : 'thread',
        // As for tinypool: the v8 serializer, as our process pool uses.
        ...(processes ? { forkOpts: { serialization: 'advanced' } } : {}),
      });
      return {
        call: (name, arg) => Promise.resolve(pool.exec(name, name === 'noop' ? [] : [arg])),
        destroy: (force) => Promise.resolve(pool.terminate(force)),
      };
    }
  }
}

/** piscina, tinypool or workerpool with `workers` workers, running the same workloads through its own API. */
export class PeerContender implements Contender {
  readonly id: PeerId;
  readonly label: string;
  readonly kind: ContenderKind = 'peer';
  readonly requires: string;
  readonly #workers: number;
  readonly #closeTimeoutMs: number;
  readonly #canTransfer: boolean;
  #pool: PeerPool | undefined;
  readonly #payloads = new Map<string, Uint8Array | Float64Array>();

  constructor(id: PeerId, workers: number, closeTimeoutMs: number) {
    this.id = id;
    this.label = LABELS[id].label;
    this.requires = LABELS[id].requires;
    this.#canTransfer = LABELS[id].transfer;
    this.#workers = workers;
    this.#closeTimeoutMs = closeTimeoutMs;
  }

  supports(op: Op): boolean {
    // No map in these libraries: a chunked map needs a chunk size, and the parse goes one task per file.
    if (op.kind === 'map' && op.chunksize === undefined) return false;
    if (op.kind === 'parse' && op.how !== 'submit') return false;
    if (op.kind === 'wake') return false;
    return !(op.kind === 'echo' && op.transfer && !this.#canTransfer);
  }

  async open(): Promise<void> {
    const pool = await startPeer(this.id, this.#workers);
    this.#pool = pool;
    await Promise.all(Array.from({ length: this.#workers * 4 }, () => pool.call('fib', 12)));
  }

  async run(op: Op): Promise<number> {
    const pool = this.#pool;
    if (!pool) throw new Error(`${this.label} is not open`);
    switch (op.kind) {
      case 'rtt':
        return timeMs(async () => {
          for (let i = 0; i < op.n; i++) await pool.call('noop', 0);
        });
      case 'burst':
        return timeMs(async () => {
          const ps: Promise<unknown>[] = new Array(op.n);
          for (let i = 0; i < op.n; i++) ps[i] = pool.call('noop', 0);
          await Promise.all(ps);
        });
      case 'map': {
        // No map in these libraries: the chunked map a user would write, one task per chunk, results flattened in order.
        const items = range(op.n);
        const chunksize = op.chunksize ?? 1;
        let out: unknown[] = [];
        const ms = await timeMs(async () => {
          const ps: Promise<unknown>[] = [];
          for (let i = 0; i < items.length; i += chunksize) ps.push(pool.call('echoChunk', items.slice(i, i + chunksize)));
          out = (await Promise.all(ps)).flat();
        });
        checkMap(out, op.n, this.label);
        return ms;
      }
      case 'fib': {
        let sum = 0;
        const ms = await timeMs(async () => {
          const ps: Promise<unknown>[] = new Array(op.count);
          for (let i = 0; i < op.count; i++) ps[i] = pool.call('fib', op.n);
          for (const r of await Promise.all(ps)) sum += r as number;
        });
        checkFib(sum, op.n, op.count, this.label);
        return ms;
      }
      case 'echo': {
        const key = `${op.type}:${op.bytes}`;
        let payload = this.#payloads.get(key);
        if (!payload) this.#payloads.set(key, (payload = makePayload(op.bytes, op.type)));
        const sends = op.transfer ? Array.from({ length: op.reps }, () => makePayload(op.bytes, op.type)) : [];
        let last: unknown;
        const ms = await timeMs(async () => {
          for (let i = 0; i < op.reps; i++) last = await pool.call('echo', op.transfer ? sends[i] : payload, op.transfer);
        });
        checkEcho(last, payloadByteLength(op.bytes, op.type), this.label);
        return ms;
      }
      case 'parse':
        return runParsePeer((source) => pool.call('parse', source), op, this.label);
      case 'wake':
        throw new Error(`${this.label} does not run ${op.kind}: it is a floor's measure`);
    }
  }

  async close(): Promise<string | undefined> {
    const pool = this.#pool;
    this.#pool = undefined;
    if (!pool) return undefined;
    try {
      await withTimeout(pool.destroy(false), this.#closeTimeoutMs, 'destroy()');
      return undefined;
    } catch (err) {
      pool.destroy(true).catch(() => {});
      return `${reasonOf(err)}; forced`;
    }
  }

  kill(): void {
    const pool = this.#pool;
    this.#pool = undefined;
    pool?.destroy(true).catch(() => {});
  }
}
