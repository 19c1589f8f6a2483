import { describe, expect, it } from 'vitest';
import { roundOrder } from './session.js';

describe('roundOrder', () => {
  const rows = Array.from({ length: 13 }, (_, i) => i);

  it('visits every row once in each round', () => {
    for (let r = 0; r < 20; r++) expect([...roundOrder(rows, r)].sort((a, b) => a - b)).toEqual(rows);
  });

  it('is the same for the same round, so runs are comparable', () => {
    expect(roundOrder(rows, 5)).toEqual(roundOrder(rows, 5));
    expect(roundOrder(rows, 5)).not.toEqual(roundOrder(rows, 6));
  });

  it('puts each row behind different neighbours from round to round (a rotation never does)', () => {
    for (const row of rows) {
      const before = new Set<number | undefined>();
      for (let r = 0; r < 15; r++) {
        const order = roundOrder(rows, r);
        before.add(order[order.indexOf(row) - 1]);
      }
      expect(before.size).toBeGreaterThan(5);
    }
  });

  it('leaves its input alone', () => {
    const input = [1, 2, 3];
    roundOrder(input, 0);
    expect(input).toEqual([1, 2, 3]);
  });
});
