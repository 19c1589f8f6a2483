import { describe, expect, it } from 'vitest';
import { Queue } from './queue.js';

/** A queue holding `items` front to back. */
function queueOf<T>(items: Iterable<T>): Queue<T> {
  const q = new Queue<T>();
  for (const item of items) q.push(item);
  return q;
}

function range(n: number, from = 0): number[] {
  return Array.from({ length: n }, (_, i) => from + i);
}

/** Everything left, by shifting until empty. */
function drain<T>(q: Queue<T>): T[] {
  const out: T[] = [];
  while (q.length > 0) out.push(q.shift() as T);
  return out;
}

describe('Queue', () => {
  it('is empty at first: length 0, shift and peek give undefined', () => {
    const q = new Queue<number>();
    expect(q.length).toBe(0);
    expect(q.shift()).toBeUndefined();
    expect(q.peek()).toBeUndefined();
    expect([...q]).toEqual([]);
  });

  it('is first in, first out across many segments', () => {
    const q = queueOf(range(5000));
    expect(q.length).toBe(5000);
    expect(q.peek()).toBe(0);
    expect(drain(q)).toEqual(range(5000));
    expect(q.shift()).toBeUndefined();
  });

  it('iterates front to back without removing anything', () => {
    const q = queueOf(range(3000));
    q.shift();
    q.unshift(-1);
    expect([...q]).toEqual([-1, ...range(2999, 1)]);
    expect(q.length).toBe(3000);
  });

  it('unshift puts items back at the front, also past a full segment', () => {
    const q = queueOf([1, 2, 3]);
    q.unshift(0);
    expect(q.peek()).toBe(0);
    const front = range(2500, -2500); // -2500 .. -1
    for (let i = front.length - 1; i >= 0; i--) q.unshift(front[i]);
    expect(q.length).toBe(2504);
    expect(drain(q)).toEqual([...front, 0, 1, 2, 3]);
  });

  it('mixes push, shift and unshift like a reference array', () => {
    const q = new Queue<number>();
    const model: number[] = [];
    let seed = 12345;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let step = 0; step < 20_000; step++) {
      const r = random();
      if (r < 0.45) {
        q.push(step);
        model.push(step);
      } else if (r < 0.6) {
        q.unshift(step);
        model.unshift(step);
      } else {
        expect(q.shift()).toBe(model.shift());
      }
      expect(q.length).toBe(model.length);
    }
    expect([...q]).toEqual(model);
  });

  it('keeps memory bounded by the backlog, not by how many items passed through', () => {
    const q = new Queue<number>();
    for (let i = 0; i < 100; i++) q.push(i);
    for (let i = 100; i < 1_000_000; i++) {
      q.push(i);
      q.shift();
    }
    expect(q.length).toBe(100);
    expect(q.capacity).toBeLessThanOrEqual(2048);
    expect(q.peek()).toBe(1_000_000 - 100);
  });

  it('gives back the segments of a drained backlog', () => {
    const q = queueOf(range(100_000));
    expect(q.capacity).toBeGreaterThanOrEqual(100_000);
    drain(q);
    expect(q.capacity).toBeLessThanOrEqual(1024);
  });

  it('does not keep references to shifted items', () => {
    // A shifted slot is cleared: iterating sees only live items, and a
    // segment reused after wrap-around holds nothing stale.
    const q = new Queue<object>();
    const a = {};
    q.push(a);
    q.shift();
    q.push({});
    expect([...q]).not.toContain(a);
  });

  describe('remove', () => {
    it('removes the first occurrence and keeps the order of the rest', () => {
      const q = queueOf(['a', 'b', 'c', 'b']);
      expect(q.remove('b')).toBe(true);
      expect([...q]).toEqual(['a', 'c', 'b']);
      expect(q.length).toBe(3);
      expect(q.remove('x')).toBe(false);
      expect(q.length).toBe(3);
    });

    it('removes from any segment, and the queue stays usable', () => {
      const q = queueOf(range(3000));
      expect(q.remove(0)).toBe(true);
      expect(q.remove(1500)).toBe(true);
      expect(q.remove(2999)).toBe(true);
      q.push(3000);
      q.unshift(-1);
      expect(drain(q)).toEqual([-1, ...range(3000).filter((n) => n !== 0 && n !== 1500 && n !== 2999), 3000]);
    });

    it('drops a segment it empties', () => {
      const q = queueOf(range(2048 + 1)); // two full segments and one item
      const before = q.capacity;
      for (const n of range(1024, 1024)) expect(q.remove(n)).toBe(true); // empties the middle segment
      expect(q.capacity).toBe(before - 1024);
      expect(drain(q)).toEqual([...range(1024), 2048]);
      q.push(1);
      expect(q.shift()).toBe(1);
    });

    it('removing the last item leaves an empty, usable queue', () => {
      const q = queueOf([7]);
      expect(q.remove(7)).toBe(true);
      expect(q.length).toBe(0);
      expect(q.peek()).toBeUndefined();
      q.unshift(8);
      q.push(9);
      expect(drain(q)).toEqual([8, 9]);
    });
  });

  it('clear empties it', () => {
    const q = queueOf(range(5000));
    q.clear();
    expect(q.length).toBe(0);
    expect(q.capacity).toBe(1024);
    expect(q.shift()).toBeUndefined();
  });
  it('at(i) reads the i-th item from the front, across segments, without removing it', () => {
    const q = queueOf(range(3000));
    q.shift();
    q.unshift(-1);
    expect(q.at(0)).toBe(-1);
    expect(q.at(1)).toBe(1);
    expect(q.at(1500)).toBe(1500);
    expect(q.at(2999)).toBe(2999);
    expect(q.at(3000)).toBeUndefined();
    expect(q.at(-1)).toBeUndefined();
    expect(q.length).toBe(3000);
  });
});
