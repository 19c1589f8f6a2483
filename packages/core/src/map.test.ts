import { describe, expect, it } from 'vitest';
import { InlineExecutor } from './inline-executor.js';

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
