import { readdirSync } from 'node:fs';
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

  it('never judges a call shorter than it ran: waits between the reading and the call are not taken off it', () => {
    const waits = fakeWaits();
    const clock = new CallClock(waits.read);
    clock.starting(0);
    // Tiny calls wait 4.5 ms for a core in all; the next call starts within CHECKPOINT_MS of the reading.
    waits.ms += 4.5;
    const start = CHECKPOINT_MS - 0.1;
    clock.starting(start);
    expect(waits.reads).toBe(1);
    // It runs 4.6 ms and waits for nothing: 4.6 ms, not short.
    expect(clock.ranFor(4.6, start + 4.6)).toBeCloseTo(4.6);
    // A call that waited 20 ms within its 20.06 ms: only what exceeds the gap since the reading comes off.
    clock.starting(30);
    waits.ms += 20;
    expect(clock.ranFor(20.06, 30 + 20.06)).toBeCloseTo(0.06);
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
    // The 40 ms blocked are not taken off: only the wait to get a core back after it can come off
    // (on a loaded machine that wait alone can pass 20 ms, so it is not bounded here).
    expect(clock.ranFor(end - start, end)).toBeGreaterThanOrEqual(39);
  });

  it('keeps no descriptor open: a process that starts and ends many runtimes (a socket worker serves one per connection) leaks none', () => {
    if (process.platform !== 'linux') return;
    const open = () => readdirSync('/proc/self/fd').length;
    const before = open();
    for (let i = 0; i < 20; i++) {
      const read = threadWaitReader()!;
      expect(Number.isFinite(read())).toBe(true);
    }
    expect(open()).toBe(before);
  });
});
