import { expect, it, vi } from 'vitest';
import { AnswerWatch } from './answer-watch.js';

it('AnswerWatch is late only while a command waits past its limit, counted from the oldest one still waiting', async () => {
  const watch = new AnswerWatch(1000);
  const t0 = Date.now();
  expect(watch.late(t0 + 5000)).toBe(false);
  let answer!: () => void;
  const first = watch.track(new Promise<void>((resolve) => (answer = resolve)));
  void watch.track(new Promise<void>(() => {}));
  expect(watch.late()).toBe(false);
  expect(watch.late(Date.now() + 1000)).toBe(true);
  answer();
  await first;
  // The second still waits, sent at about the same time.
  expect(watch.late(Date.now() + 1000)).toBe(true);
  watch.restart();
  expect(watch.late(Date.now() + 500)).toBe(false);
  const failing = watch.track(Promise.reject(new Error('closed')));
  await expect(failing).rejects.toThrow('closed');

  // Commands that overlap, each answered in time: none is late, however long the run (one clock per command).
  vi.useFakeTimers({ toFake: ['Date'] });
  try {
    vi.setSystemTime(0);
    const watch2 = new AnswerWatch(1000);
    let answerA!: () => void;
    const a = watch2.track(new Promise<void>((resolve) => (answerA = resolve)));
    vi.setSystemTime(600);
    void watch2.track(new Promise<void>(() => {}));
    answerA();
    await a;
    vi.setSystemTime(1200);
    expect(watch2.late()).toBe(false);
    vi.setSystemTime(1600);
    expect(watch2.late()).toBe(true);
  } finally {
    vi.useRealTimers();
  }
});
