import { expect, it } from 'vitest';
import { AnswerWatch } from './answer-watch.js';

it('AnswerWatch is late only while a command waits past its limit, counted from the oldest one', async () => {
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
  // The second still waits: the clock runs from the first's send, as replies come in order.
  expect(watch.late(Date.now() + 1000)).toBe(true);
  watch.restart();
  expect(watch.late(Date.now() + 500)).toBe(false);
  const failing = watch.track(Promise.reject(new Error('closed')));
  await expect(failing).rejects.toThrow('closed');
});
