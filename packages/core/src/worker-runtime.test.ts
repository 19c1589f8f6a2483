import { describe, expect, it, vi } from 'vitest';
import { threadWaitReader } from './call-clock.js';
import { PROGRESS_RUNNING, type ProgressSlot } from './progress.js';
import { CALL, CHUNK, ERROR, LISTENED, OK, type FromWorker, type ToWorker } from './protocol.js';
import { runWorkerRuntime } from './worker-runtime.js';

/** A runtime on an in-memory port; `board` decides whether each write to the progress board succeeds. */
function startRuntime(board?: (slot: ProgressSlot, id: number) => boolean) {
  const sent: FromWorker[] = [];
  let deliver: (message: ToWorker) => void = () => {};
  let closed = false;
  runWorkerRuntime({
    send: (message) => void sent.push(structuredClone(message)),
    onMessage: (handler) => (deliver = handler),
    close: () => (closed = true),
    ...(board === undefined ? {} : { progress: { set: board } }),
  });
  return { sent, deliver: (m: ToWorker) => deliver(m), closed: () => closed };
}

const add = { kind: 'source', source: '(a, b) => a + b', name: 'add' } as const;
const run = (ids: number[]): ToWorker => ({ t: 'run', defs: [0, add], calls: ids.flatMap((id) => [id, 0, CALL, [id, 1]]) });
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('worker runtime: progress board', () => {
  it('after a failed board write it says so, then announces each call before it starts', async () => {
    const writes: [ProgressSlot, number][] = [];
    const rt = startRuntime((slot, id) => {
      writes.push([slot, id]);
      return !(slot === PROGRESS_RUNNING && id === 2);
    });
    rt.deliver(run([1, 2, 3]));
    await settle();
    const kinds = rt.sent.map((m) => (m.t === 'started' ? `started ${m.id}` : m.t === 'done' ? `done${m.started === undefined ? '' : ` started ${m.started}`}` : m.t));
    // Call 1's result, then board-failed, then calls 2 and 3 each announced (2 alone, 3 with 2's result).
    expect(kinds).toEqual(['done', 'board-failed', 'started 2', 'done started 3', 'done']);
    // One write per call (its start), and nothing after the failure.
    expect(writes).toEqual([
      [PROGRESS_RUNNING, 1],
      [PROGRESS_RUNNING, 2],
    ]);
  });

  it('with a working board, results of short calls are batched and nothing is announced', async () => {
    const rt = startRuntime(() => true);
    rt.deliver(run([1]));
    await settle();
    rt.deliver(run([2, 3, 4]));
    await settle();
    expect(rt.sent.some((m) => m.t === 'started' || m.t === 'board-failed')).toBe(false);
    expect(rt.sent.filter((m) => m.t === 'done').length).toBeLessThan(4);
  });

  it('once a function ran long, results of its short calls go out before each next call, not after a long one', async () => {
    const rt = startRuntime(() => true);
    // `probe(spinMs)` runs for spinMs, not counting time its thread waits for a core (the runtime does not count
    // it either: see call-clock.ts), then says how many results the runtime had sent when it started.
    const probe = {
      kind: 'source',
      source:
        '(ms) => { const n = globalThis.__sentResults(); const w = globalThis.__waited, w0 = w(), t = performance.now(); while (performance.now() - t - (w() - w0) < ms); return n; }',
      name: 'probe',
    } as const;
    const g = globalThis as { __sentResults?: () => number; __waited?: () => number };
    g.__sentResults = () => rt.sent.reduce((n, m) => n + (m.t === 'done' ? m.results.length / 3 : 0), 0);
    const waited = threadWaitReader();
    g.__waited = () => waited?.() ?? 0;
    try {
      // A long call (30 ms: whatever it parses, it may do so again), then four short ones.
      rt.deliver({ t: 'run', defs: [0, probe], calls: [1, 0, CALL, [30], 2, 0, CALL, [0], 3, 0, CALL, [0], 4, 0, CALL, [0], 5, 0, CALL, [0]] });
      await settle();
      const results = rt.sent.flatMap((m) => (m.t === 'done' ? m.results : []));
      const startedAfter = new Map(Array.from({ length: results.length / 3 }, (_, i) => [results[3 * i], results[3 * i + 2]]));
      // Each call found every call before it answered: none held a result while it ran.
      expect([...startedAfter]).toEqual([
        [1, 0],
        [2, 1],
        [3, 2],
        [4, 3],
        [5, 4],
      ]);
    } finally {
      delete g.__sentResults;
      delete g.__waited;
    }
  });

  it('results left at the end of a run go before the next run starts, even when its refill came meanwhile (never held behind a call that may run long)', async () => {
    const rt = startRuntime(() => true);
    // A clock that moves only when a call runs: each call takes 0.02 ms, so the waiting results are never old.
    let now = 0;
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => now);
    const g = globalThis as { __call?: (id: number) => void };
    const step = { kind: 'source', source: '(id) => globalThis.__call(id)', name: 'step' } as const;
    const calls = (ids: number[]) => ids.flatMap((id) => [id, 0, CALL, [id]]);
    // The refill is sent when the first results arrive (after the 8th call) and is there, waiting in the port,
    // when the worker is done with the rest: as a real port hands it over, after the run, before the next turn.
    g.__call = (id) => {
      now += 0.02;
      if (id === 9) queueMicrotask(() => rt.deliver({ t: 'run', calls: calls([17, 18]) }));
    };
    try {
      rt.deliver({ t: 'run', defs: [0, step], calls: calls([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]) });
      await settle();
      const batches = rt.sent.flatMap((m) => (m.t === 'done' ? [m.results.filter((_, i) => i % 3 === 0)] : []));
      expect(batches).toEqual([
        [1, 2, 3, 4, 5, 6, 7, 8],
        [9, 10, 11, 12, 13, 14, 15, 16],
        [17, 18],
      ]);
      // No refill coming: the results of the last run still go before the worker waits.
      rt.deliver({ t: 'run', calls: calls([19]) });
      await settle();
      expect(rt.sent.at(-1)).toMatchObject({ t: 'done', results: [19, 0, undefined] });
    } finally {
      clock.mockRestore();
      delete g.__call;
    }
  });

  it('retire: ends the worker once the calls sent before it are done', async () => {
    const rt = startRuntime(() => true);
    rt.deliver(run([1, 2]));
    rt.deliver({ t: 'retire' });
    await settle();
    expect(rt.closed()).toBe(true);
    const results = rt.sent.flatMap((m) => (m.t === 'done' ? m.results : []));
    expect(results.filter((_, i) => i % 3 === 0)).toEqual([1, 2]);
  });
});

describe('worker runtime: progress reports', () => {
  const fixture = new URL('./task-progress.fixture.ts', import.meta.url).href;
  const ref = (name: string) => ({ kind: 'module', module: fixture, name }) as const;
  /** One call of the fixture's `name`, listened to or not. */
  const call = (id: number, fnId: number, name: string, listened: boolean): ToWorker => ({
    t: 'run',
    defs: [fnId, ref(name)],
    calls: [id, fnId, listened ? CALL + LISTENED : CALL, []],
  });
  const until = async (predicate: () => boolean) => {
    for (let i = 0; i < 1000 && !predicate(); i++) await new Promise((resolve) => setTimeout(resolve, 1));
  };
  const progress = (sent: FromWorker[]) => sent.filter((m) => m.t === 'progress');

  it('a listened call sends each report at once, before its result', async () => {
    const rt = startRuntime(() => true);
    rt.deliver(call(1, 0, 'steps', true));
    await until(() => rt.sent.some((m) => m.t === 'done'));
    expect(rt.sent.map((m) => m.t)).toEqual(['progress', 'progress', 'done']);
    expect(progress(rt.sent)).toEqual([
      { t: 'progress', id: 1, value: 'a' },
      { t: 'progress', id: 1, value: 'b' },
    ]);
  });

  it('a call nobody listens to sends no report', async () => {
    const rt = startRuntime(() => true);
    rt.deliver(call(1, 0, 'steps', false));
    await until(() => rt.sent.some((m) => m.t === 'done'));
    expect(progress(rt.sent)).toEqual([]);
  });

  it('a report made after the call finished is dropped', async () => {
    const rt = startRuntime(() => true);
    rt.deliver(call(1, 0, 'late', true));
    rt.deliver(call(2, 1, 'steps', false));
    await until(() => rt.sent.flatMap((m) => (m.t === 'done' ? m.results : [])).length === 6);
    // The late report's 1 ms timer has fired by now.
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(progress(rt.sent)).toEqual([]);
  });

  it('a value the port cannot send makes reportProgress throw a TypeError in the task; the call goes on', async () => {
    const rt = startRuntime(() => true);
    rt.deliver(call(1, 0, 'refused', true));
    await until(() => rt.sent.some((m) => m.t === 'done'));
    const done = rt.sent.find((m) => m.t === 'done');
    expect(done?.t === 'done' && done.results[2]).toMatch(/^TypeError: reportProgress\(\): the value cannot be sent to the caller/);
  });

  it('a live resource (an emitter) is refused as the socket codec does, not sent as {}', async () => {
    const rt = startRuntime(() => true);
    rt.deliver(call(1, 0, 'emitter', true));
    await until(() => rt.sent.some((m) => m.t === 'done'));
    expect(progress(rt.sent)).toEqual([]);
    const done = rt.sent.find((m) => m.t === 'done');
    expect(done?.t === 'done' && done.results[2]).toMatch(/^TypeError: reportProgress\(\): the value cannot be sent to the caller: an EventEmitter/);
  });
});

describe('worker runtime: results a task made hostile', () => {
  /** The results sent so far, `[id, status, value]` each, once the runtime has `n` of them. */
  async function results(rt: ReturnType<typeof startRuntime>, n: number): Promise<unknown[][]> {
    const all = (): unknown[] => rt.sent.flatMap((m) => (m.t === 'done' ? m.results : []));
    for (let i = 0; i < 200 && all().length < 3 * n; i++) await settle();
    const r = all();
    return Array.from({ length: r.length / 3 }, (_, i) => r.slice(3 * i, 3 * i + 3));
  }
  const source = (name: string, src: string) => ({ kind: 'source', source: src, name }) as const;

  it('a native promise with a then of its own settles the call by its state, as await reads it, and the next call runs', async () => {
    const rt = startRuntime(() => true);
    const neverCallsBack = source('neverCallsBack', '(x) => { const p = Promise.resolve(x); p.then = function () { return undefined; }; return p; }');
    const throwingThen = source('throwingThen', "(x) => { const p = Promise.resolve(x); p.then = function () { throw new Error('then threw'); }; return p; }");
    rt.deliver({ t: 'run', defs: [0, neverCallsBack, 1, throwingThen, 2, add], calls: [1, 0, CALL, [7], 2, 1, CALL, [8], 3, 2, CALL, [1, 2]] });
    expect(await results(rt, 3)).toEqual([
      [1, OK, 7],
      [2, OK, 8],
      [3, OK, 3],
    ]);
  });

  it("a result whose constructor getter throws fails its call with that error (plain, async and in a chunk); the worker goes on", async () => {
    const rt = startRuntime(() => true);
    const hostile = "{ get constructor() { throw new Error('constructor getter threw'); } }";
    const plain = source('plain', `() => (${hostile})`);
    const later = source('later', `async () => (${hostile})`);
    const item = source('item', `(x) => (x === 2 ? ${hostile} : x)`);
    rt.deliver({ t: 'run', defs: [0, plain, 1, later, 2, item, 3, add], calls: [1, 0, CALL, [], 2, 1, CALL, [], 3, 2, CHUNK, [[1, 2, 3]], 4, 3, CALL, [2, 2]] });
    const r = await results(rt, 4);
    expect(r.map(([id, status]) => [id, status])).toEqual([
      [1, ERROR],
      [2, ERROR],
      [3, ERROR],
      [4, OK],
    ]);
    for (const [, , error] of r.slice(0, 3)) expect((error as { message?: string }).message).toBe('constructor getter threw');
    expect(r[3][2]).toBe(4);
  });
});
