import { describe, expect, it } from 'vitest';
import { PER_WORKER } from './chunking.js';
import { Future } from './future.js';
import { InlineExecutor } from './inline-executor.js';
import { mapCalls, type MapHost } from './map.js';

async function* slowly<T>(items: T[]): AsyncGenerator<T> {
  for (const item of items) {
    await new Promise((resolve) => setImmediate(resolve));
    yield item;
  }
}

describe('map(...).toArray()', () => {
  it('collects every result in input order, from sync and async inputs', async () => {
    const ex = new InlineExecutor({ maxWorkers: 3 });
    const delayed = async (ms: number, tag: string) => {
      await new Promise((resolve) => setTimeout(resolve, ms));
      return `${tag}${ms}`;
    };
    expect(await ex.map(delayed, [20, 0, 10], ['a', 'b', 'c']).toArray()).toEqual(['a20', 'b0', 'c10']);
    expect(await ex.map((x: number) => x * 2, slowly([1, 2, 3]), { chunksize: 2 }).toArray()).toEqual([2, 4, 6]);
    expect(await ex.map((x: number) => x, []).toArray()).toEqual([]);
    await ex.shutdown();
  });

  it('rejects with the first failed call and cancels the calls not started', async () => {
    const ex = new InlineExecutor({ maxWorkers: 1 });
    const started: number[] = [];
    const task = async (x: number) => {
      started.push(x);
      await new Promise((resolve) => setImmediate(resolve));
      if (x === 2) throw new RangeError(`bad ${x}`);
      return x;
    };
    await expect(ex.map(task, [1, 2, 3, 4, 5]).toArray()).rejects.toThrow('bad 2');
    await ex.shutdown();
    // 3 may have started while the failure of 2 was on its way to the consumer; 4 and 5 never do.
    expect(started.slice(0, 2)).toEqual([1, 2]);
    expect(started).not.toContain(4);
    expect(started).not.toContain(5);
  });

  it('rejects with TimeoutError when map\'s timeout passes', async () => {
    const ex = new InlineExecutor();
    let release!: () => void;
    const never = (_: number) => new Promise<void>((resolve) => (release = resolve));
    await expect(ex.map(never, [1], { timeout: 10 }).toArray()).rejects.toMatchObject({ name: 'TimeoutError' });
    release();
    await ex.shutdown();
  });
});

describe('map() is not a sync iterable', () => {
  it('Array.from, spreading and for...of throw a TypeError that says what to write', async () => {
    const ex = new InlineExecutor();
    const it = ex.map((x: number) => x, [1, 2]) as unknown as Iterable<number>;
    expect(() => Array.from(it)).toThrow(TypeError);
    expect(() => Array.from(it)).toThrow(/async iterator.*for await.*toArray\(\)/);
    expect(() => [...it]).toThrow(/toArray\(\)/);
    expect(() => {
      for (const x of it) void x;
    }).toThrow(TypeError);
    // The mistake loses nothing: the results are still there.
    expect(await (it as unknown as AsyncIterable<number> & { toArray(): Promise<number[]> }).toArray()).toEqual([1, 2]);
    await ex.shutdown();
  });
});

/**
 * A host that records what map submits: each call or chunk is a Future this
 * test settles, so the chunk sizes follow a fake clock, not the machine.
 */
function recordingHost(options: { adaptive?: boolean; workers?: number } = {}) {
  let now = 0;
  const sent: { size: number; chunk: boolean; future: Future<unknown>; items: unknown[][] }[] = [];
  const flushes = new Set<() => void>();
  const host: MapHost = {
    call(args) {
      const future = new Future<unknown>();
      sent.push({ size: 1, chunk: false, future, items: args.map((a) => [a]) });
      return future;
    },
    chunk(columns) {
      const future = new Future<unknown[]>();
      sent.push({ size: columns[0].length, chunk: true, future: future as Future<unknown>, items: columns });
      return future;
    },
    adaptive: options.adaptive ?? true,
    workers: options.workers,
    beforeShutdown(flush) {
      flushes.add(flush);
      return () => flushes.delete(flush);
    },
    now: () => now,
  };
  /** Runs every unsettled call as `fn` (sum of its arguments), each taking `msPerItem` per item on the fake clock. */
  const settleAll = (msPerItem = 0.001, fn = (...a: number[]) => a.reduce((x, y) => x + y, 0)) => {
    for (const s of sent) {
      if (s.future.done()) continue;
      s.future.setRunningOrNotifyCancel();
      now += s.size * msPerItem;
      const results = Array.from({ length: s.size }, (_, j) => fn(...s.items.map((column) => column[j] as number)));
      s.future.setResult(s.chunk ? results : results[0]);
    }
  };
  return { host, sent, flushes, settleAll };
}

/** Reads `it` to the end, settling calls whenever map waits for them. */
async function drive(it: AsyncIterator<unknown>, settle: () => void): Promise<unknown[]> {
  const out: unknown[] = [];
  let next: Promise<IteratorResult<unknown>> | undefined;
  for (;;) {
    settle();
    next ??= it.next();
    const r = await Promise.race([next, new Promise<'blocked'>((resolve) => setImmediate(() => resolve('blocked')))]);
    if (r === 'blocked') continue;
    next = undefined;
    if (r.done) return out;
    out.push(r.value);
  }
}

describe('map chunk sizes', () => {
  it('an explicit chunksize is exact, and every chunk is submitted before map returns', () => {
    const { host, sent } = recordingHost();
    const xs = Array.from({ length: 30 }, (_, i) => i);
    mapCalls(host, [xs], { chunksize: 7 });
    expect(sent.map((s) => s.size)).toEqual([7, 7, 7, 7, 2]);
    expect(sent.flatMap((s) => s.items[0])).toEqual(xs);
    const ones = recordingHost();
    mapCalls(ones.host, [xs], { chunksize: 1 });
    expect(ones.sent.map((s) => s.size)).toEqual(xs.map(() => 1));
  });

  it('without chunksize starts with single calls, a few in flight, then grows the chunks; results stay in order', async () => {
    const { host, sent, settleAll } = recordingHost();
    const xs = Array.from({ length: 50_000 }, (_, i) => i);
    const it = mapCalls(host, [xs, xs], {});
    const first = sent.map((s) => s.size);
    expect(first.every((n) => n === 1)).toBe(true);
    expect(first.length).toBeGreaterThan(1);
    expect(first.length).toBeLessThan(50);
    const out = await drive(it, () => settleAll());
    expect(out).toEqual(xs.map((x) => 2 * x));
    const sizes = sent.map((s) => s.size);
    expect(Math.max(...sizes)).toBeGreaterThan(100);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(xs.length);
  });

  it("keeps PER_WORKER calls in flight per worker of the executor's (its maxWorkers), not this machine's count", () => {
    const xs = Array.from({ length: 100 }, (_, i) => i);
    for (const workers of [1, 5]) {
      const { host, sent } = recordingHost({ workers });
      mapCalls(host, [xs], {});
      expect(sent.map((s) => s.size)).toEqual(Array.from({ length: PER_WORKER * workers }, () => 1));
    }
  });

  it('sends slow items one by one', async () => {
    const { host, sent, settleAll } = recordingHost();
    const xs = Array.from({ length: 40 }, (_, i) => i);
    const out = await drive(mapCalls(host, [xs], {}), () => settleAll(50));
    expect(out).toEqual(xs);
    expect(new Set(sent.map((s) => s.size))).toEqual(new Set([1]));
  });

  it('without chunksize reads async inputs in order', async () => {
    const { host, settleAll } = recordingHost();
    const xs = Array.from({ length: 500 }, (_, i) => i);
    const out = await drive(mapCalls(host, [slowly(xs)], {}), () => settleAll());
    expect(out).toEqual(xs);
  });

  it('an in-thread host (adaptive: false) sends every item at once, one per call', () => {
    const { host, sent } = recordingHost({ adaptive: false });
    mapCalls(host, [[1, 2, 3, 4]], {});
    expect(sent.map((s) => s.size)).toEqual([1, 1, 1, 1]);
  });

  it('before the executor shuts down, every item read is submitted (so shutdown runs them)', () => {
    const { host, sent, flushes } = recordingHost();
    const xs = Array.from({ length: 1_000 }, (_, i) => i);
    mapCalls(host, [xs], {});
    expect(sent.length).toBeLessThan(xs.length);
    expect(flushes.size).toBe(1);
    for (const flush of flushes) flush();
    expect(sent.flatMap((s) => s.items[0])).toEqual(xs);
  });

  it('a failed call stops further submissions, and the iterator throws it in its place', async () => {
    const { host, sent, settleAll } = recordingHost();
    const xs = Array.from({ length: 10_000 }, (_, i) => i);
    const it = mapCalls(host, [xs], {});
    const out: unknown[] = [];
    sent[0].future.setResult(0);
    out.push((await it.next()).value);
    // Fail the next unsettled call: nothing is submitted after it.
    const victim = sent.find((s) => !s.future.done())!;
    victim.future.setException(new RangeError('bad item'));
    const count = sent.length;
    settleAll();
    await expect(drive(it, () => settleAll())).rejects.toThrow('bad item');
    expect(sent.length).toBe(count);
    expect(out).toEqual([0]);
  });

  it('a consumer that stops early cancels the calls not started and submits no more', async () => {
    const { host, sent, settleAll, flushes } = recordingHost();
    const xs = Array.from({ length: 10_000 }, (_, i) => i);
    const it = mapCalls(host, [xs], {});
    sent[0].future.setResult(0);
    expect((await it.next()).value).toBe(0);
    await it.return!();
    expect(sent.filter((s) => !s.future.done()).length).toBe(0);
    expect(sent.some((s) => s.future.cancelled())).toBe(true);
    const count = sent.length;
    settleAll();
    expect(sent.length).toBe(count);
    expect(flushes.size).toBe(0);
  });
});
