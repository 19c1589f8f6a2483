import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { carriedTransfers } from './carried-transfers.js';

describe('carriedTransfers', () => {
  it("keeps only the list's items that the values carry: directly, as a view's buffer, in arrays and plain objects", () => {
    const [a, b, c, d] = [new ArrayBuffer(1), new ArrayBuffer(2), new ArrayBuffer(3), new ArrayBuffer(4)];
    const { port1, port2 } = new MessageChannel();
    const list = [a, b, c, d, port1];
    expect(carriedTransfers(list, [a])).toEqual([a]);
    expect(carriedTransfers(list, [new Uint8Array(b), { x: [new DataView(c)] }, port1])).toEqual([b, c, port1]);
    expect(carriedTransfers(list, [1, 'x', null, new ArrayBuffer(1)])).toBeUndefined();
    port1.close();
    port2.close();
  });

  it('stops at a depth bound and at objects that are not plain, and survives cycles and throwing getters', () => {
    const a = new ArrayBuffer(1);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const throwing = { get boom(): never { throw new Error('getter'); }, data: a };
    class Box {
      constructor(readonly inside: ArrayBuffer) {}
    }
    expect(carriedTransfers([a], [cyclic])).toBeUndefined();
    expect(carriedTransfers([a], [new Box(a)])).toBeUndefined();
    expect(carriedTransfers([a], [[[[[[a]]]]]])).toBeUndefined();
    expect(carriedTransfers([a], [throwing])).toEqual([a]);
  });
});
