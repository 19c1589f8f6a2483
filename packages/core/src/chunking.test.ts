import { describe, expect, it } from 'vitest';
import { AdaptiveChunker, MAX_GROWTH, OUTLIER_GUARD_ITEM_MS, OUTLIER_TARGET_MS, PER_WORKER, SKEW_TARGET_MS, TARGET_CHUNK_MS, WINDOW, type ChunkTiming } from './chunking.js';

/** A fake clock and a way to run chunks through the chunker one after another, each taking `msPerItem` per item. */
function harness(workers: number) {
  let now = 0;
  const chunker = new AdaptiveChunker(() => now, workers);
  const chunk = (size: number, running = true): ChunkTiming => ({ size, running: () => running });
  /** Submits one chunk of the size the chunker asks for, lets it run, and finishes it; returns its size. */
  const step = (msPerItem: number, remaining = Infinity): number => {
    const c = chunk(chunker.nextSize(remaining));
    chunker.submitted(c);
    now += (c.size * msPerItem) / workers;
    chunker.finished(c, [c]);
    return c.size;
  };
  /** Submits `chunks` together, lets `ms` pass, and finishes the first of them with all of them in flight. */
  const runTogether = (chunks: ChunkTiming[], ms: number): void => {
    for (const c of chunks) chunker.submitted(c);
    now += ms;
    chunker.finished(chunks[0], chunks);
  };
  return { chunker, chunk, step, runTogether, advance: (ms: number) => (now += ms) };
}

describe('AdaptiveChunker', () => {
  it('starts with one item and grows at most MAX_GROWTH× the largest finished size per step', () => {
    const { chunker, step } = harness(1);
    expect(chunker.nextSize(Infinity)).toBe(1);
    const sizes = Array.from({ length: 6 }, () => step(0.0001));
    expect(sizes[0]).toBe(1);
    for (let i = 1; i < sizes.length; i++) expect(sizes[i]).toBeLessThanOrEqual(sizes[i - 1] * MAX_GROWTH);
    expect(sizes[5]).toBeGreaterThan(sizes[4]);
  });

  it('settles on about TARGET_CHUNK_MS of work per chunk', () => {
    const { step } = harness(2);
    // A power of two, so the fake clock's sums are exact and the size is exactly the target's.
    const msPerItem = 2 ** -7;
    let size = 0;
    for (let i = 0; i < 40; i++) size = step(msPerItem);
    expect(size).toBe(Math.floor(TARGET_CHUNK_MS / msPerItem));
  });

  it('sends items that take longer than the target one by one', () => {
    const { step } = harness(2);
    const sizes = Array.from({ length: 20 }, () => step(TARGET_CHUNK_MS * 2));
    expect(new Set(sizes)).toEqual(new Set([1]));
  });

  it('shrinks when items turn slow, within a window of chunks', () => {
    const { step } = harness(1);
    for (let i = 0; i < 40; i++) step(0.01);
    for (let i = 0; i < WINDOW + 2; i++) step(1);
    expect(step(1)).toBeLessThanOrEqual(Math.ceil(TARGET_CHUNK_MS / 1));
  });

  it('after slow items, a run of fast ones does not make chunks that could hold several slow ones (skewed input)', () => {
    const { step } = harness(2);
    for (let i = 0; i < 20; i++) step(TARGET_CHUNK_MS * 2.5);
    // A window's worth of fast items alone would aim at hundreds of items per chunk.
    const sizes = Array.from({ length: WINDOW + 2 }, () => step(0.01));
    expect(Math.max(...sizes)).toBe(1);
  });

  it('while items average over a millisecond, a chunk holds only SKEW_TARGET_MS of them: two huge items a few apart do not share one', () => {
    const { step } = harness(2);
    // 1.25 ms per item: the full target would make chunks of 9; items of real files that average this
    // include a few of hundreds of ms, and two of them six apart would share such a chunk.
    const sizes = Array.from({ length: 40 }, () => step(1.25));
    expect(Math.max(...sizes)).toBe(Math.floor(SKEW_TARGET_MS / 1.25));
  });

  it('after a chunk that ran far past its aim (an outlier item among small ones), chunks hold only OUTLIER_TARGET_MS of the average item', () => {
    const { chunker, chunk, step, advance } = harness(2);
    // A power of two, so the fake clock's sums are exact; over OUTLIER_GUARD_ITEM_MS.
    const msPerItem = 2 ** -4;
    expect(msPerItem).toBeGreaterThan(OUTLIER_GUARD_ITEM_MS);
    for (let i = 0; i < 40; i++) step(msPerItem);
    const before = chunker.nextSize(Infinity);
    expect(before).toBe(Math.floor(TARGET_CHUNK_MS / msPerItem));
    // One chunk of them held a 100 ms item: small items before and after it no longer make chunks that could hold two.
    const held = chunk(before);
    chunker.submitted(held);
    advance(100);
    chunker.finished(held, [held]);
    const after = Array.from({ length: 3 * WINDOW }, () => step(msPerItem));
    expect(Math.max(...after)).toBeLessThanOrEqual(Math.floor(OUTLIER_TARGET_MS / msPerItem));
  });

  it('tiny items (averaging under OUTLIER_GUARD_ITEM_MS) are not held back by an outlier (a pause looks like one)', () => {
    const { chunker, chunk, step, advance } = harness(2);
    const msPerItem = 2 ** -10;
    for (let i = 0; i < 40; i++) step(msPerItem);
    const full = Math.floor(TARGET_CHUNK_MS / msPerItem);
    const held = chunk(chunker.nextSize(Infinity));
    chunker.submitted(held);
    advance(100);
    chunker.finished(held, [held]);
    let size = 0;
    for (let i = 0; i < 3 * WINDOW; i++) size = step(msPerItem);
    expect(size).toBe(full);
  });

  it('near the end takes a share of the items left, so the tail spreads over the workers', () => {
    const { chunker, step } = harness(2);
    for (let i = 0; i < 40; i++) step(0.001);
    const full = chunker.nextSize(Infinity);
    expect(full).toBe(Math.floor(TARGET_CHUNK_MS / 0.001));
    // 4,000 items left, 2 workers: at most a quarter of them, but not below a quarter of the full size.
    expect(chunker.nextSize(4_000)).toBe(Math.max(1_000, Math.floor(full / 4)));
    expect(chunker.nextSize(full * 100)).toBe(full);
    expect(chunker.nextSize(3)).toBe(3);
  });

  it('keeps PER_WORKER chunks per worker in flight and learns the workers from long single calls once a window has finished', () => {
    const { chunker, chunk, step, runTogether } = harness(2);
    expect(chunker.inFlightLimit()).toBe(PER_WORKER * 2);
    // While starting up, a long call says nothing about the workers (this thread may have been busy).
    const early = Array.from({ length: 5 }, () => chunk(1));
    runTogether(early, 50);
    expect(chunker.inFlightLimit()).toBe(PER_WORKER * 2);
    for (let i = 0; i < WINDOW; i++) step(TARGET_CHUNK_MS * 4);
    // Five long calls all seen running at once, none waiting: there may be more workers than that; try twice as many.
    const five = Array.from({ length: 5 }, () => chunk(1));
    runTogether(five, 50);
    expect(chunker.inFlightLimit()).toBe(PER_WORKER * 2 * 5);
    // Three running and two still queued: three workers.
    const mixed = [chunk(1), chunk(1), chunk(1), chunk(1, false), chunk(1, false)];
    runTogether(mixed, 50);
    expect(chunker.inFlightLimit()).toBe(PER_WORKER * 3);
  });

  it('does not take a call dispatched ahead behind a long one for another worker', () => {
    const { chunker, chunk, step, runTogether } = harness(2);
    // Short items: the pool dispatches further calls ahead, so all four in flight are RUNNING.
    for (let i = 0; i < 3 * WINDOW; i++) step(0.01);
    for (let i = 0; i < 3; i++) {
      const four = [chunk(1), chunk(1), chunk(1), chunk(1)];
      runTogether(four, 50);
    }
    // Two workers, however long the calls that just finished took.
    expect(chunker.inFlightLimit()).toBe(PER_WORKER * 2);
  });

  it('does not count chunks held far past their time (behind a long call on their worker) against the limit, up to one more per worker', () => {
    const { chunker, chunk, step, advance } = harness(2);
    // Items that take 1 ms of a worker's time each, one by one.
    for (let i = 0; i < WINDOW; i++) step(TARGET_CHUNK_MS * 2);
    const msPerItem = TARGET_CHUNK_MS * 2;
    const held = Array.from({ length: PER_WORKER * 2 }, () => chunk(1));
    for (const c of held) chunker.submitted(c);
    expect(chunker.mayLaunch(held, held.length)).toBe(false);
    // Within four times their time, plus slack: still counted.
    advance(4 * msPerItem);
    expect(chunker.mayLaunch(held, held.length)).toBe(false);
    // Far past it: one more may go, to a worker that is not holding them.
    advance(10);
    expect(chunker.mayLaunch(held, held.length)).toBe(true);
    // Every worker held: at most one more each than the limit, however overdue.
    const many = Array.from({ length: PER_WORKER * 2 + 2 }, () => chunk(1));
    for (const c of many) chunker.submitted(c);
    advance(1_000);
    expect(chunker.mayLaunch(many, many.length)).toBe(false);
  });
});
