import { describe, expect, it } from 'vitest';
import { PRIVATE_COPY_BYTES, withPrivateCopies } from './private-copies.js';

const BIG = PRIVATE_COPY_BYTES;

/** What the receiving thread gets: `slots` cloned with `transfer` moved. */
function deliver(slots: unknown[], transfer: unknown[]): unknown[] {
  return structuredClone(slots, { transfer: transfer as never });
}

describe('withPrivateCopies', () => {
  it('leaves slots without a big buffer alone, allocating nothing', () => {
    expect(withPrivateCopies([1, 2, 0, 1, 'text', { a: 1 }, new Uint8Array(BIG - 1), null], undefined)).toBeUndefined();
  });

  it('replaces a big typed array with a view of the same type, offset and length over a moved copy of its whole buffer', () => {
    const buffer = new ArrayBuffer(BIG * 2);
    const view = new Float64Array(buffer, 8, 100);
    view.fill(2.5);
    const slots = [7, 0, view];
    const copied = withPrivateCopies(slots, undefined);
    expect(copied).toBeDefined();
    const { slots: out, transfer } = copied!;
    expect(slots[2]).toBe(view); // The caller's slots are unchanged...
    expect(out[0]).toBe(7);
    expect(out[2]).not.toBe(view);
    expect(transfer).toEqual([(out[2] as Float64Array).buffer]);
    const [, , got] = deliver(out, transfer) as [number, number, Float64Array];
    expect(got).toBeInstanceOf(Float64Array);
    expect([got.byteOffset, got.length, got.buffer.byteLength]).toEqual([8, 100, BIG * 2]);
    expect(got.every((x) => x === 2.5)).toBe(true);
    // ...and so are its buffer and bytes (structured clone alone gives the same).
    expect(buffer.byteLength).toBe(BIG * 2);
    expect(view[99]).toBe(2.5);
    expect(deliver([view], [])[0]).toEqual(got);
  });

  it('copies a big ArrayBuffer and a DataView', () => {
    const buffer = new ArrayBuffer(BIG);
    new Uint8Array(buffer)[5] = 9;
    const dataView = new DataView(new ArrayBuffer(BIG), 4, 16);
    dataView.setInt32(0, -3);
    const { slots, transfer } = withPrivateCopies([buffer, dataView], undefined)!;
    expect(transfer).toHaveLength(2);
    const [b, d] = deliver(slots, transfer) as [ArrayBuffer, DataView];
    expect(new Uint8Array(b)[5]).toBe(9);
    expect(d).toBeInstanceOf(DataView);
    expect([d.byteOffset, d.byteLength, d.getInt32(0)]).toEqual([4, 16, -3]);
    expect(buffer.byteLength).toBe(BIG);
  });

  it('keeps identity as structured clone does: a view sent twice arrives once, two views of one buffer share one copy', () => {
    const buffer = new ArrayBuffer(BIG);
    const a = new Uint8Array(buffer, 0, 10);
    const b = new Int32Array(buffer, 16, 4);
    const { slots, transfer } = withPrivateCopies([a, a, b], undefined)!;
    expect(transfer).toHaveLength(1);
    const [x, y, z] = deliver(slots, transfer) as [Uint8Array, Uint8Array, Int32Array];
    expect(x).toBe(y);
    expect(z.buffer).toBe(x.buffer);
  });

  it('delivers a Buffer or a subclass as its base typed array, as structured clone does, without running the subclass\'s code', () => {
    let constructed = 0;
    class Tagged extends Uint8Array {
      constructor(length: number) {
        super(length);
        constructed++;
      }
      // Not what structured clone goes by, nor what the copy may go by.
      override get [Symbol.toStringTag](): 'Uint8Array' {
        return 'Float64Array' as 'Uint8Array';
      }
    }
    const big = Buffer.alloc(BIG, 1);
    const tagged = new Tagged(BIG);
    const { slots, transfer } = withPrivateCopies([big, tagged], undefined)!;
    const [x, y] = deliver(slots, transfer);
    expect(constructed).toBe(1);
    expect(Object.getPrototypeOf(x)).toBe(Uint8Array.prototype);
    expect(Object.getPrototypeOf(y)).toBe(Uint8Array.prototype);
    expect((y as Uint8Array).length).toBe(BIG);
    expect((x as Uint8Array)[BIG - 1]).toBe(1);
  });

  it('leaves to structured clone what must not be copied: a SharedArrayBuffer, a resizable buffer, a buffer the caller moves', () => {
    const shared = new Float64Array(new SharedArrayBuffer(BIG));
    const resizable = new (ArrayBuffer as unknown as new (n: number, o: { maxByteLength: number }) => ArrayBuffer)(BIG, { maxByteLength: BIG * 2 });
    const moved = new ArrayBuffer(BIG);
    const movedView = new Uint8Array(new ArrayBuffer(BIG));
    expect(withPrivateCopies([shared, resizable, moved, movedView], [moved, movedView.buffer])).toBeUndefined();
  });

  it('adds its copies to the caller\'s transfer list, which it keeps', () => {
    const moved = new ArrayBuffer(8);
    const { transfer } = withPrivateCopies([moved, new Uint8Array(BIG)], [moved])!;
    expect(transfer).toHaveLength(2);
    expect(transfer[0]).toBe(moved);
  });

  it('leaves a big buffer nested inside another value to structured clone', () => {
    expect(withPrivateCopies([[new Uint8Array(BIG)], { data: new Uint8Array(BIG) }], undefined)).toBeUndefined();
  });

  it('keeps one buffer one when it is also reachable from another object: such a message is cloned whole', () => {
    const view = new Uint8Array(BIG);
    expect(withPrivateCopies([1, 0, view, { v: view }], undefined)).toBeUndefined();
    expect(withPrivateCopies([1, 0, view.buffer, [view]], undefined)).toBeUndefined();
  });

  it('reads sizes, offsets and buffers through the built-in getters, never through what a subclass or the object redefined', () => {
    class Short extends Float64Array {
      override get length(): number {
        return 3;
      }
    }
    class Shifted extends Uint8Array {
      override get byteOffset(): number {
        return 7;
      }
    }
    class Elsewhere extends Uint8Array {
      override get buffer(): ArrayBuffer {
        return new Uint8Array(BIG).fill(7).buffer;
      }
    }
    class Lying extends ArrayBuffer {
      override get byteLength(): number {
        return BIG * 4;
      }
    }
    const ownLength = Object.defineProperty(new Uint8Array(BIG * 2), 'length', { value: 5 });
    const ownByteLength = Object.defineProperty(new DataView(new ArrayBuffer(BIG * 2)), 'byteLength', { value: 4 });
    const values = [new Short(BIG / 8), new Shifted(BIG), new Elsewhere(BIG).fill(1), ownLength, ownByteLength, new Lying(16)];
    const cloned = deliver(values, []);
    const copied = withPrivateCopies(values, undefined);
    const got = copied === undefined ? cloned : deliver(copied.slots, copied.transfer);
    const shape = (v: unknown) => (ArrayBuffer.isView(v) ? [v.constructor.name, v.byteOffset, v.byteLength, v.buffer.byteLength, new Uint8Array(v.buffer)[0]] : [(v as ArrayBuffer).byteLength]);
    expect(got.map(shape)).toEqual(cloned.map(shape));
    expect(got.map(shape)).toEqual([
      ['Float64Array', 0, BIG, BIG, 0],
      ['Uint8Array', 0, BIG, BIG, 0],
      ['Uint8Array', 0, BIG, BIG, 1],
      ['Uint8Array', 0, BIG * 2, BIG * 2, 0],
      ['DataView', 0, BIG * 2, BIG * 2, 0],
      [16],
    ]);
  });

  it('leaves an object made from ArrayBuffer.prototype (not a buffer) to structured clone', () => {
    expect(withPrivateCopies([Object.create(ArrayBuffer.prototype), new Uint8Array(BIG)], undefined)).toBeUndefined();
  });
});
