// Thread-specific behaviour of ThreadPoolExecutor; the shared executor suite covers submit/map/cancel/shutdown.
// The tests import the built package, as users do: its worker entry is dist/worker.js.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Session } from 'node:inspector';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, type Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { runScript, runTypeScriptTasks, shutDownAfterEach } from '@futures/executor-tests';
import { BrokenExecutorError, defineTasks, TimeoutError } from '@futures/core';
import { BrokenThreadPoolError, ThreadPoolExecutor, type ThreadPoolOptions } from '@futures/thread-pool';
import { tasks } from '../test-fixtures/tasks.mjs';

const fixture = (name: string) => new URL(`../test-fixtures/${name}`, import.meta.url);
const fixturePath = (name: string) => fileURLToPath(fixture(name));

const pool = shutDownAfterEach((options: ThreadPoolOptions = {}) => new ThreadPoolExecutor({ maxWorkers: 2, ...options }));

/** Resolves when slot 0 of `shared` is no longer 0 (a worker set it). */
async function waitForSlot(shared: SharedArrayBuffer): Promise<void> {
  const view = new Int32Array(shared);
  // Atomics.waitAsync is in Node 20, but in TypeScript's ES2024 lib, newer than this project's.
  const { waitAsync } = Atomics as unknown as { waitAsync(view: Int32Array, index: number, value: number): { async: boolean; value: unknown } };
  const result = waitAsync(view, 0, 0);
  if (result.async) await result.value;
}


describe('ThreadPoolExecutor: values', () => {
  it('moves a transferred ArrayBuffer: the sender is left with a detached buffer', async () => {
    const p = pool();
    const buffer = new Uint8Array([1, 2, 3, 4]).buffer;
    expect(await p.with({ transfer: [buffer] }).submit(tasks.byteSum, buffer)).toBe(10);
    expect(buffer.byteLength).toBe(0);
  });

  it('copies an ArrayBuffer that is not in the transfer list', async () => {
    const p = pool();
    const buffer = new Uint8Array([1, 2, 3]).buffer;
    expect(await p.submit(tasks.byteSum, buffer)).toBe(6);
    expect(buffer.byteLength).toBe(3);
  });

  it('shares a SharedArrayBuffer: what the worker writes, the parent sees', async () => {
    const p = pool();
    const shared = new SharedArrayBuffer(8);
    await p.submit(tasks.writeShared, shared, 1, 42);
    expect(new Int32Array(shared)[1]).toBe(42);
  });

  it('round-trips typed arrays, Map, Set, Date, BigInt, Error and cycles', async () => {
    const p = pool();
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const value = {
      bytes: new Uint8Array([1, 2, 255]),
      floats: new Float64Array([0.5, -1]),
      map: new Map<unknown, unknown>([['a', 1], [2, new Set(['x'])]]),
      set: new Set([1, 'two']),
      date: new Date(86_400_000),
      big: 2n ** 70n,
      error: new RangeError('out of range'),
      cyclic,
    };
    const back = await p.submit(tasks.echo, value);
    expect(back.bytes).toEqual(value.bytes);
    expect(back.floats).toBeInstanceOf(Float64Array);
    expect(back.floats).toEqual(value.floats);
    expect(back.map).toEqual(value.map);
    expect(back.set).toEqual(value.set);
    expect(back.date).toEqual(value.date);
    expect(back.big).toBe(2n ** 70n);
    expect(back.error).toBeInstanceOf(RangeError);
    expect(back.error.message).toBe('out of range');
    expect(back.cyclic.self).toBe(back.cyclic);
  });

  it('fails a call whose argument cannot be cloned with a TypeError naming it, and stays healthy', async () => {
    const p = pool();
    const error = await p.submit(tasks.echo, () => 1).exception();
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/argument 1/);
    expect(await p.submit(tasks.add, 2, 3)).toBe(5);
  });

  it('moves a MessagePort in the transfer list to the worker (an emitter that does cross); without the list the error says to list it', async () => {
    const p = pool();
    const { port1, port2 } = new MessageChannel();
    try {
      const heard = once(port2, 'message');
      const talk = (port: MessagePort) => {
        port.postMessage('hello from the worker');
        port.close();
        return 'sent';
      };
      expect(await p.with({ transfer: [port1] }).submit(talk, port1)).toBe('sent');
      expect(await heard).toEqual(['hello from the worker']);
      const unlisted = new MessageChannel();
      const error = (await p.submit(talk, unlisted.port1).exception()) as Error;
      unlisted.port1.close();
      expect(error).toBeInstanceOf(TypeError);
      expect(error.message).toMatch(/argument 1 of talk .*transferList/);
    } finally {
      port2.close();
    }
  });

  // Big buffers cross as a moved private copy (private-copies.ts): the values must arrive as structured clone delivers them.
  it('round-trips a big typed array: same type, offset, length and bytes; the caller keeps its own, intact', async () => {
    const p = pool();
    const buffer = new ArrayBuffer(4 << 20);
    const view = new Float64Array(buffer, 16, 1000);
    view.forEach((_, i) => (view[i] = i / 2));
    const back = await p.submit(tasks.echo, view);
    expect(back).toBeInstanceOf(Float64Array);
    expect([back.byteOffset, back.length, back.buffer.byteLength]).toEqual([16, 1000, 4 << 20]);
    expect(back).toEqual(view);
    expect(buffer.byteLength).toBe(4 << 20);
    expect(view[999]).toBe(499.5);
  });

  it('delivers a big view passed twice as one array, and views of one big buffer over one buffer', async () => {
    const p = pool();
    const buffer = new ArrayBuffer(1 << 20);
    const a = new Uint8Array(buffer, 0, 8);
    const b = new Int32Array(buffer, 64, 2);
    expect(await p.submit((x: Uint8Array, y: Uint8Array, z: Int32Array) => [x === y, x.buffer === z.buffer], a, a, b)).toEqual([true, true]);
  });

  it('leaves a big result the task keeps intact in the worker, and a big buffer in the transfer list moved', async () => {
    const p = pool({ maxWorkers: 1 });
    const keep = (n: number) => ((globalThis as { kept?: Uint8Array }).kept = new Uint8Array(n).fill(7));
    const kept = () => (globalThis as { kept?: Uint8Array }).kept?.reduce((sum, x) => sum + x, 0);
    expect((await p.submit(keep, 1 << 20)).length).toBe(1 << 20);
    expect(await p.submit(kept)).toBe(7 << 20);
    const moved = new Uint8Array(1 << 20).fill(1).buffer;
    expect(await p.with({ transfer: [moved] }).submit(tasks.byteSum, moved)).toBe(1 << 20);
    expect(moved.byteLength).toBe(0);
  });

  it('runs a plain self-contained function sent as source', async () => {
    const p = pool();
    expect(await p.submit((a: number, b: number) => a * b, 6, 7)).toBe(42);
  });
});

describe('ThreadPoolExecutor: worker death', () => {
  it('a thread that cannot initialize for want of file descriptors (EMFILE) is started again once there are some, not counted as a failed start', async () => {
    // A low descriptor limit for the script alone, so that running out is quick.
    const child = spawn('sh', ['-c', 'ulimit -n 128 && exec "$0" "$1"', process.execPath, fixturePath('out-of-descriptors.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
    const [code] = await once(child, 'close');
    expect({ code, out: out.trim() }).toEqual({ code: 0, out: '2,3' });
  });

  it('fails only the call whose thread called process.exit, naming the exit code; the calls queued behind it run', async () => {
    const p = pool({ maxWorkers: 1 });
    const first = await p.submit(tasks.threadId);
    const dying = p.submit(tasks.exitWith, 3);
    const behind = [p.submit(tasks.add, 1, 1), p.submit(tasks.add, 2, 2)];
    const error = await dying.exception();
    expect(error).toBeInstanceOf(BrokenThreadPoolError);
    expect(error).toBeInstanceOf(BrokenExecutorError);
    expect(BrokenThreadPoolError.isInstance(error)).toBe(true);
    expect((error as BrokenThreadPoolError).code).toBe('ERR_BROKEN_THREAD_POOL');
    expect((error as Error).message).toMatch(/exited with code 3/);
    expect(await Promise.all(behind)).toEqual([2, 4]);
    expect(await p.submit(tasks.threadId)).not.toBe(first);
  });

  it('fails only the call whose transfer list cannot be transferred', async () => {
    const p = pool({ maxWorkers: 1 });
    const bad = p.with({ transfer: [{} as ArrayBuffer] }).submit(tasks.add, 1, 1);
    const good = p.submit(tasks.add, 2, 2);
    const error = (await bad.exception()) as Error;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toMatch(/transfer\[0\]/);
    expect(await good).toBe(4);
  });

  it('fails the running call with the uncaught error as cause when the thread throws outside a call', async () => {
    const p = pool({ maxWorkers: 1 });
    const error = (await p.submit(tasks.throwOutside, 'escaped').exception()) as BrokenThreadPoolError;
    expect(error).toBeInstanceOf(BrokenThreadPoolError);
    expect(error.message).toMatch(/exited with code 1/);
    expect((error.cause as Error).message).toBe('escaped');
    expect(await p.submit(tasks.add, 1, 2)).toBe(3);
  });

  it('fails only the call that ran out of memory (resourceLimits) and replaces the thread', async () => {
    const p = pool({ maxWorkers: 1, resourceLimits: { maxOldGenerationSizeMb: 16 } });
    const error = (await p.submit(tasks.exhaustMemory).exception()) as BrokenThreadPoolError;
    expect(error).toBeInstanceOf(BrokenThreadPoolError);
    expect((error.cause as { code?: string }).code).toBe('ERR_WORKER_OUT_OF_MEMORY');
    expect(await p.submit(tasks.add, 1, 2)).toBe(3);
  });

  it('ends a running call on timeout by terminating its thread, even in a synchronous loop', async () => {
    const p = pool({ maxWorkers: 1 });
    const first = await p.submit(tasks.threadId);
    const error = await p.with({ timeout: 50 }).submit(tasks.spin, new SharedArrayBuffer(4)).exception();
    expect(error).toBeInstanceOf(TimeoutError);
    expect(await p.submit(tasks.threadId)).not.toBe(first);
  });

  it('ends a running call on abort by terminating its thread; the future fails with the reason', async () => {
    const p = pool({ maxWorkers: 1 });
    const controller = new AbortController();
    const started = new SharedArrayBuffer(4);
    const spinning = p.with({ signal: controller.signal }).submit(tasks.spin, started);
    const behind = p.submit(tasks.add, 2, 3);
    await waitForSlot(started);
    const reason = new Error('user gave up');
    controller.abort(reason);
    expect(await spinning.exception()).toBe(reason);
    expect(await behind).toBe(5);
  });
});

describe('ThreadPoolExecutor: a pool that cannot work', () => {
  it('breaks when a thread cannot start (invalid execArgv), with the cause', async () => {
    const p = pool({ execArgv: ['--no-such-node-flag'] });
    const error = (await p.submit(tasks.add, 1, 2).exception()) as BrokenThreadPoolError;
    expect(error).toBeInstanceOf(BrokenThreadPoolError);
    expect((error.cause as { code?: string }).code).toBe('ERR_WORKER_INVALID_EXEC_ARGV');
    expect(() => p.submit(tasks.add, 1, 2)).toThrow(BrokenThreadPoolError);
  });

  it('breaks when the initializer lives in a module with a syntax error', async () => {
    const broken = defineTasks(fixture('syntax-error.mjs').href, { init() {} });
    const p = pool({ initializer: broken.init });
    const error = (await p.submit(tasks.add, 1, 2).exception()) as BrokenThreadPoolError;
    expect(error).toBeInstanceOf(BrokenThreadPoolError);
    expect(error.cause).toBeInstanceOf(SyntaxError);
  });

  it('fails a call whose task module has a syntax error or does not exist, and stays healthy', async () => {
    // Task modules are imported on first use, so only the calls into a broken module fail.
    const broken = defineTasks(fixture('syntax-error.mjs').href, { f() {} });
    const missing = defineTasks(fixture('no-such-module.mjs').href, { g() {} });
    const p = pool();
    expect(await p.submit(broken.f).exception()).toBeInstanceOf(SyntaxError);
    expect(((await p.submit(missing.g).exception()) as { code?: string }).code).toBe('ERR_MODULE_NOT_FOUND');
    expect(await p.submit(tasks.add, 1, 2)).toBe(3);
  });
});

describe('ThreadPoolExecutor: threads', () => {
  it('names its threads after the pool, as the inspector shows them', async () => {
    const session = new Session();
    session.connect();
    const titles: string[] = [];
    session.on('NodeWorker.attachedToWorker', (m) => titles.push(m.params.workerInfo.title));
    try {
      await new Promise<void>((resolve, reject) =>
        session.post('NodeWorker.enable', { waitForDebuggerOnStart: false }, (e) => (e ? reject(e) : resolve())),
      );
      const p = pool({ maxWorkers: 1, name: 'resize' });
      await p.submit(tasks.add, 1, 2);
      await p.shutdown();
      expect(titles).toContainEqual(expect.stringMatching(/\bresize-1$/));
    } finally {
      session.disconnect();
    }
  });

  it('names each thread\'s --cpu-prof profile after the thread, and still starts when the parent has flags a thread refuses', async () => {
    const named = mkdtempSync(join(tmpdir(), 'futures-cpu-prof-'));
    const unnamed = mkdtempSync(join(tmpdir(), 'futures-cpu-prof-'));
    try {
      expect(await runScript('--cpu-prof', `--cpu-prof-dir=${named}`, fixturePath('profiled-pool.mjs'))).toEqual({ code: 0, signal: null, out: 'done' });
      expect(readdirSync(named).filter((f) => /^CPU\.resize-1\.\d+\.[0-9a-f]{8}\.cpuprofile$/.test(f))).toHaveLength(1);
      // A V8 heap flag cannot be given to a thread: the thread inherits the flags instead, and its profile keeps Node's name.
      const heapFlag = ['--cpu-prof', `--cpu-prof-dir=${unnamed}`, '--max-old-space-size=512', fixturePath('profiled-pool.mjs')];
      expect(await runScript(...heapFlag)).toEqual({ code: 0, signal: null, out: 'done' });
      expect(readdirSync(unnamed).filter((f) => f.endsWith('.cpuprofile'))).toHaveLength(2);
    } finally {
      rmSync(named, { recursive: true, force: true });
      rmSync(unnamed, { recursive: true, force: true });
    }
  });

  it('leaves no thread behind after shutdown', async () => {
    const workers: Worker[] = [];
    const track = (w: Worker) => workers.push(w);
    process.on('worker', track);
    try {
      const p = pool({ maxWorkers: 2 });
      await Promise.all([p.submit(tasks.add, 1, 2), p.submit(tasks.add, 3, 4), p.submit(tasks.add, 5, 6)]);
      expect(workers.length).toBeGreaterThan(0);
      await p.shutdown();
      // A Worker's threadId becomes -1 once its thread has exited.
      expect(workers.map((w) => w.threadId)).toEqual(workers.map(() => -1));
    } finally {
      process.off('worker', track);
    }
  });

  it('shares process.env with the threads', async () => {
    const p = pool({ maxWorkers: 1 });
    await p.submit(tasks.add, 0, 0);
    process.env.FUTURES_THREAD_TEST = 'shared';
    try {
      expect(await p.submit(tasks.env, 'FUTURES_THREAD_TEST')).toBe('shared');
    } finally {
      delete process.env.FUTURES_THREAD_TEST;
    }
  });

  it('retires a thread idle for idleTimeout ms: it exits on its own, and the next call starts a new one', async () => {
    const exits: Promise<unknown[]>[] = [];
    const track = (w: Worker) => exits.push(once(w, 'exit'));
    process.on('worker', track);
    try {
      const p = pool({ maxWorkers: 1, idleTimeout: 20 });
      const first = await p.submit(tasks.threadId);
      expect(exits).toHaveLength(1);
      // Exit code 0: asked to exit, not terminated (which would be 1).
      expect(await exits[0]).toEqual([0]);
      expect(await p.submit(tasks.threadId)).not.toBe(first);
    } finally {
      process.off('worker', track);
    }
  });

  it('retires a thread after maxTasksPerWorker calls', async () => {
    const p = pool({ maxWorkers: 1, maxTasksPerWorker: 1 });
    const first = await p.submit(tasks.threadId);
    expect(await p.submit(tasks.threadId)).not.toBe(first);
  });

  it('does not keep the process alive when idle and never shut down', async () => {
    expect(await runScript(fixturePath('idle-pool.mjs'))).toEqual({ code: 0, signal: null, out: 'done' });
  });

  it('keeps the process alive while awaited shutdown() waits for its threads, with nothing else to do', async () => {
    expect(await runScript(fixturePath('shutdown-wait.mjs'))).toEqual({ code: 0, signal: null, out: 'done' });
  });

  it('imports task modules written in TypeScript through the loader the parent runs under (as with tsx)', async () => {
    expect(await runTypeScriptTasks('@futures/thread-pool', 'ThreadPoolExecutor')).toEqual({
      code: 0,
      signal: null,
      out: '{"length":5,"inWorker":true}',
    });
  });
});

describe('ThreadPoolExecutor: options', () => {
  it.each<[ThreadPoolOptions, RegExp]>([
    [{ resourceLimits: { maxOldGenerationSizeMb: -1 } }, /resourceLimits\.maxOldGenerationSizeMb/],
    [{ resourceLimits: { heap: 1 } as never }, /unknown option 'heap'/],
    [{ execArgv: '--inspect' as never }, /execArgv must be an array/],
    [{ execArgv: [1] as never }, /execArgv\[0\] must be a string/],
    [{ name: 5 as never }, /name must be a string/],
    [{ threads: 2 } as never, /unknown option 'threads'/],
  ])('rejects %o with a message naming the option', (options, message) => {
    expect(() => new ThreadPoolExecutor(options)).toThrow(message);
  });
});
