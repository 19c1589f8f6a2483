// Process-specific behaviour of ProcessPoolExecutor; the shared executor suite covers submit/map/cancel/shutdown.
// The tests import the built package, as users do: its child entry is dist/worker.js.
import { spawn, type ChildProcess } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import { Socket } from 'node:net';
import { createInterface } from 'node:readline';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { childPids, markThenHang, runScript, runTypeScriptTasks, shutDownAfterEach, startMarker, until } from '@futures/executor-tests';
import { BrokenExecutorError, ShutdownError } from '@futures/core';
import { BrokenProcessPoolError, ProcessPoolExecutor, type ProcessPoolOptions } from '@futures/process-pool';
import { tasks } from '../test-fixtures/tasks.mjs';
import { tasks as suiteTasks } from '@futures/executor-tests/fixtures/tasks.mjs';
import { childrenOf, isAlive } from './process-probes.testing.js';

const fixtureUrl = (name: string) => new URL(`../test-fixtures/${name}`, import.meta.url);
const fixture = (name: string) => fileURLToPath(fixtureUrl(name));

const pool = shutDownAfterEach((options: ProcessPoolOptions = {}) => new ProcessPoolExecutor({ maxWorkers: 2, ...options }));

/** Every child pid a test has seen, checked to be gone at the end. */
const seen = new Set<number>();
function track(pid: number): number {
  seen.add(pid);
  return pid;
}

afterAll(() => {
  expect(childrenOf(process.pid)).toEqual([]);
  expect([...seen].filter(isAlive)).toEqual([]);
});


describe('ProcessPoolExecutor: values', () => {
  it('round-trips what the v8 serializer carries: typed arrays, Buffer, Map, Set, Date, BigInt, Error, cycles', async () => {
    const p = pool();
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const value = {
      bytes: new Uint8Array([1, 2, 255]),
      floats: new Float64Array([0.5, -1]),
      buffer: Buffer.from('hello'),
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
    expect(Buffer.isBuffer(back.buffer)).toBe(true);
    expect(back.buffer.toString()).toBe('hello');
    expect(back.map).toEqual(value.map);
    expect(back.set).toEqual(value.set);
    expect(back.date).toEqual(value.date);
    expect(back.big).toBe(2n ** 70n);
    expect(back.error).toBeInstanceOf(RangeError);
    expect(back.error.message).toBe('out of range');
    expect(back.cyclic.self).toBe(back.cyclic);
  });

  it.each([
    ['a function', () => 1],
    ['a socket', new Socket()],
    ['a SharedArrayBuffer', new SharedArrayBuffer(4)],
  ])('fails the call whose argument is %s with a TypeError naming it; the pool stays healthy', async (_, bad) => {
    const p = pool({ maxWorkers: 1 });
    const pid = track(await p.submit(tasks.pid));
    const error = await p.submit(tasks.echo, bad).exception();
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/argument 1 of echo cannot be sent/);
    expect(await p.submit(tasks.add, 2, 3)).toBe(5);
    expect(await p.submit(tasks.pid)).toBe(pid);
  });

  it('fails only that call, naming the argument, when one call of a batch cannot be sent', async () => {
    const p = pool({ maxWorkers: 1 });
    await p.submit(tasks.pid);
    const calls = [p.submit(tasks.add, 1, 1), p.submit(tasks.add, 2, (() => 2) as never), p.submit(tasks.add, 3, 3)];
    const [first, bad, last] = await Promise.allSettled(calls);
    expect(first).toEqual({ status: 'fulfilled', value: 2 });
    expect(bad.status === 'rejected' && bad.reason).toBeInstanceOf(TypeError);
    expect(bad.status === 'rejected' && (bad.reason as Error).message).toMatch(/argument 2 of add/);
    expect(last).toEqual({ status: 'fulfilled', value: 6 });
  });

  it('fails a call whose result cannot be sent back with a TypeError; the child stays', async () => {
    const p = pool({ maxWorkers: 1 });
    const pid = track(await p.submit(tasks.pid));
    const error = await p.submit(tasks.makeFunction).exception();
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(/cannot be sent back/);
    expect(await p.submit(tasks.pid)).toBe(pid);
  });

  it('sends map chunks as one message each and yields results in input order', async () => {
    const p = pool();
    const out: number[] = [];
    for await (const n of p.map(tasks.add, [1, 2, 3, 4, 5, 6, 7], [10, 20, 30, 40, 50, 60, 70], { chunksize: 3 })) out.push(n);
    expect(out).toEqual([11, 22, 33, 44, 55, 66, 77]);
  });
});

describe('ProcessPoolExecutor: child death', () => {
  it('fails only the call whose child was SIGKILLed, naming pid and signal; the calls queued behind it run', async () => {
    const p = pool({ maxWorkers: 1 });
    const pid = track(await p.submit(tasks.pid));
    const marker = startMarker();
    const victim = p.submit(markThenHang, marker.path);
    const behind = [p.submit(tasks.add, 1, 1), p.submit(tasks.add, 2, 2)];
    await Promise.resolve(); // the engine dispatches in a microtask
    expect(victim.running()).toBe(true);
    await marker.started();
    marker.dispose();
    process.kill(pid, 'SIGKILL');
    const error = await victim.exception();
    expect(error).toBeInstanceOf(BrokenProcessPoolError);
    expect(error).toBeInstanceOf(BrokenExecutorError);
    expect(BrokenProcessPoolError.isInstance(error)).toBe(true);
    expect((error as BrokenProcessPoolError).code).toBe('ERR_BROKEN_PROCESS_POOL');
    expect((error as Error).message).toContain(`pid ${pid}`);
    expect((error as Error).message).toContain('SIGKILL');
    expect(await Promise.all(behind)).toEqual([2, 4]);
    expect(track(await p.submit(tasks.pid))).not.toBe(pid);
  });

  it('names the exit code of a child that calls process.exit during a call', async () => {
    const p = pool({ maxWorkers: 1 });
    const pid = track(await p.submit(tasks.pid));
    const error = (await p.submit(tasks.exitWith, 3).exception()) as Error;
    expect(error).toBeInstanceOf(BrokenProcessPoolError);
    expect(error.message).toContain(`pid ${pid} exited with code 3`);
    expect(await p.submit(tasks.add, 1, 2)).toBe(3);
  });

  it('names the error no call caught that ended a child (a timer a finished task left behind), in the message and as cause', async () => {
    const p = pool({ maxWorkers: 1 });
    const leaveThrowingTimer = (ms: number) => {
      setTimeout(() => {
        throw new RangeError('late uncaught');
      }, ms);
      return 'returned';
    };
    expect(await p.submit(leaveThrowingTimer, 30)).toBe('returned');
    const error = (await p.submit(suiteTasks.sleep, 1_000, 'innocent').exception()) as Error;
    expect(error).toBeInstanceOf(BrokenProcessPoolError);
    expect(error.message).toMatch(/exited with code 1 while running sleep .*\(late uncaught\)$/);
    expect(error.cause).toBeInstanceOf(RangeError);
    expect((error.cause as Error).message).toBe('late uncaught');
    expect(await p.submit(tasks.add, 1, 2)).toBe(3);
  });

  it('names the signal of a child killed by a signal during a call', async () => {
    const p = pool({ maxWorkers: 1 });
    const error = (await p.submit(tasks.killSelf, 'SIGTERM').exception()) as Error;
    expect(error).toBeInstanceOf(BrokenProcessPoolError);
    expect(error.message).toMatch(/pid \d+ was killed by SIGTERM/);
    expect(await p.submit(tasks.add, 1, 2)).toBe(3);
  });

  it('ends a running call on timeout by killing its child, and replaces the child', async () => {
    const p = pool({ maxWorkers: 1 });
    const pid = track(await p.submit(tasks.pid));
    await expect(p.with({ timeout: 50 }).submit(tasks.hang)).rejects.toThrow(/did not finish within 50 ms/);
    expect(track(await p.submit(tasks.pid))).not.toBe(pid);
    await p.shutdown(); // waits for the exit of every child, the killed one included
    expect(isAlive(pid)).toBe(false);
  });
});

describe('ProcessPoolExecutor: a replacement killed while it starts', () => {
  it('is retried: the call that was running fails, the queued ones run, the pool stays usable', async () => {
    const p = pool({ maxWorkers: 1 });
    const first = track(await p.submit(tasks.pid));
    const marker = startMarker();
    const running = p.submit(markThenHang, marker.path);
    const queued = Array.from({ length: 10 }, (_, i) => p.submit(tasks.add, i, 1));
    await marker.started();
    marker.dispose();
    process.kill(first, 'SIGKILL');
    // The replacement: kill it as soon as it exists, long before it can be ready.
    let replacement = 0;
    await until(() => (replacement = childPids().find((pid) => pid !== first) ?? 0) !== 0, 'a replacement is spawned');
    process.kill(track(replacement), 'SIGKILL');
    expect(((await running.exception()) as Error).message).toContain(`pid ${first} was killed by SIGKILL while running markThenHang`);
    expect(await Promise.all(queued)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    const last = track(await p.submit(tasks.pid));
    expect([first, replacement]).not.toContain(last);
  });
});

describe('ProcessPoolExecutor: progress board', () => {
  it('a board whose write fails is dropped: the crash blames the running call, and no call runs twice', async () => {
    const p = pool({ maxWorkers: 1 });
    await Promise.all(Array.from({ length: 20 }, (_, i) => p.submit(tasks.add, i, 1)));
    const dir = mkdtempSync(join(tmpdir(), 'futures-board-'));
    const log = join(dir, 'runs');
    // A task that closes the descriptor of its worker's progress board (fd 3): later writes to it fail.
    const closeBoard = () => {
      (process as unknown as { getBuiltinModule(id: string): typeof import('node:fs') }).getBuiltinModule('node:fs').closeSync(3);
      return 'closed';
    };
    const appendThenExit = (path: string) => {
      (process as unknown as { getBuiltinModule(id: string): typeof import('node:fs') }).getBuiltinModule('node:fs').appendFileSync(path, 'x');
      process.exit(3);
    };
    try {
      expect(await p.submit(closeBoard)).toBe('closed');
      const quick = p.submit(tasks.add, 1, 2);
      const crash = p.submit(appendThenExit, log);
      const after = p.submit(tasks.add, 5, 5);
      const error = (await crash.exception()) as Error;
      expect(error).toBeInstanceOf(BrokenProcessPoolError);
      expect(error.message).toMatch(/code 3 while running appendThenExit/);
      expect(await quick).toBe(3);
      expect(await after).toBe(10);
      expect(readFileSync(log, 'utf8')).toBe('x');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('ProcessPoolExecutor: a pool that cannot work', () => {
  it('breaks when a child exits before it is ready, naming the exit code', async () => {
    // A preload that exits stands for any child that cannot start (a bad flag, a missing loader).
    const p = pool({ execArgv: ['--import=data:text/javascript,process.exit(7)'] });
    const error = (await p.submit(tasks.add, 1, 2).exception()) as BrokenProcessPoolError;
    expect(error).toBeInstanceOf(BrokenProcessPoolError);
    expect(error.message).toMatch(/could not start .*exited with code 7/);
    expect(() => p.submit(tasks.add, 1, 2)).toThrow(BrokenProcessPoolError);
  });
});

describe('ProcessPoolExecutor: children', () => {
  it('passes execArgv and env to the children', async () => {
    const p = pool({ maxWorkers: 1, execArgv: ['--max-old-space-size=100'], env: { ...process.env, FUTURES_PROCESS_TEST: 'yes' } });
    expect(await p.submit(tasks.startup)).toEqual({ execArgv: ['--max-old-space-size=100'], env: 'yes' });
  });

  it('titles its children after the pool', async () => {
    const p = pool({ maxWorkers: 1, name: 'resize' });
    expect(await p.submit(tasks.title)).toBe('resize-1');
  });

  it('retires a child idle for idleTimeout ms: it exits on its own, and the next call starts a new one', async () => {
    const exits: Promise<unknown[]>[] = [];
    const onChild = (message: unknown) => exits.push(once((message as { process: ChildProcess }).process, 'exit'));
    subscribe('child_process', onChild);
    try {
      const p = pool({ maxWorkers: 1, idleTimeout: 20 });
      const pid = track(await p.submit(tasks.pid));
      expect(exits).toHaveLength(1);
      // Exit code 0: it left on its own when the pool retired it, not by a signal.
      expect(await exits[0]).toEqual([0, null]);
      expect(track(await p.submit(tasks.pid))).not.toBe(pid);
    } finally {
      unsubscribe('child_process', onChild);
    }
  });

  it('retires a child after maxTasksPerChild calls', async () => {
    const p = pool({ maxWorkers: 1, maxTasksPerChild: 2 });
    const pids = [];
    for (let i = 0; i < 4; i++) pids.push(track(await p.submit(tasks.pid)));
    expect(pids[0]).toBe(pids[1]);
    expect(pids[2]).not.toBe(pids[1]);
    expect(pids[2]).toBe(pids[3]);
  });

  it('ends every child on shutdown, even one that a task left with a timer running', async () => {
    const p = pool();
    const pids = await Promise.all([p.submit(tasks.holdOpen), p.submit(tasks.holdOpen), p.submit(tasks.holdOpen)]);
    pids.forEach(track);
    await p.shutdown();
    expect(pids.filter(isAlive)).toEqual([]);
  });

  it.each([
    ['terminateWorkers', 'SIGTERM'],
    ['killWorkers', 'SIGKILL'],
  ] as const)('%s ends running calls with %s, cancels pending ones and shuts the pool down', async (method, signal) => {
    const p = pool({ maxWorkers: 1 });
    const pid = track(await p.submit(tasks.slowPid, 5));
    const marker = startMarker();
    const running = p.submit(markThenHang, marker.path);
    const pending = p.submit(tasks.add, 1, 2);
    await Promise.resolve(); // the engine dispatches in a microtask
    expect([running.state, pending.state]).toEqual(['RUNNING', 'PENDING']);
    await marker.started();
    marker.dispose();
    await p[method]();
    const error = (await running.exception()) as Error;
    expect(error).toBeInstanceOf(BrokenProcessPoolError);
    expect(error.message).toContain(`pid ${pid} was killed by ${signal}`);
    expect(pending.cancelled()).toBe(true);
    expect(isAlive(pid)).toBe(false);
    expect(() => p.submit(tasks.add, 1, 2)).toThrow(ShutdownError);
  });

  it.each(['killWorkers', 'terminateWorkers'] as const)(
    '%s with calls dispatched ahead behind the running one: they fail (never run) and the pool shuts down, not breaks',
    async (method) => {
      const p = pool({ maxWorkers: 1 });
      // hangIf(false) is short, so the pool dispatches calls of it ahead, even behind one that hangs.
      await Promise.all(Array.from({ length: 8 }, () => p.submit(suiteTasks.hangIf, false)));
      const running = p.submit(suiteTasks.hangIf, true);
      const ahead = p.submit(suiteTasks.hangIf, false);
      await Promise.resolve();
      expect([running.state, ahead.state]).toEqual(['RUNNING', 'RUNNING']);
      await p[method]();
      expect(await running.exception()).toBeInstanceOf(BrokenProcessPoolError);
      const error = (await ahead.exception()) as Error;
      expect(error).toBeInstanceOf(BrokenProcessPoolError);
      expect(error.message).toMatch(new RegExp(`had not started when the workers were ended by ${method}\\(\\)`));
      // Shut down, not broken: the pool says so to the next caller.
      expect(() => p.submit(tasks.add, 1, 2)).toThrow(ShutdownError);
    },
  );

  it('does not keep the parent alive when idle and never shut down; the children exit with it', async () => {
    expect(await runScript(fixture('idle-pool.mjs'))).toEqual({ code: 0, signal: null, out: 'done' });
  });

  it('keeps the parent alive while awaited shutdown() waits for its children, with nothing else to do', async () => {
    expect(await runScript(fixture('shutdown-wait.mjs'))).toEqual({ code: 0, signal: null, out: 'done' });
  });

  it('imports task modules written in TypeScript through the loader the parent runs under (as with tsx)', async () => {
    expect(await runTypeScriptTasks('@futures/process-pool', 'ProcessPoolExecutor')).toEqual({
      code: 0,
      signal: null,
      out: '{"length":5,"inWorker":true}',
    });
  });

  it('children exit when the parent is SIGKILLed, even one inside a CPU-bound call', async () => {
    const parent = spawn(process.execPath, [fixture('parent.mjs')], { stdio: ['ignore', 'pipe', 'inherit'] });
    const ended = once(parent.stdout, 'end');
    const [line] = (await once(createInterface({ input: parent.stdout }), 'line')) as [string];
    const children = JSON.parse(line) as number[];
    expect(children).toHaveLength(2);
    children.forEach(track);
    parent.kill('SIGKILL');
    // The children hold the parent's stdout too: it ends only when they are all gone.
    // Bounded: children that outlive the parent are reported, then killed so that the stream ends.
    let survivors: number[] = [];
    const timer = setTimeout(() => {
      survivors = children.filter(isAlive);
      for (const pid of survivors) process.kill(pid, 'SIGKILL');
    }, 15_000);
    await ended;
    clearTimeout(timer);
    expect(survivors).toEqual([]);
    expect(children.filter(isAlive)).toEqual([]);
  });
});

describe('ProcessPoolExecutor: options', () => {
  it.each<[ProcessPoolOptions, RegExp]>([
    [{ maxTasksPerChild: 2, maxTasksPerWorker: 2 }, /give one of them, not both/],
    [{ maxTasksPerChild: 0 }, /maxTasksPerChild must be an integer >= 1/],
    [{ execArgv: '--inspect' as never }, /execArgv must be an array/],
    [{ env: { A: 1 } as never }, /env\.A must be a string/],
    [{ env: 'PATH=/bin' as never }, /env: options must be an object/],
    [{ processes: 2 } as never, /unknown option 'processes'/],
  ])('rejects %o with a message naming the option', (options, message) => {
    expect(() => new ProcessPoolExecutor(options)).toThrow(message);
  });
});
