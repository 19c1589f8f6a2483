/**
 * The shared executor test suite, as CPython's `create_executor_tests`: every
 * executor runs the same tests of the public contract. Transport packages call
 * {@link describeExecutorSuite} from a `*.suite.test.ts` file and add only
 * their own cases beside it.
 */
import {
  asCompleted,
  BrokenExecutorError,
  CancelledError,
  QueueFullError,
  RemoteError,
  ShutdownError,
  tasksFrom,
  TimeoutError,
  wait,
  type Executor,
  type ExecutorStats,
  type Future,
} from '@futures/core';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EventEmitter, once } from 'node:events';
import { Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { tasks } from '../fixtures/tasks.mjs';

export interface SuiteOptions {
  /** Makes an executor; `options` are the executor's constructor options. */
  create(options?: Record<string, unknown>): SuiteExecutor;
  /** The executor sends calls to workers (false for InlineExecutor). Enables codec, initializer and broken-pool tests. */
  pool: boolean;
  /** Workers are real threads/processes, so a task may call `process.exit`. */
  realWorkers: boolean;
  /** The pool's own `Broken…Error` class, which worker deaths and broken pools must use. */
  brokenError?: abstract new (...args: never[]) => Error;
  /**
   * How many workers the executor has started so far, where a task cannot
   * tell workers apart (the fake transport runs every worker in this thread).
   * Default: count the distinct workers (process and thread ids) that ran the calls.
   */
  workersStarted?(executor: Executor): number;
  /**
   * Each worker is a child process of this one: enables the random-SIGKILL
   * soak (Linux only: it finds the children in /proc).
   */
  childProcesses?: boolean;
  /**
   * The package and class name of the executor (`['@futures/thread-pool', 'ThreadPoolExecutor']`),
   * for tests that run it in a script of its own (an idle pool must not keep that process alive).
   */
  module?: readonly [pkg: string, className: string];
}

/** What the suite tests: the `Executor` contract plus `stats()`, which every executor has. */
export type SuiteExecutor = Executor & { stats(): ExecutorStats };

/**
 * Wraps an executor factory so that every executor it makes in a test is
 * shut down (cancelling what has not started) after that test. Call it inside
 * a `describe` or at the top of a test file.
 */
export function shutDownAfterEach<A extends unknown[], E extends Pick<Executor, 'shutdown'>>(create: (...args: A) => E): (...args: A) => E {
  const open: E[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((ex) => ex.shutdown({ cancelFutures: true })));
  });
  return (...args: A): E => {
    const ex = create(...args);
    open.push(ex);
    return ex;
  };
}

/** Resolves once `predicate` holds, checking on each turn of the event loop (for states that have no event). */
export async function until(predicate: () => boolean, what: string, limitMs = 10_000): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/**
 * A self-contained task that creates the file at `path` once it really starts
 * in a worker (not merely when it is dispatched to one), then never returns.
 * Tests that end a worker mid-call wait for {@link startMarker}'s `started()`
 * first: a call that had not started would go back to the queue instead.
 */
export const markThenHang = (path: string): Promise<never> => {
  (process as unknown as { getBuiltinModule(id: string): typeof import('node:fs') }).getBuiltinModule('node:fs').writeFileSync(path, '');
  return new Promise<never>(() => {});
};

/** A fresh marker path for {@link markThenHang}, a wait for it, and its cleanup. */
export function startMarker(): { path: string; started(): Promise<void>; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'futures-marker-'));
  const path = join(dir, 'started');
  return {
    path,
    started: () => until(() => existsSync(path), 'the call starts in its worker'),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * The `--import` loader of a stand-in for tsx (fixtures/tsx: a package named
 * tsx with tsx's layout) that compiles `.ts` modules. Like tsx on Node 20, it
 * registers its hooks on the main thread only, so tests of TypeScript task
 * modules see what real tsx users see.
 */
export const TS_LOADER_URL = new URL('../fixtures/tsx/loader.mjs', import.meta.url).href;

/**
 * Runs `node --import <TS_LOADER_URL> fixtures/ts-main.mjs <pkg> <className>`: a program that
 * submits tasks from a TypeScript module to a pool of that package. Its output is
 * `{"length":5,"inWorker":true}` when the workers imported the module through the loader.
 */
export function runTypeScriptTasks(pkg: string, className: string): ReturnType<typeof runScript> {
  return runScript('--import', TS_LOADER_URL, fileURLToPath(new URL('../fixtures/ts-main.mjs', import.meta.url)), pkg, className);
}

/**
 * Runs `node ...args` as its own process (a script that uses a pool); resolves
 * with how it ended and what it printed. Bounded: a process kept alive by its
 * pool is killed after `limitMs`, which the caller's assertion then reports.
 */
export async function runScript(...args: string[]): Promise<{ code: number | null; signal: string | null; out: string }> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  // 'close' also waits for stdout, which a pool's children inherit: it comes once they are all gone too.
  const [code, signal] = (await once(child, 'close')) as [number | null, string | null];
  clearTimeout(timer);
  return { code, signal, out: out.trim() };
}

/** The pids of this process's live children (Linux /proc). */
export function childPids(): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so read after the last ')'.
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(ppid) === process.pid && state !== 'Z') pids.push(Number(name));
    } catch {
      // Gone while we looked.
    }
  }
  return pids;
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const v of it) out.push(v);
  return out;
}

export function describeExecutorSuite(name: string, suite: SuiteOptions): void {
  // A pool can end a call that never returns (it ends the worker); an in-thread executor cannot, so it gets a finite one.
  const endless = (ex: Executor): Future<unknown> => (suite.pool ? ex.submit(tasks.forever) : ex.submit(tasks.sleep, 100, 'ignored'));
  describe(`${name}: shared executor suite`, () => {
    const make = shutDownAfterEach((options?: Record<string, unknown>) => suite.create(options));

    describe('submit', () => {
      it('runs a defineTasks task and resolves with its result', async () => {
        const ex = make({ maxWorkers: 2 });
        const f = ex.submit(tasks.add, 2, 3);
        expect(await f).toBe(5);
        expect(f.state).toBe('FINISHED');
        expect(f.done()).toBe(true);
        expect(await f.exception()).toBeUndefined();
      });

      it('runs a plain self-contained function sent as source', async () => {
        const ex = make({ maxWorkers: 1 });
        expect(await ex.submit((a: number, b: number) => a * b, 6, 7)).toBe(42);
        expect(await ex.submit(async function twice(x: string) { return x + x; }, 'ab')).toBe('abab');
      });

      it('awaits async tasks', async () => {
        const ex = make({ maxWorkers: 1 });
        expect(await ex.submit(tasks.sleep, 5, 'late')).toBe('late');
      });

      it('rejects a non-function with a TypeError naming fn', () => {
        const ex = make({ maxWorkers: 1 });
        const untypedSubmit = ex.submit.bind(ex) as (fn: unknown) => unknown;
        expect(() => untypedSubmit(42)).toThrow(TypeError);
        expect(() => untypedSubmit(42)).toThrow(/fn/);
      });

      it('keeps the class, message, code and properties of a thrown built-in error', async () => {
        const ex = make({ maxWorkers: 1 });
        const error = (await ex.submit(tasks.fail, 'too big', 'E_BIG').exception()) as RangeError & { code: string; detail: unknown };
        expect(error).toBeInstanceOf(RangeError);
        expect(error.message).toBe('too big');
        expect(error.code).toBe('E_BIG');
        expect(error.detail).toEqual({ field: 'n', limit: 3 });
        if (suite.pool) {
          expect(RemoteError.isInstance(error.cause)).toBe(true);
          expect(String((error.cause as Error).message)).toContain('fail');
        }
        await expect(ex.submit(tasks.fail, 'again', 'E')).rejects.toThrow(RangeError);
      });

      it("keeps a custom error's name and code", async () => {
        const ex = make({ maxWorkers: 1 });
        const error = (await ex.submit(tasks.failCustom, 'mine').exception()) as Error & { code: string };
        expect(error).toBeInstanceOf(Error);
        expect(error.name).toBe('MyError');
        expect(error.message).toBe('mine');
        expect(error.code).toBe('E_MINE');
      });

      it('delivers a thrown non-Error value as that value', async () => {
        const ex = make({ maxWorkers: 1 });
        await expect(ex.submit(tasks.throwValue, 'oops')).rejects.toBe('oops');
        await expect(ex.submit(tasks.throwValue, { reason: 7 })).rejects.toEqual({ reason: 7 });
        // An object that merely looks like an error is still a plain value.
        const lookalike = { message: 'boom', stack: 'not a real stack', status: 404 };
        await expect(ex.submit(tasks.throwValue, lookalike)).rejects.toEqual(lookalike);
      });

      it('round-trips structured values', async () => {
        const ex = make({ maxWorkers: 1 });
        const cyclic: Record<string, unknown> = { name: 'loop' };
        cyclic.self = cyclic;
        const value = {
          map: new Map<unknown, unknown>([['a', 1], [2, { b: [3] }]]),
          set: new Set([1, 'two']),
          date: new Date(1_700_000_000_000),
          big: 2n ** 70n,
          bytes: new Uint8Array([1, 2, 3]),
          floats: new Float64Array([0.5, -1]),
          nested: { deep: [{ deeper: null }], undef: undefined },
          cyclic,
        };
        const back = (await ex.submit(tasks.echo, value)) as typeof value;
        expect(back.map).toEqual(value.map);
        expect(back.set).toEqual(value.set);
        expect(back.date.getTime()).toBe(value.date.getTime());
        expect(back.big).toBe(value.big);
        expect(back.bytes).toEqual(value.bytes);
        expect(back.floats).toBeInstanceOf(Float64Array);
        expect(Array.from(back.floats)).toEqual([0.5, -1]);
        expect(back.nested).toEqual(value.nested);
        expect(back.cyclic.self).toBe(back.cyclic);
      });

      it('runs thousands of calls, each with its own result', async () => {
        const ex = make({ maxWorkers: 2 });
        const fs = Array.from({ length: 3000 }, (_, i) => ex.submit(tasks.add, i, 1));
        const results = await Promise.all(fs);
        expect(results).toEqual(Array.from({ length: 3000 }, (_, i) => i + 1));
      });

      if (suite.pool) {
        it('refuses native and bound functions at submit with a TypeError', () => {
          const ex = make({ maxWorkers: 1 });
          expect(() => ex.submit(Math.max, 1, 2)).toThrow(TypeError);
          expect(() => ex.submit(tasks.add.bind(null), 1, 2)).toThrow(/native or bound/);
        });

        it('explains a source function that uses its enclosing scope, pointing to defineTasks', async () => {
          const ex = make({ maxWorkers: 1 });
          const factor = 3;
          const error = (await ex.submit((x: number) => x * factor, 2).exception()) as Error;
          expect(error).toBeInstanceOf(ReferenceError);
          expect(error.message).toMatch(/factor/);
          expect(error.message).toMatch(/defineTasks/);
        });

        it('a source function that assigns to a variable of its enclosing scope fails the same way, instead of making a global of the worker', async () => {
          const ex = make({ maxWorkers: 1 });
          let total = 0;
          const error = (await ex.submit((x: number) => {
            total = x;
            return total;
          }, 2).exception()) as Error;
          expect(error).toBeInstanceOf(ReferenceError);
          expect(error.message).toMatch(/total/);
          expect(error.message).toMatch(/defineTasks/);
          expect(total).toBe(0);
          expect(await ex.submit(() => typeof (globalThis as Record<string, unknown>).total)).toBe('undefined');
          // Strict mode, as in the module the function came from: `this` of a plain call is undefined.
          expect(await ex.submit(function (this: unknown) { return this === undefined; })).toBe(true);
        });

        it('fails only the call whose argument cannot be sent, naming the argument', async () => {
          const ex = make({ maxWorkers: 1 });
          const bad = ex.submit(tasks.add, 1, (() => 2) as never);
          const good = ex.submit(tasks.add, 1, 2);
          const error = (await bad.exception()) as Error;
          expect(error).toBeInstanceOf(TypeError);
          expect(error.message).toMatch(/argument 2/);
          expect(await good).toBe(3);
          expect(await ex.submit(tasks.add, 2, 2)).toBe(4);
        });

        it('refuses a live resource (an EventEmitter, a socket) as an argument or a result with a one-line TypeError naming it; the executor stays healthy', async () => {
          const ex = make({ maxWorkers: 1 });
          const socket = new Socket();
          try {
            const calls = [
              ex.submit(tasks.echo, new EventEmitter()),
              ex.submit(tasks.add, 1, socket as never),
              ex.submit(tasks.echo, { socket }),
              ex.submit(tasks.returnEmitter),
            ];
            const good = ex.submit(tasks.add, 1, 2);
            const errors = (await Promise.all(calls.map((f) => f.exception()))) as Error[];
            for (const error of errors) {
              expect(error).toBeInstanceOf(TypeError);
              // One line, not the source of a function the socket holds.
              expect(error.message).not.toMatch(/\n/);
            }
            expect(errors[0].message).toMatch(/argument 1 of echo .*EventEmitter/);
            expect(errors[1].message).toMatch(/argument 2 of add .*Socket/);
            expect(errors[2].message).toMatch(/argument 1 of echo/);
            expect(errors[3].message).toMatch(/result .*EventEmitter/);
            expect(await good).toBe(3);
            expect(await ex.map(tasks.echo, [1, new EventEmitter(), 3], { chunksize: 3 }).toArray().catch((e: Error) => e)).toBeInstanceOf(TypeError);
            expect(await ex.submit(tasks.add, 2, 2)).toBe(4);
          } finally {
            socket.destroy();
          }
        });

        it('fails only the call whose result cannot be sent back', async () => {
          const ex = make({ maxWorkers: 1 });
          const error = (await ex.submit(tasks.returnFunction).exception()) as Error;
          expect(error).toBeInstanceOf(TypeError);
          expect(error.message).toMatch(/result/);
          expect(await ex.submit(tasks.add, 1, 1)).toBe(2);
        });
      }
    });

    describe('map', () => {
      it('yields results in input order, whatever order they finish in', async () => {
        const ex = make({ maxWorkers: 2 });
        const out = await collect(ex.map(tasks.sleep, [30, 1, 15, 0], ['a', 'b', 'c', 'd']));
        expect(out).toEqual(['a', 'b', 'c', 'd']);
      });

      it('zips several iterables and stops at the shortest', async () => {
        const ex = make({ maxWorkers: 2 });
        expect(await collect(ex.map(tasks.add, [1, 2, 3], new Set([10, 20])))).toEqual([11, 22]);
      });

      it('reads async iterables', async () => {
        const ex = make({ maxWorkers: 2 });
        async function* numbers() {
          for (let i = 0; i < 5; i++) yield i;
        }
        expect(await collect(ex.map(tasks.add, numbers(), [10, 10, 10, 10, 10, 10]))).toEqual([10, 11, 12, 13, 14]);
      });

      it('sends chunks and keeps input order', async () => {
        const ex = make({ maxWorkers: 2 });
        const xs = Array.from({ length: 103 }, (_, i) => i);
        expect(await collect(ex.map(tasks.add, xs, xs, { chunksize: 10 }))).toEqual(xs.map((x) => 2 * x));
      });

      it('submits every call before returning for a sync input', async () => {
        const ex = make({ maxWorkers: 1 });
        let read = 0;
        function* input() {
          for (let i = 0; i < 4; i++) {
            read++;
            yield i;
          }
        }
        const it = ex.map(tasks.echo, input());
        expect(read).toBe(4);
        expect(await collect(it)).toEqual([0, 1, 2, 3]);
      });

      it('with buffersize reads an infinite input lazily and closes it when the consumer stops', async () => {
        const ex = make({ maxWorkers: 2 });
        let read = 0;
        let closed = false;
        function* naturals() {
          try {
            for (let i = 0; ; i++) {
              read++;
              yield i;
            }
          } finally {
            closed = true;
          }
        }
        const out: number[] = [];
        for await (const v of ex.map(tasks.echo, naturals(), { buffersize: 3, chunksize: 1 })) {
          out.push(v as number);
          if (out.length === 5) break;
        }
        expect(out).toEqual([0, 1, 2, 3, 4]);
        expect(read).toBeLessThanOrEqual(5 + 3);
        expect(closed).toBe(true);
      });

      it('with buffersize and no chunksize reads lazily: at most buffersize items ahead of the consumer, as Python', async () => {
        const ex = make({ maxWorkers: 2 });
        let closed = false;
        let read = 0;
        function* naturals() {
          try {
            for (let i = 0; ; i++) {
              read++;
              yield i;
            }
          } finally {
            closed = true;
          }
        }
        const out: number[] = [];
        let mostAhead = 0;
        for await (const v of ex.map(tasks.echo, naturals(), { buffersize: 4 })) {
          out.push(v as number);
          mostAhead = Math.max(mostAhead, read - out.length);
          if (out.length === 300) break;
        }
        expect(out).toEqual(Array.from({ length: 300 }, (_, i) => i));
        expect(mostAhead).toBeLessThanOrEqual(4);
        expect(closed).toBe(true);
      });

      it('runs every item of a map made before shutdown, as if all were submitted (Python: with Executor() as ex: it = ex.map(...))', async () => {
        const ex = make({ maxWorkers: 2 });
        const xs = Array.from({ length: 2_000 }, (_, i) => i);
        const it = ex.map(tasks.echo, xs);
        await ex.shutdown();
        expect(await collect(it)).toEqual(xs);
      });

      it('shutdown({ cancelFutures: true }) cancels the items of a map not started yet', async () => {
        const ex = make({ maxWorkers: 1 });
        const it = ex.map(tasks.sleep, [30, 0, 0, 0, 0, 0, 0, 0, 0, 0], ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j']);
        await ex.shutdown({ cancelFutures: true });
        await expect(collect(it)).rejects.toSatisfy((e: unknown) => CancelledError.isInstance(e));
      });

      it('throws the first failing item and cancels the calls still pending', async () => {
        const ex = make({ maxWorkers: 1 });
        const it = ex.map(tasks.fail, ['boom', 'never', 'never'], ['E1', 'E2', 'E3']);
        await expect(it.next()).rejects.toThrow('boom');
        expect(await it.next()).toEqual({ value: undefined, done: true });
      });

      it('keeps its timeout while a lazily read async input is slow', async () => {
        const ex = make({ maxWorkers: 1 });
        expect(await ex.submit(tasks.add, 1, 1)).toBe(2); // the worker is up: the timeout below measures the input only
        async function* slowInput() {
          yield 1;
          await new Promise((resolve) => setTimeout(resolve, 5_000));
          yield 2;
        }
        const it = ex.map(tasks.echo, slowInput(), { timeout: 300, buffersize: 2 });
        expect(await it.next()).toEqual({ value: 1, done: false });
        await expect(it.next()).rejects.toSatisfy((e: unknown) => TimeoutError.isInstance(e));
      });

      it('throws TimeoutError when the timeout from the map call passes', async () => {
        const ex = make({ maxWorkers: 1 });
        const it = ex.map(tasks.sleep, [300], ['x'], { timeout: 20 });
        await expect(it.next()).rejects.toSatisfy((e: unknown) => TimeoutError.isInstance(e));
      });

      it("with({ transfer }).map sends each item's buffer with its own call: every call gets its data, none a buffer another call moved", async () => {
        const ex = make({ maxWorkers: 2 });
        const size = (data: ArrayBuffer | Uint8Array | { nested: Uint8Array }) =>
          'nested' in data ? data.nested.byteLength : data.byteLength;
        const buffers = () => [new ArrayBuffer(4), new ArrayBuffer(8), new ArrayBuffer(12)];
        let list = buffers();
        expect(await ex.with({ transfer: list }).map(size, list).toArray()).toEqual([4, 8, 12]);
        list = buffers();
        expect(await ex.with({ transfer: list }).map(size, list, { chunksize: 2 }).toArray()).toEqual([4, 8, 12]);
        list = buffers();
        const views = list.map((b) => new Uint8Array(b));
        expect(await ex.with({ transfer: list }).map(size, views).toArray()).toEqual([4, 8, 12]);
        list = buffers();
        const wrapped = list.map((b) => ({ nested: new Uint8Array(b) }));
        expect(await ex.with({ transfer: list }).map(size, wrapped).toArray()).toEqual([4, 8, 12]);
      });

      it('rejects bad arguments at the call, naming them', () => {
        const ex = make({ maxWorkers: 1 });
        expect(() => ex.map(tasks.echo, 5 as never)).toThrow(/argument 2/);
        // @ts-expect-error map needs one iterable per parameter of fn
        expect(() => ex.map(tasks.echo)).toThrow(TypeError);
        expect(() => ex.map(tasks.echo, [1], { chunksize: 0 })).toThrow(RangeError);
        expect(() => ex.map(tasks.echo, [1], { chunksize: 0 })).toThrow(/chunksize/);
        expect(() => ex.map(tasks.echo, [1], { timeout: -1 })).toThrow(RangeError);
        expect(() => ex.map(tasks.echo, [1], { chunkSize: 2 } as never)).toThrow(/chunkSize/);
      });
    });

    describe('cancellation, signals and timeouts', () => {
      it('cancels a pending call, not a finished one', async () => {
        const ex = make({ maxWorkers: 1 });
        const first = ex.submit(tasks.sleep, 20, 1);
        const second = ex.submit(tasks.add, 1, 2);
        expect(second.cancel()).toBe(true);
        expect(second.cancel()).toBe(true);
        expect(second.cancelled()).toBe(true);
        expect(second.state).toBe('CANCELLED');
        expect(await first).toBe(1);
        expect(first.cancel()).toBe(false);
        await expect(second.result()).rejects.toSatisfy((e: unknown) => CancelledError.isInstance(e));
      });

      it('an aborted signal cancels a call that has not started', async () => {
        const ex = make({ maxWorkers: 1 });
        const ac = new AbortController();
        ac.abort();
        const f = ex.with({ signal: ac.signal }).submit(tasks.add, 1, 2);
        expect(f.cancelled()).toBe(true);
      });

      it('aborting a running call fails it with the reason; the executor goes on', async () => {
        const ex = make({ maxWorkers: 1 });
        const ac = new AbortController();
        const f = endless(ex.with({ signal: ac.signal }));
        await until(() => f.running(), 'the call runs');
        const reason = new Error('stop it');
        ac.abort(reason);
        expect(await f.exception()).toBe(reason);
        expect(await ex.submit(tasks.add, 2, 2)).toBe(4);
      });

      it('an aborted call queued behind a running one is cancelled and never runs', async () => {
        const ex = make({ maxWorkers: 1 });
        await Promise.all(Array.from({ length: 20 }, (_, i) => ex.submit(tasks.add, i, 1)));
        await ex.submit(tasks.setGlobal, 'before');
        const ac = new AbortController();
        const running = ex.submit(tasks.sleep, 30, 'ran');
        const queued = ex.with({ signal: ac.signal }).submit(tasks.setGlobal, 'side effect');
        await until(() => running.running(), 'the first call runs');
        ac.abort();
        expect(queued.cancelled()).toBe(true);
        expect(await running).toBe('ran');
        expect(await ex.submit(tasks.getGlobal)).toBe('before');
      });

      it('a timeout is kept for a call submitted right behind short ones', async () => {
        const ex = make({ maxWorkers: 1 });
        await Promise.all(Array.from({ length: 20 }, (_, i) => ex.submit(tasks.add, i, 1)));
        const quick = ex.submit(tasks.add, 1, 2);
        const slow = endless(ex.with({ timeout: 30 }));
        expect(await quick).toBe(3);
        expect(TimeoutError.isInstance(await slow.exception())).toBe(true);
      });

      it('a call past its timeout fails with TimeoutError; the executor goes on', async () => {
        const ex = make({ maxWorkers: 1 });
        const f = endless(ex.with({ timeout: 20 }));
        const error = await f.exception();
        expect(TimeoutError.isInstance(error)).toBe(true);
        expect(ex.stats()).toMatchObject({ running: 0, failed: 1 });
        // A pool ended that worker: on its way out, it is busy with nothing of the caller's. (In-thread code
        // cannot be stopped: the inline executor's call goes on, and says so.)
        if (suite.pool) expect(ex.stats().busyWorkers).toBe(0);
        expect(await ex.submit(tasks.add, 2, 3)).toBe(5);
      });

      it('a timeout past 2^31-1 ms (Node timers overflow there) or Infinity never fires early', async () => {
        const ex = make({ maxWorkers: 1 });
        for (const timeout of [2 ** 31, 30 * 24 * 3600 * 1000, 1e12, Infinity]) {
          expect(await ex.with({ timeout }).submit(tasks.sleep, 5, timeout)).toBe(timeout);
        }
        const f = ex.submit(tasks.sleep, 5, 'v');
        expect(await f.result(2 ** 31)).toBe('v');
        expect(await f.exception(1e12)).toBe(undefined);
      });

      it('timeout 0 fails a call that does not finish at once with TimeoutError; the executor goes on', async () => {
        const ex = make({ maxWorkers: 1 });
        const f = endless(ex.with({ timeout: 0 }));
        expect(TimeoutError.isInstance(await f.exception())).toBe(true);
        expect(await ex.submit(tasks.add, 2, 3)).toBe(5);
      });

      it('aborting a signal after its call finished changes nothing; the executor goes on', async () => {
        const ex = make({ maxWorkers: 1 });
        const ac = new AbortController();
        const f = ex.with({ signal: ac.signal }).submit(tasks.add, 1, 2);
        expect(await f).toBe(3);
        ac.abort(new Error('too late'));
        expect(f.state).toBe('FINISHED');
        expect(await f).toBe(3);
        expect(await ex.with({ signal: new AbortController().signal }).submit(tasks.add, 2, 2)).toBe(4);
      });

      it('rejects bad with() options', () => {
        const ex = make({ maxWorkers: 1 });
        for (const timeout of [-1, NaN]) expect(() => ex.with({ timeout })).toThrow(/timeout/);
        expect(() => ex.with({ timeout: '5' as never })).toThrow(/timeout/);
        expect(() => ex.with({ timeout: -5 })).toThrow(RangeError);
        expect(() => ex.with({ signal: 'no' as never })).toThrow(/signal/);
        expect(() => ex.with({ timeOut: 5 } as never)).toThrow(/timeOut/);
      });

      it('result(timeout) rejects with TimeoutError without cancelling the call', async () => {
        const ex = make({ maxWorkers: 1 });
        const f = ex.submit(tasks.sleep, 100, 'done');
        await expect(f.result(5)).rejects.toSatisfy((e: unknown) => TimeoutError.isInstance(e));
        expect(f.cancelled()).toBe(false);
        expect(await f).toBe('done');
      });
    });

    describe('shutdown', () => {
      it('lets submitted calls finish, then refuses new ones with ShutdownError', async () => {
        const ex = make({ maxWorkers: 2 });
        const fs = [ex.submit(tasks.sleep, 20, 'a'), ex.submit(tasks.sleep, 10, 'b'), ex.submit(tasks.add, 1, 1)];
        await ex.shutdown();
        expect(fs.every((f) => f.done())).toBe(true);
        expect(await Promise.all(fs)).toEqual(['a', 'b', 2]);
        expect(() => ex.submit(tasks.add, 1, 1)).toThrow(ShutdownError);
        expect(() => ex.map(tasks.echo, [1])).toThrow(ShutdownError);
        await ex.shutdown();
        await ex.shutdown({ wait: false });
      });

      it('cancelFutures cancels what has not started; a running call still finishes', async () => {
        const ex = make({ maxWorkers: 1 });
        const running = ex.submit(tasks.sleep, 30, 'ran');
        const queued = Array.from({ length: 5 }, () => ex.submit(tasks.add, 1, 1));
        await until(() => running.running(), 'the first call runs');
        await ex.shutdown({ cancelFutures: true });
        expect(await running).toBe('ran');
        for (const f of queued) expect(f.cancelled()).toBe(true);
      });

      it('wait: false returns at once and the work still completes', async () => {
        const ex = make({ maxWorkers: 1 });
        const f = ex.submit(tasks.sleep, 20, 'later');
        await ex.shutdown({ wait: false });
        expect(await f).toBe('later');
      });

      it('is what Symbol.asyncDispose does', async () => {
        const ex = make({ maxWorkers: 1 });
        const f = ex.submit(tasks.add, 1, 2);
        await ex[Symbol.asyncDispose]();
        expect(await f).toBe(3);
        expect(() => ex.submit(tasks.add, 1, 1)).toThrow(ShutdownError);
      });

      it('rejects unknown shutdown options', () => {
        const ex = make({ maxWorkers: 1 });
        expect(() => ex.shutdown({ cancel: true } as never)).toThrow(/cancel/);
      });
    });

    describe('wait and asCompleted on executor futures', () => {
      it('wait(ALL_COMPLETED) and asCompleted see every call', async () => {
        const ex = make({ maxWorkers: 2 });
        const fs: Future<unknown>[] = [ex.submit(tasks.sleep, 10, 1), ex.submit(tasks.add, 1, 1), ex.submit(tasks.fail, 'x', 'E')];
        const { done, notDone } = await wait(fs);
        expect(done.size).toBe(3);
        expect(notDone.size).toBe(0);
        const seen = new Set<Future<unknown>>();
        for await (const f of asCompleted(fs)) seen.add(f as unknown as Future<unknown>);
        expect(seen.size).toBe(3);
      });
    });

    describe('callbacks that call back into the executor (reentrancy)', () => {
      it('a throwing done callback is reported as a warning; the callbacks after it still run, and so does the executor', async () => {
        const ex = make({ maxWorkers: 1 });
        // Node would print the warnings; this test reads them instead.
        const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
        try {
          const f = ex.submit(tasks.add, 1, 1);
          const ran: string[] = [];
          f.addDoneCallback(() => {
            throw new Error('callback bug');
          });
          f.addDoneCallback(() => {
            // A thrown non-Error, even one that cannot be printed, is reported the same way.
            throw Object.create(null);
          });
          f.addDoneCallback(() => ran.push('after'));
          expect(await f).toBe(2);
          // Added once done: runs at once, and throwing there does not throw out of addDoneCallback.
          f.addDoneCallback(() => {
            throw new Error('late callback bug');
          });
          expect(ran).toEqual(['after']);
          expect(await ex.submit(tasks.add, 2, 2)).toBe(4);
          expect(warn).toHaveBeenCalledTimes(3);
          expect(String(warn.mock.calls[0][0])).toContain('callback bug');
          expect(String(warn.mock.calls[2][0])).toContain('late callback bug');
          for (const [, options] of warn.mock.calls) expect(options).toMatchObject({ code: 'FUTURES_DONE_CALLBACK_ERROR' });
        } finally {
          warn.mockRestore();
        }
      });

      it('submit, map, cancel and shutdown from inside a done callback: what it submitted runs, what it cancelled never does, and shutdown waits for the rest', async () => {
        const ex = make({ maxWorkers: 1 });
        const first = ex.submit(tasks.sleep, 20, 'first');
        const queued = [ex.submit(tasks.add, 1, 1), ex.submit(tasks.add, 2, 2)];
        let inner: Future<unknown> | undefined;
        let mapped: Promise<unknown[]> | undefined;
        let shut: Promise<void> | undefined;
        first.addDoneCallback(() => {
          expect(queued[1].cancel()).toBe(true);
          inner = ex.submit(tasks.add, 3, 3);
          mapped = ex.map(tasks.add, [1, 2], [10, 10]).toArray();
          shut = ex.shutdown();
        });
        expect(await first).toBe('first');
        await shut;
        expect(await queued[0]).toBe(2);
        expect(queued[1].state).toBe('CANCELLED');
        expect(inner!.state).toBe('FINISHED');
        expect(await inner).toBe(6);
        expect(await mapped).toEqual([11, 12]);
        expect(() => ex.submit(tasks.add, 1, 1)).toThrow(ShutdownError);
      });

      it('cancel and shutdown({ cancelFutures }) from inside an asCompleted loop: the loop still sees every future once', async () => {
        const ex = make({ maxWorkers: 1 });
        const fs: Future<unknown>[] = [ex.submit(tasks.sleep, 20, 0), ...Array.from({ length: 5 }, (_, i) => ex.submit(tasks.add, i, 1))];
        const seen: Future<unknown>[] = [];
        // An in-thread executor may have run them all by the time the loop body runs: then none is cancelled.
        let cancelled: boolean[] = [];
        let shut: Promise<void> | undefined;
        for await (const f of asCompleted(fs, { timeout: 10_000 })) {
          seen.push(f as unknown as Future<unknown>);
          if (seen.length === 1) {
            cancelled = fs.map((g) => g.cancel());
            shut = ex.shutdown({ cancelFutures: true });
          }
        }
        await shut;
        expect(new Set(seen).size).toBe(6);
        expect(seen).toHaveLength(6);
        expect(fs.map((f) => f.state)).toEqual(cancelled.map((c) => (c ? 'CANCELLED' : 'FINISHED')));
        if (suite.pool) expect(cancelled.filter(Boolean).length).toBeGreaterThan(0);
      });

      it('shutdown() awaited inside a map loop still yields every item of the map', async () => {
        const ex = make({ maxWorkers: 2 });
        const xs = Array.from({ length: 50 }, (_, i) => i);
        const out: unknown[] = [];
        for await (const r of ex.map(tasks.echo, xs)) {
          out.push(r);
          if (out.length === 1) await ex.shutdown();
        }
        expect(out).toEqual(xs);
      });

      it('shutdown() twice at once, and shutdown({ wait: false }) then shutdown(): each resolves once the work is done', async () => {
        const ex = make({ maxWorkers: 1 });
        const f = ex.submit(tasks.sleep, 20, 'v');
        const order: string[] = [];
        const all = [ex.shutdown(), ex.shutdown(), ex.shutdown({ wait: false }).then(() => ex.shutdown())].map((p, i) =>
          p.then(() => {
            order.push(`${i}:${f.state}`);
          }),
        );
        await Promise.all(all);
        expect(order.sort()).toEqual(['0:FINISHED', '1:FINISHED', '2:FINISHED']);
        expect(await f).toBe('v');
      });
    });


    describe('tasksFrom', () => {
      const plain = tasksFrom<{ shout(text: string): string; notAFunction(): void; missing(): void }>(new URL('../fixtures/plain.mjs', import.meta.url));

      it("runs a plain module's exports as tasks, in submit and in map", async () => {
        const ex = make({ maxWorkers: 1 });
        expect(await ex.submit(plain.shout, 'hi')).toBe('HI!');
        expect(await ex.map(plain.shout, ['a', 'b']).toArray()).toEqual(['A!', 'B!']);
      });

      it('a missing or non-function export fails that call, naming it; the executor goes on', async () => {
        const ex = make({ maxWorkers: 1 });
        const missing = (await ex.submit(plain.missing).exception()) as Error;
        expect(missing).toBeInstanceOf(TypeError);
        expect(missing.message).toMatch(/'missing'.*plain\.mjs/);
        expect(missing.message).not.toMatch(/define it there/);
        expect(((await ex.submit(plain.notAFunction).exception()) as Error).message).toMatch(/notAFunction/);
        expect(await ex.submit(plain.shout, 'ok')).toBe('OK!');
      });

      it('runs the exports of a CommonJS module that sets module.exports to an object (import() sees them only as default)', async () => {
        const cjs = tasksFrom<{ triple(x: number): number; missing(): void }>(new URL('../fixtures/commonjs.cjs', import.meta.url));
        const ex = make({ maxWorkers: 1 });
        expect(await ex.submit(cjs.triple, 2)).toBe(6);
        expect(await ex.map(cjs.triple, [1, 2]).toArray()).toEqual([3, 6]);
        expect(((await ex.submit(cjs.missing).exception()) as Error).message).toMatch(/'missing'.*commonjs\.cjs/);
      });
    });

    describe('stats()', () => {
      it('counts calls by outcome and times their wait and run', async () => {
        const ex = make({ maxWorkers: 1 });
        const fresh = ex.stats();
        expect(fresh).toMatchObject({ queued: 0, running: 0, completed: 0, failed: 0, cancelled: 0 });
        expect(fresh.waitTime).toEqual({ count: 0, mean: 0, min: 0, max: 0, p50: 0, p90: 0, p99: 0 });
        const first = ex.submit(tasks.sleep, 20, 1);
        const cancelled = ex.submit(tasks.add, 1, 2);
        expect(cancelled.cancel()).toBe(true);
        await first;
        await Promise.all([ex.submit(tasks.add, 1, 1), ex.submit(tasks.add, 2, 2), ex.submit(tasks.fail, 'x', 'E').exception()]);
        const s = ex.stats();
        expect(s).toMatchObject({ queued: 0, running: 0, completed: 3, failed: 1, cancelled: 1, busyWorkers: 0 });
        for (const t of [s.waitTime, s.runTime]) {
          expect(t.count).toBe(4);
          expect(t.min).toBeGreaterThan(0);
          expect(t.min).toBeLessThanOrEqual(t.p50);
          expect(t.p50).toBeLessThanOrEqual(t.p90);
          expect(t.p90).toBeLessThanOrEqual(t.p99);
          expect(t.p99).toBeLessThanOrEqual(t.max);
          expect(t.mean).toBeGreaterThanOrEqual(t.min);
          expect(t.mean).toBeLessThanOrEqual(t.max);
        }
        // The 20 ms sleep ran for at least about that long.
        expect(s.runTime.max).toBeGreaterThanOrEqual(15);
        expect(s.utilization).toBeGreaterThan(0);
        expect(s.utilization).toBeLessThanOrEqual(1);
        expect(s.workers).toBe(1);
      });

      it('counts a call submitted with a signal already aborted as cancelled, so that the outcomes add up to the calls submitted', async () => {
        const ex = make({ maxWorkers: 1 });
        const ac = new AbortController();
        ac.abort();
        const view = ex.with({ signal: ac.signal });
        const fs = [view.submit(tasks.add, 1, 2), view.submit(tasks.add, 3, 4)];
        expect(fs.map((f) => f.state)).toEqual(['CANCELLED', 'CANCELLED']);
        await expect(view.map(tasks.add, [1], [2], { buffersize: 1 }).toArray()).rejects.toSatisfy((e: unknown) => CancelledError.isInstance(e));
        expect(await ex.submit(tasks.add, 1, 1)).toBe(2);
        const s = ex.stats();
        expect(s).toMatchObject({ queued: 0, running: 0, completed: 1, failed: 0, cancelled: 3 });
        // Never started: no wait time of their own.
        expect(s.waitTime.count).toBe(1);
      });

      it('shows the call running and the calls queued behind it', async () => {
        const ex = make({ maxWorkers: 1 });
        const running = ex.submit(tasks.sleep, 200, 'ran');
        const queued = [ex.submit(tasks.add, 1, 1), ex.submit(tasks.add, 2, 2), ex.submit(tasks.add, 3, 3)];
        expect(ex.stats().queued).toBe(4);
        await until(() => running.running(), 'the first call runs');
        expect(ex.stats()).toMatchObject({ workers: 1, busyWorkers: 1, queued: 3, running: 1 });
        for (const f of queued) expect(f.cancel()).toBe(true);
        expect(ex.stats()).toMatchObject({ queued: 0, running: 1, cancelled: 3 });
        expect(await running).toBe('ran');
        expect(ex.stats()).toMatchObject({ queued: 0, running: 0, completed: 1, busyWorkers: 0 });
      });
    });

    describe('maxQueue', () => {
      it('submit past maxQueue PENDING calls throws QueueFullError; there is room again once calls start', async () => {
        const ex = make({ maxWorkers: 1, maxQueue: 2 });
        const fs = [ex.submit(tasks.sleep, 20, 'a'), ex.submit(tasks.add, 1, 2)];
        let error: unknown;
        try {
          ex.submit(tasks.add, 3, 4);
        } catch (e) {
          error = e;
        }
        expect(QueueFullError.isInstance(error)).toBe(true);
        expect(error).toBeInstanceOf(QueueFullError);
        expect((error as QueueFullError).code).toBe('ERR_QUEUE_FULL');
        expect((error as Error).message).toMatch(/maxQueue/);
        expect(await Promise.all(fs)).toEqual(['a', 3]);
        expect(await ex.submit(tasks.add, 3, 4)).toBe(7);
        // A view's submit is bounded too.
        const view = ex.with({});
        const held = [view.submit(tasks.sleep, 20, 'b'), view.submit(tasks.add, 1, 1)];
        expect(() => view.submit(tasks.add, 1, 1)).toThrow(QueueFullError);
        await Promise.all(held);
      });

      it('map waits for room instead of failing (sync and async inputs, with and without chunksize)', async () => {
        const ex = make({ maxWorkers: 2, maxQueue: 2 });
        const xs = Array.from({ length: 100 }, (_, i) => i);
        const doubled = xs.map((x) => 2 * x);
        expect(await ex.map(tasks.add, xs, xs).toArray()).toEqual(doubled);
        expect(await ex.map(tasks.add, xs, xs, { chunksize: 7 }).toArray()).toEqual(doubled);
        expect(await ex.map(tasks.add, xs, xs, { buffersize: 5 }).toArray()).toEqual(doubled);
        async function* gen(): AsyncGenerator<number> {
          for (const x of xs) yield x;
        }
        expect(await ex.map(tasks.add, gen(), xs).toArray()).toEqual(doubled);
        // Meanwhile a map keeps the queue at most full.
        const it = ex.map(tasks.sleep, xs.slice(0, 10).map(() => 5));
        expect(ex.stats().queued).toBeLessThanOrEqual(2);
        expect(await it.toArray()).toHaveLength(10);
      });

      it('a map waiting for room still runs every item of its input when the executor shuts down', async () => {
        const ex = make({ maxWorkers: 1, maxQueue: 1 });
        const xs = [1, 2, 3, 4, 5, 6];
        const zeros = xs.map(() => 0);
        const sized = ex.map(tasks.add, xs, zeros);
        const chunked = ex.map(tasks.add, xs, zeros, { chunksize: 2 });
        await ex.shutdown();
        expect(await sized.toArray()).toEqual(xs);
        expect(await chunked.toArray()).toEqual(xs);
      });

      it('a map of an async input waiting for room runs every item it read before the executor shut down', async () => {
        const ex = make({ maxWorkers: 1, maxQueue: 1 });
        const xs = [1, 2, 3, 4, 5, 6];
        let read = 0;
        async function* slowCalls(): AsyncGenerator<number> {
          for (const _ of xs) {
            read++;
            yield 30;
          }
        }
        // Each call takes 30 ms: the queue stays full while the input is read (as fast as it yields, per API.md).
        const it = ex.map(tasks.sleep, slowCalls(), xs);
        await until(() => read === xs.length, 'the input is read');
        await ex.shutdown();
        expect(await it.toArray()).toEqual(xs);
      });

      it('an endless async input under maxQueue is read only as far as the map can send it, never into memory, and leaves the event loop free', async () => {
        // maxQueue 3 with one worker: room is left while the adaptive chunks in flight are at their limit.
        const ex = make({ maxWorkers: 1, maxQueue: 3 });
        for (const chunksize of [undefined, 1, 3]) {
          let read = 0;
          // Yields without the event loop: read as fast as it yields, it would never let a timer or a result in.
          async function* endless(): AsyncGenerator<number> {
            for (let i = 0; ; i++) {
              read++;
              yield i;
            }
          }
          const zeros = (function* () {
            for (;;) yield 0;
          })();
          const got: number[] = [];
          for await (const v of ex.map(tasks.add, endless(), zeros, chunksize === undefined ? {} : { chunksize })) {
            got.push(v as number);
            if (got.length === 5) break;
          }
          expect(got).toEqual([0, 1, 2, 3, 4]);
          // As many as the calls that had room while the consumer took its 5 (fast calls free room fast):
          // bounded, where a read as fast as it yields ran into the millions before a result came back.
          expect(read).toBeLessThan(10_000);
        }
      });

      it('after shutdown, submit and map throw ShutdownError, not QueueFullError, while the queue is still full', async () => {
        const ex = make({ maxWorkers: 1, maxQueue: 1 });
        const first = ex.submit(tasks.sleep, 100, 'a');
        await until(() => first.state !== 'PENDING', 'the first call is dispatched');
        const queued = ex.submit(tasks.add, 1, 2);
        expect(() => ex.submit(tasks.add, 3, 4)).toThrow(QueueFullError);
        const done = ex.shutdown({ wait: false });
        expect(() => ex.submit(tasks.add, 3, 4)).toThrow(ShutdownError);
        expect(() => ex.with({}).submit(tasks.add, 3, 4)).toThrow(ShutdownError);
        expect(() => ex.map(tasks.add, [1], [2])).toThrow(ShutdownError);
        expect(() => ex.with({}).map(tasks.add, [1], [2])).toThrow(ShutdownError);
        expect(await Promise.all([first, queued])).toEqual(['a', 3]);
        await done;
      });

      it('rejects a bad maxQueue, naming it', () => {
        expect(() => suite.create({ maxQueue: 0 })).toThrow(RangeError);
        expect(() => suite.create({ maxQueue: 0 })).toThrow(/maxQueue/);
        expect(() => suite.create({ maxQueue: 'ten' })).toThrow(TypeError);
      });
    });

    describe('progress reports', () => {
      it('onProgress receives each reportProgress of the call, in order, before the result', async () => {
        const reports: unknown[] = [];
        const f = ex0().with({ onProgress: (value) => reports.push(value) }).submit(tasks.progressSteps, 4);
        expect(await f).toBe(4);
        expect(reports).toEqual([1, 2, 3, 4].map((step) => ({ step, of: 4 })));
      });

      it('goes to the onProgress of each call, in map too', async () => {
        const ex = ex0();
        const a: unknown[] = [];
        const b: unknown[] = [];
        const [ra, rb] = await Promise.all([
          ex.with({ onProgress: (v) => a.push(v) }).submit(tasks.progressSteps, 2),
          ex.with({ onProgress: (v) => b.push(v) }).submit(tasks.progressSteps, 3),
        ]);
        expect([ra, rb, a.length, b.length]).toEqual([2, 3, 2, 3]);
        const m: unknown[] = [];
        expect(await ex.with({ onProgress: (v) => m.push(v) }).map(tasks.progressSteps, [1, 2, 3]).toArray()).toEqual([1, 2, 3]);
        expect(m).toHaveLength(6);
      });

      it('is a no-op where nobody listens; a report after the call finished is dropped', async () => {
        const ex = ex0();
        expect(await ex.submit(tasks.progressSteps, 3)).toBe(3);
        const reports: unknown[] = [];
        expect(await ex.with({ onProgress: (v) => reports.push(v) }).submit(tasks.progressLate, 'v')).toBe('v');
        // The late report's timer (1 ms) fires while this call waits on the same worker.
        expect(await ex.submit(tasks.sleep, 30, 'after')).toBe('after');
        expect(reports).toEqual([]);
      });

      it('a throwing onProgress is reported as a warning; the call and the executor go on', async () => {
        const ex = ex0();
        // Node would print the warnings; this test reads them instead.
        const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
        try {
          const f = ex.with({
            onProgress: () => {
              throw new Error('listener bug');
            },
          }).submit(tasks.progressSteps, 2);
          expect(await f).toBe(2);
          expect(await ex.submit(tasks.add, 1, 1)).toBe(2);
          expect(warn).toHaveBeenCalledTimes(2);
          for (const [message, options] of warn.mock.calls) {
            expect(String(message)).toContain('listener bug');
            expect(options).toMatchObject({ code: 'FUTURES_PROGRESS_CALLBACK_ERROR' });
          }
        } finally {
          warn.mockRestore();
        }
      });

      it('rejects a non-function onProgress, naming it', () => {
        const ex = ex0();
        expect(() => ex.with({ onProgress: 42 as never })).toThrow(TypeError);
        expect(() => ex.with({ onProgress: 42 as never })).toThrow(/onProgress/);
      });

      function ex0(): SuiteExecutor {
        return make({ maxWorkers: 1 });
      }
    });

    if (suite.pool) {
      describe('minWorkers', () => {
        it('starts minWorkers at construction and keeps them through idleTimeout', async () => {
          const ex = make({ maxWorkers: 3, minWorkers: 2, idleTimeout: 10 });
          await until(() => ex.stats().workers === 2, 'minWorkers workers start without any call');
          await Promise.all([ex.submit(tasks.sleep, 30, 1), ex.submit(tasks.sleep, 30, 2), ex.submit(tasks.sleep, 30, 3)]);
          await until(() => ex.stats().workers === 2, 'workers beyond minWorkers retire when idle');
          // Five idle timeouts later, the minWorkers are still there.
          await new Promise((resolve) => setTimeout(resolve, 50));
          expect(ex.stats().workers).toBe(2);
          expect(await ex.submit(tasks.add, 1, 1)).toBe(2);
        });

        it('rejects minWorkers above maxWorkers or negative, naming it', () => {
          expect(() => suite.create({ maxWorkers: 2, minWorkers: 3 })).toThrow(RangeError);
          expect(() => suite.create({ maxWorkers: 2, minWorkers: 3 })).toThrow(/minWorkers/);
          expect(() => suite.create({ minWorkers: -1 })).toThrow(/minWorkers/);
          expect(() => suite.create({ minWorkers: 'one' })).toThrow(TypeError);
        });

        if (suite.realWorkers) {
          it('replaces a minWorkers worker that dies', async () => {
            const ex = make({ maxWorkers: 1, minWorkers: 1 });
            const before = await ex.submit(tasks.whoAfter, 0);
            const error = await ex.submit(tasks.exit, 1).exception();
            expect(BrokenExecutorError.isInstance(error)).toBe(true);
            await until(() => ex.stats().workers === 1, 'a replacement starts with no call waiting');
            expect(await ex.submit(tasks.whoAfter, 0)).not.toBe(before);
          });
        }

        if (suite.module !== undefined) {
          const [pkg, className] = suite.module;
          it('an idle pool with minWorkers, never shut down, does not keep the process alive', async () => {
            const script = fileURLToPath(new URL('../fixtures/min-workers-idle.mjs', import.meta.url));
            expect(await runScript(script, pkg, className)).toEqual({ code: 0, signal: null, out: 'done 2' });
          });

          it('await shutdown() right after a call ended by its timeout resolves, and the script goes on (the ended worker holds the process until it exits)', async () => {
            const script = fileURLToPath(new URL('../fixtures/shutdown-after-timeout.mjs', import.meta.url));
            expect(await runScript(script, pkg, className)).toEqual({ code: 0, signal: null, out: 'TimeoutError then shut down' });
          });

          it('works in a script run by `node --input-type=module -e`: workers do not inherit the flag that describes only that script', async () => {
            const code = `const { ${className} } = await import(${JSON.stringify(pkg)});
              const pool = new ${className}({ maxWorkers: 1 });
              try { console.log(await pool.submit((x) => x + 1, 41)); } finally { await pool.shutdown(); }`;
            expect(await runScript('--input-type=module', '-e', code)).toEqual({ code: 0, signal: null, out: '42' });
          });
        }
      });
    }

    describe('options', () => {
      it('rejects unknown and mistyped options, naming them', () => {
        expect(() => suite.create({ maxWorker: 2 })).toThrow(/maxWorker/);
        expect(() => suite.create({ maxWorkers: -1 })).toThrow(RangeError);
        expect(() => suite.create({ maxWorkers: 'two' })).toThrow(TypeError);
      });
    });

    if (suite.pool) {
      describe('pool lifecycle', () => {
        it('runs the initializer with initargs in each worker before its calls', async () => {
          const ex = make({ maxWorkers: 2, initializer: tasks.setGlobal, initargs: ['ready'] });
          expect(await ex.submit(tasks.getGlobal)).toBe('ready');
        });

        it('an initializer that throws breaks the executor: pending calls fail and submit throws', async () => {
          const ex = make({ maxWorkers: 2, initializer: tasks.initFail, initargs: ['no config'] });
          const fs = [ex.submit(tasks.add, 1, 1), ex.submit(tasks.add, 2, 2), ex.submit(tasks.add, 3, 3)];
          for (const f of fs) {
            const error = (await f.exception()) as Error;
            expect(BrokenExecutorError.isInstance(error)).toBe(true);
            if (suite.brokenError) expect(error).toBeInstanceOf(suite.brokenError);
            expect(String((error.cause as Error)?.message)).toContain('no config');
          }
          expect(() => ex.submit(tasks.add, 1, 1)).toThrow(/no config|initializer/);
        });

        it('recycles workers with maxTasksPerWorker and still completes every call', async () => {
          const ex = make({ maxWorkers: 2, maxTasksPerWorker: 2 });
          const who = await Promise.all(Array.from({ length: 9 }, () => ex.submit(tasks.whoAfter, 0)));
          expect(who).toHaveLength(9);
          // 9 calls, at most 2 per worker: at least 5 workers ran them.
          const started = suite.workersStarted?.(ex) ?? new Set(who).size;
          expect(started).toBeGreaterThanOrEqual(5);
          for (const id of new Set(who)) expect(who.filter((w) => w === id).length).toBeLessThanOrEqual(suite.workersStarted ? 9 : 2);
        });

        it('dispatch is fair after short calls: a burst of long calls spreads over every worker; the calls beyond them stay PENDING', async () => {
          const ex = make({ maxWorkers: 4 });
          await Promise.all(Array.from({ length: 400 }, (_, i) => ex.submit(tasks.add, i, 0)));
          await expectSpreadOverFour(ex);
        });

        it('a fresh pool that ran short calls one at a time starts workers for a burst of long calls; the rest stay PENDING and cancellable', async () => {
          const ex = make({ maxWorkers: 4 });
          for (let i = 0; i < 50; i++) await ex.submit(tasks.add, i, 0);
          await expectSpreadOverFour(ex);
        });

        /**
         * Submits 16 calls that each wait (up to 5 s) until calls run on 4 different workers: spread one
         * per worker, they meet at once; all on one worker, each waits out the cap, and the test times out.
         */
        async function expectSpreadOverFour(ex: Executor): Promise<void> {
          const dir = mkdtempSync(join(tmpdir(), 'futures-spread-'));
          try {
            // In-thread fake workers cannot tell each other apart: they meet alone, and the pool counts them.
            const fs = Array.from({ length: 16 }, () => ex.submit(tasks.meetAt, dir, suite.workersStarted ? 1 : 4, 5_000));
            await new Promise((resolve) => setImmediate(resolve));
            expect(fs.filter((f) => f.running()).length).toBeLessThanOrEqual(4);
            expect(fs[15].cancel()).toBe(true);
            const who = await Promise.all(fs.slice(0, 15));
            if (suite.workersStarted) expect(suite.workersStarted(ex)).toBe(4);
            else expect(new Set(who).size).toBe(4);
          } finally {
            rmSync(dir, { recursive: true, force: true });
          }
        }

        if (suite.realWorkers) {
          it('once a function ran long, its calls are not queued behind a long one: two long calls a few apart run at once on two workers', async () => {
            const ex = make({ maxWorkers: 2 });
            const warm = mkdtempSync(join(tmpdir(), 'futures-warm-'));
            const dir = mkdtempSync(join(tmpdir(), 'futures-pair-'));
            try {
              // One call that runs long (it waits out its cap alone): this function's calls vary, like a parse of files of every size.
              await ex.submit(tasks.meetAt, warm, 99, 300);
              // Short calls of it, then two that wait for each other (up to 5 s) with four short ones between them: on
              // two workers they meet at once; queued on one, each waits out the cap alone and the test times out.
              const short = () => ex.submit(tasks.meetAt, warm, 0, 0);
              const rest = Array.from({ length: 100 }, short);
              const first = ex.submit(tasks.meetAt, dir, 2, 5_000);
              rest.push(...Array.from({ length: 4 }, short));
              const second = ex.submit(tasks.meetAt, dir, 2, 5_000);
              rest.push(...Array.from({ length: 20 }, short));
              const [a, b] = await Promise.all([first, second]);
              expect(a).not.toBe(b);
              await Promise.all(rest);
            } finally {
              rmSync(warm, { recursive: true, force: true });
              rmSync(dir, { recursive: true, force: true });
            }
          });

          it('blames the call that was running, not short ones before it whose results were still batched; none runs twice', async () => {
            const ex = make({ maxWorkers: 1 });
            // Short calls first, so the pool dispatches ahead and the worker batches its results.
            await Promise.all(Array.from({ length: 50 }, (_, i) => ex.submit(tasks.add, i, 1)));
            const dir = mkdtempSync(join(tmpdir(), 'futures-suite-'));
            const log = join(dir, 'runs');
            const appendThenExit = (path: string) => {
              (process as unknown as { getBuiltinModule(id: string): typeof import('node:fs') }).getBuiltinModule('node:fs').appendFileSync(path, 'x');
              process.exit(3);
            };
            try {
              const quick = ex.submit(tasks.add, 1, 2);
              const crash = ex.submit(appendThenExit, log);
              const after = ex.submit(tasks.add, 5, 5);
              const crashError = (await crash.exception()) as Error;
              expect(BrokenExecutorError.isInstance(crashError)).toBe(true);
              expect(crashError.message).toMatch(/code 3 while running appendThenExit/);
              expect(await after).toBe(10);
              // The quick call finished before the crash: results go out before a call that may be long
              // (a function not seen yet), so it is neither blamed nor lost nor run again.
              expect(await quick).toBe(3);
              expect(readFileSync(log, 'utf8')).toBe('x');
            } finally {
              rmSync(dir, { recursive: true, force: true });
            }
          });

          if (suite.childProcesses && existsSync('/proc/self/stat')) {
            it('random SIGKILL soak: every future settles, no call runs twice, the pool is usable at the end, no child is left', async () => {
              const ex = make({ maxWorkers: 3 });
              const dir = mkdtempSync(join(tmpdir(), 'futures-soak-'));
              try {
                // Workers that ran a call are ready; the killer mostly picks those, and now and then
                // one that has not run anything yet (a replacement still starting).
                const ready = new Set<number>();
                const calls = Array.from({ length: 240 }, (_, id) => ex.submit(tasks.runOnce, dir, id, (id % 7) * 4));
                for (const f of calls) f.then((pid) => ready.add(pid), () => {});
                let kills = 0;
                const allDone = Promise.allSettled(calls);
                let finished = false;
                void allDone.then(() => (finished = true));
                for (let round = 0; !finished && kills < 12; round++) {
                  await Promise.race([allDone, new Promise((resolve) => setTimeout(resolve, 60 + ((round * 37) % 90)))]);
                  if (finished) break;
                  const children = childPids();
                  const starting = children.filter((pid) => !ready.has(pid));
                  const victims = round % 4 === 3 && starting.length > 0 ? starting : children.filter((pid) => ready.has(pid));
                  if (victims.length === 0) continue;
                  const victim = victims[(round * 7919) % victims.length];
                  try {
                    process.kill(victim, 'SIGKILL');
                    kills++;
                  } catch {
                    // It exited on its own meanwhile.
                  }
                }
                const outcomes = await allDone;
                expect(kills).toBeGreaterThanOrEqual(5);
                for (const [id, outcome] of outcomes.entries()) {
                  if (outcome.status === 'fulfilled') {
                    expect(existsSync(join(dir, String(id)))).toBe(true);
                  } else {
                    // Only a call that was running when its worker was killed fails, with the pool's error.
                    expect(BrokenExecutorError.isInstance(outcome.reason)).toBe(true);
                    expect(String((outcome.reason as Error).message)).toMatch(/killed by SIGKILL|result was lost/);
                  }
                }
                expect(readdirSync(dir).filter((name) => name.startsWith('twice-'))).toEqual([]);
                expect(outcomes.filter((o) => o.status === 'rejected').length).toBeLessThanOrEqual(kills);
                expect(await ex.submit(tasks.add, 20, 22)).toBe(42);
                await ex.shutdown();
                expect(childPids()).toEqual([]);
              } finally {
                rmSync(dir, { recursive: true, force: true });
              }
            });
          }

          if (suite.childProcesses && existsSync('/proc/self/stat')) {
            it('every starting worker SIGKILLed at once (a process group killed): the starts are retried and the calls run', async () => {
              const ex = make({ maxWorkers: 3 });
              const calls = Array.from({ length: 6 }, (_, i) => ex.submit(tasks.add, i, 1));
              await until(() => childPids().length === 3, 'three workers starting');
              // Killed at once before any is ready: one failed round of starts, not three failed starts.
              for (const pid of childPids()) process.kill(pid, 'SIGKILL');
              expect(await Promise.all(calls)).toEqual([1, 2, 3, 4, 5, 6]);
              expect(await ex.submit(tasks.add, 20, 22)).toBe(42);
            });
          }

          it('a call queued behind several crashing calls still runs', async () => {
            const ex = make({ maxWorkers: 1 });
            await Promise.all(Array.from({ length: 50 }, (_, i) => ex.submit(tasks.add, i, 1)));
            const crashes = [ex.submit(tasks.exit, 1), ex.submit(tasks.exit, 2), ex.submit(tasks.exit, 3)];
            const innocent = ex.submit(tasks.add, 20, 22);
            for (const f of crashes) expect(BrokenExecutorError.isInstance(await f.exception())).toBe(true);
            expect(await innocent).toBe(42);
          });

          it('a worker that exits mid-call fails only that call; calls behind it still run', async () => {
            const ex = make({ maxWorkers: 1 });
            const dying = ex.submit(tasks.exit, 3);
            const after = [ex.submit(tasks.add, 1, 2), ex.submit(tasks.add, 2, 3)];
            const error = (await dying.exception()) as Error;
            expect(BrokenExecutorError.isInstance(error)).toBe(true);
            if (suite.brokenError) expect(error).toBeInstanceOf(suite.brokenError);
            expect(error.message).toMatch(/code 3/);
            expect(await Promise.all(after)).toEqual([3, 5]);
            expect(await ex.submit(tasks.add, 1, 1)).toBe(2);
          });
        }
      });
    }
  });
}
