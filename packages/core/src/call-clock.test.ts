import { describe, expect, it } from 'vitest';
import { CallClock, CHECKPOINT_MS, threadWaitReader } from './call-clock.js';

/** A wait clock the test moves by hand, counting its readings. */
function fakeWaits() {
  const clock = { ms: 0, reads: 0, read: () => (clock.reads++, clock.ms) };
  return clock;
}

describe('CallClock', () => {
  it('takes out of a call the time its thread waited for a core', () => {
    const waits = fakeWaits();
    const clock = new CallClock(waits.read);
    clock.starting(100);
    // 30 ms by the wall, of which 29.95 ms waiting for a core: it ran 0.05 ms.
    waits.ms += 29.95;
    expect(clock.ranFor(30, 130)).toBeCloseTo(0.05);
    // 30 ms by the wall and no wait: it ran 30 ms.
    clock.starting(131);
    expect(clock.ranFor(30, 161)).toBe(30);
  });

  it('reads the clock at most once a checkpoint before calls, and after each call it judges', () => {
    const waits = fakeWaits();
    const clock = new CallClock(waits.read);
    clock.starting(0);
    expect(waits.reads).toBe(1);
    // Tiny calls within CHECKPOINT_MS of the reading: no reading.
    for (let t = 0.01; t < CHECKPOINT_MS; t += 0.01) clock.starting(t);
    expect(waits.reads).toBe(1);
    clock.starting(CHECKPOINT_MS + 0.5);
    expect(waits.reads).toBe(2);
    waits.ms += 2;
    expect(clock.ranFor(5, CHECKPOINT_MS + 5.5)).toBe(3);
    expect(waits.reads).toBe(3);
    // Waits never make a running time negative (some may come from just before the call).
    waits.ms += 10;
    expect(clock.ranFor(5, CHECKPOINT_MS + 6)).toBe(0);
  });

  it('without a clock (or a reading) the wall time stands', () => {
    expect(new CallClock(undefined).ranFor(30, 30)).toBe(30);
    // No reading before the call.
    expect(new CallClock(() => 0).ranFor(30, 30)).toBe(30);
    const failing = new CallClock(() => undefined);
    failing.starting(0);
    expect(failing.ranFor(30, 30)).toBe(30);
  });

  it("on Linux reads this thread's waits, which blocking of its own accord does not add to", () => {
    const read = threadWaitReader();
    if (process.platform !== 'linux') {
      expect(read).toBeUndefined();
      return;
    }
    expect(read).toBeDefined();
    const before = read!()!;
    expect(Number.isFinite(before)).toBe(true);
    const clock = new CallClock(read);
    const start = performance.now();
    clock.starting(start);
    // Blocked 40 ms, as a call in synchronous I/O: that is time the call held its worker.
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 40);
    const end = performance.now();
    expect(read!()!).toBeGreaterThanOrEqual(before);
    // Only the wait to get a core back after it can come off (far less than the 20 ms that judges a call long).
    expect(clock.ranFor(end - start, end)).toBeGreaterThan(end - start - 20);
  });
});
