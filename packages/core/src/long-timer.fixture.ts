/**
 * Test fixture (not part of the package): drives fake timers through a
 * 30-day timeout, the case Node's timers get wrong (they fire a delay past
 * 2³¹−1 ms after 1 ms).
 */
import { expect, vi } from 'vitest';

export const THIRTY_DAYS = 30 * 86_400_000;

/**
 * Advances the fake clock by 1 ms, then past 2³¹ ms, then to 1 ms short of
 * 30 days, checking each time that `fired()` is still false; then by the
 * last millisecond, after which it must be true.
 */
export async function expectFiresAtThirtyDays(fired: () => boolean): Promise<void> {
  for (const step of [1, 2 ** 31, THIRTY_DAYS - 2 ** 31 - 2]) {
    await vi.advanceTimersByTimeAsync(step);
    expect(fired()).toBe(false);
  }
  await vi.advanceTimersByTimeAsync(1);
  expect(fired()).toBe(true);
}
