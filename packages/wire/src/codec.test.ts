import { Socket } from 'node:net';
import { isModuleNamespaceObject } from 'node:util/types';
import { RemoteError } from '@futures/core';
import { decodeError, encodeError } from '@futures/core/transport';
import { describe, expect, it } from 'vitest';
import { MessageCodec } from './codec.js';
import { encodeFrame, FrameReader } from './frames.js';

/** Encodes with one codec and decodes with another, across a real frame, as two processes do. */
function roundTrip<T>(value: T, threshold?: number): { back: T; attachments: number; bodyBytes: number } {
  const sender = new MessageCodec(threshold === undefined ? {} : { attachThreshold: threshold });
  const receiver = new MessageCodec();
  const { body, attachments } = sender.encode(value);
  const frame = encodeFrame(body, attachments, 1 << 30);
  let back: unknown;
  new FrameReader(1 << 30, (b, a) => (back = receiver.decode(b, a))).push(frame);
  return { back: back as T, attachments: attachments.length, bodyBytes: body.byteLength };
}

describe('MessageCodec: structured values', () => {
  it('keeps Map, Set, Date, BigInt, undefined, nested objects and arrays', () => {
    const value = {
      map: new Map<unknown, unknown>([['a', 1], [2, { b: [3] }]]),
      set: new Set([1, 'two']),
      date: new Date(1_700_000_000_123),
      small: 7n,
      big: -(2n ** 90n),
      nested: { deep: [{ deeper: null }], undef: undefined },
      large: 2 ** 52 + 1,
      text: 'héllo ✓',
    };
    const { back } = roundTrip(value);
    expect(back).toEqual(value);
    expect(back.map).toBeInstanceOf(Map);
    expect(back.set).toBeInstanceOf(Set);
    expect(back.date).toBeInstanceOf(Date);
    expect(typeof back.small).toBe('bigint');
  });

  it('keeps every typed array class, Buffer, ArrayBuffer and DataView', () => {
    const value = {
      i8: new Int8Array([-1, 2]),
      u8: new Uint8Array([1, 2]),
      c8: new Uint8ClampedArray([255]),
      i16: new Int16Array([-300]),
      u16: new Uint16Array([60000]),
      i32: new Int32Array([-70000]),
      u32: new Uint32Array([4e9]),
      f32: new Float32Array([0.5]),
      f64: new Float64Array([Math.PI]),
      bi64: new BigInt64Array([-5n]),
      bu64: new BigUint64Array([2n ** 63n]),
      buffer: Buffer.from('bytes'),
      arrayBuffer: new Uint8Array([9, 8]).buffer,
      view: new DataView(new Uint8Array([1, 2, 3]).buffer, 1, 2),
    };
    const { back } = roundTrip(value);
    for (const key of Object.keys(value) as (keyof typeof value)[]) {
      expect(back[key].constructor, key).toBe(value[key].constructor);
    }
    expect(Array.from(back.f64)).toEqual([Math.PI]);
    expect(Array.from(back.bu64)).toEqual([2n ** 63n]);
    expect(back.buffer.toString()).toBe('bytes');
    expect([...new Uint8Array(back.arrayBuffer)]).toEqual([9, 8]);
    expect(back.view.getUint8(0)).toBe(2);
  });

  it('keeps cycles and shared references', () => {
    const shared = { n: 1 };
    const cyclic: Record<string, unknown> = { shared, again: shared };
    cyclic.self = cyclic;
    const { back } = roundTrip(cyclic);
    expect(back.self).toBe(back);
    expect(back.shared).toBe(back.again);
  });

  it("carries an error through core's error codec: class, message, code, own properties, the sender's stack as a RemoteError cause", () => {
    const cause = new TypeError('inner');
    const error = Object.assign(new RangeError('outer', { cause }), { code: 'E_OUT', detail: { limit: 3, when: new Date(5) } });
    const { back } = roundTrip({ error });
    expect(back.error).toBeInstanceOf(RangeError);
    expect(back.error.message).toBe('outer');
    expect(back.error.code).toBe('E_OUT');
    expect(back.error.detail).toEqual({ limit: 3, when: new Date(5) });
    const remote = back.error.cause as RemoteError;
    expect(RemoteError.isInstance(remote)).toBe(true);
    expect(remote.message).toBe(`Remote stack:\n${error.stack}`);
    expect(remote.cause).toBeInstanceOf(TypeError);
    expect((remote.cause as Error).message).toBe('inner');
  });

  it('gives an error the same shape as the other transports (encodeError then decodeError)', () => {
    const error = Object.assign(new Error('x', { cause: 'why' }), { code: 'E', n: 1, f: () => 1 });
    const { back } = roundTrip(error);
    const reference = decodeError(encodeError(error));
    expect(back.constructor).toBe(reference.constructor);
    expect({ ...back }).toEqual({ ...reference });
    expect(back.cause).toEqual(reference.cause);
    expect(((back.cause as Error).cause)).toBe('why');
  });

  it('keeps the name of a custom error class, and AggregateError with its errors', () => {
    class MyError extends Error {
      override name = 'MyError';
    }
    const { back } = roundTrip([new MyError('mine'), new AggregateError([new Error('a'), 'b'], 'both')]);
    expect(back[0]).toBeInstanceOf(Error);
    expect(back[0].name).toBe('MyError');
    expect(back[0].message).toBe('mine');
    expect(back[1]).toBeInstanceOf(AggregateError);
    expect(back[1].message).toBe('both');
    expect((back[1] as AggregateError).errors[0].message).toBe('a');
    expect((back[1] as AggregateError).errors[1]).toBe('b');
  });

  it('sends class instances as plain objects of their own enumerable properties, as structured clone does', () => {
    class Point {
      constructor(
        readonly x: number,
        readonly y: number,
      ) {}
      get length() {
        return Math.hypot(this.x, this.y);
      }
    }
    const { back } = roundTrip(new Point(3, 4));
    expect(back).toEqual({ x: 3, y: 4 });
  });
});

describe('MessageCodec: large binary values travel as attachments', () => {
  it('moves values at or above the threshold out of the msgpack body and back', () => {
    const big = new Float64Array(1000).fill(1.5);
    const bytes = Buffer.alloc(5000, 7);
    const value = { big, list: [1, bytes], map: new Map([['k', big.buffer]]), small: new Uint8Array(10) };
    const { back, attachments, bodyBytes } = roundTrip(value, 4096);
    expect(attachments).toBe(3);
    expect(bodyBytes).toBeLessThan(200);
    expect(back.big).toBeInstanceOf(Float64Array);
    expect(back.big.length).toBe(1000);
    expect(back.big[999]).toBe(1.5);
    expect(Buffer.isBuffer(back.list[1])).toBe(true);
    expect((back.list[1] as Buffer).equals(bytes)).toBe(true);
    expect(back.map.get('k')).toBeInstanceOf(ArrayBuffer);
    expect((back.map.get('k') as ArrayBuffer).byteLength).toBe(8000);
    expect(back.small).toEqual(new Uint8Array(10));
  });

  it('sends a value referenced twice once, and decodes both references to one object', () => {
    const big = new Uint16Array(4096);
    big[7] = 77;
    const { back, attachments } = roundTrip({ a: big, b: [big] }, 1024);
    expect(attachments).toBe(1);
    expect(back.a).toBe(back.b[0]);
    expect(back.a[7]).toBe(77);
  });

  it('sends only the bytes a view covers, and leaves the original value untouched', () => {
    const whole = new Uint8Array(10_000).map((_, i) => i % 251);
    const view = whole.subarray(100, 5100);
    const value = { view, self: undefined as unknown };
    value.self = value;
    const { back } = roundTrip(value, 1024);
    expect(back.view.byteLength).toBe(5000);
    expect(back.view[0]).toBe(100 % 251);
    expect(back.self).toBe(back);
    expect(value.view).toBe(view);
    expect(value.self).toBe(value);
  });

  it('finds large values inside Map keys and Sets; error properties travel inside the error record', () => {
    const key = new Uint8Array(2048).fill(1);
    const inSet = new Uint8Array(2048).fill(2);
    const error = Object.assign(new Error('with data'), { payload: new Uint8Array(2048).fill(3) });
    const { back, attachments } = roundTrip({ map: new Map([[key, 'k']]), set: new Set([inSet]), error }, 1024);
    expect(attachments).toBe(2);
    expect([...back.map.keys()][0][0]).toBe(1);
    expect([...back.set][0][0]).toBe(2);
    expect((back.error as Error & { payload: Uint8Array }).payload[0]).toBe(3);
  });
});

describe('MessageCodec: values it cannot carry', () => {
  const codec = new MessageCodec();
  const cases: [string, unknown, RegExp][] = [
    ['a function', { f: () => 1 }, /function/],
    ['a function in a Map', new Map([['k', function named() {}]]), /function \(named\)/],
    ['a symbol', [Symbol('s')], /symbol/],
    ['a Promise', { p: Promise.resolve(1) }, /Promise/],
    ['a WeakMap', new Set([new WeakMap()]), /WeakMap/],
    ['a SharedArrayBuffer', { s: new SharedArrayBuffer(8) }, /SharedArrayBuffer/],
    ['a socket', { s: new Socket() }, /Socket/],
    ['an AbortSignal', [new AbortController().signal], /AbortSignal/],
    ['a boxed primitive', { n: new Number(1) }, /boxed Number.*primitive/],
  ];
  for (const [what, value, message] of cases) {
    it(`throws a TypeError for ${what}`, () => {
      expect(() => codec.encode(value)).toThrow(TypeError);
      expect(() => codec.encode(value)).toThrow(message);
    });
  }

  describe('refuses what structured clone refuses, so every transport gives the same answer', () => {
    function* generator() {
      yield 1;
    }
    async function* asyncGenerator() {
      yield 1;
    }
    const unclonable: [string, () => unknown, RegExp][] = [
      ['a generator object', () => generator(), /generator object/],
      ['an async generator object', () => asyncGenerator(), /async generator object/],
      ['a Map iterator', () => new Map([[1, 2]]).entries(), /Map iterator/],
      ['a Set iterator', () => new Set([1]).values(), /Set iterator/],
      ['an Array iterator', () => [1][Symbol.iterator](), /Array iterator/],
      ['a String iterator', () => 'ab'[Symbol.iterator](), /String iterator/],
      ['a RegExp String iterator', () => 'ab'.matchAll(/a/g), /RegExp String iterator/],
      ['a Proxy of an object', () => new Proxy({ a: 1 }, {}), /Proxy/],
      ['a Proxy of an array', () => new Proxy([1], {}), /Proxy/],
      ['a function', () => function named() {}, /function \(named\)/],
      ['a symbol', () => Symbol('s'), /symbol/],
      ['a boxed Symbol', () => Object(Symbol('s')), /boxed Symbol/],
      ['a WeakMap', () => new WeakMap(), /WeakMap/],
      ['a WeakSet', () => new WeakSet(), /WeakSet/],
      ['a WeakRef', () => new WeakRef({}), /WeakRef/],
      ['a FinalizationRegistry', () => new FinalizationRegistry(() => {}), /FinalizationRegistry/],
      ['a Promise', () => Promise.resolve(1), /Promise/],
      ['an arguments object', () => (function (..._: unknown[]) {
        // eslint-disable-next-line prefer-rest-params
        return arguments;
      })(1, 2), /arguments object/],
      ['an Intl object', () => new Intl.Collator(), /Intl\.Collator/],
      ['the global object', () => globalThis, /global object/],
    ];
    for (const [what, make, message] of unclonable) {
      it(`${what}, alone or nested, with a TypeError`, () => {
        expect(() => structuredClone(make())).toThrow();
        for (const value of [make(), [make()], { deep: { x: make() } }, new Map([['k', make()]])]) {
          expect(() => codec.encode(value)).toThrow(TypeError);
          expect(() => codec.encode(value)).toThrow(message);
        }
      });
    }

    it('a module namespace object', async () => {
      // A data: URL, so that the test runner hands back the real namespace rather than a wrapper.
      const source = 'data:text/javascript,export const a = 1';
      const ns: unknown = await import(/* @vite-ignore */ source);
      expect(isModuleNamespaceObject(ns)).toBe(true);
      expect(() => structuredClone(ns)).toThrow();
      expect(() => codec.encode({ ns })).toThrow(/module namespace/);
    });

    it('and still carries class instances and null-prototype objects, as structured clone does', () => {
      const bare = Object.assign(Object.create(null) as object, { a: 1 });
      expect(roundTrip([bare, new URL('http://x/')]).back).toHaveLength(2);
    });
  });

  it('still encodes after refusing a value', () => {
    expect(() => codec.encode({ f: () => 1 })).toThrow(TypeError);
    const { body } = codec.encode({ ok: true });
    expect(new MessageCodec().decode(body, [])).toEqual({ ok: true });
  });

  it('throws on a body that is not msgpack, and on a reference to an attachment that is not there', () => {
    expect(() => codec.decode(new Uint8Array([0x92, 0x01]), [])).toThrow(/end/);
    expect(() => codec.decode(new Uint8Array([0x01, 0x02]), [])).toThrow(/end of buffer not reached/);
    const sender = new MessageCodec({ attachThreshold: 16 });
    const { body, attachments } = sender.encode([new Uint8Array(32), new Uint8Array(48)]);
    const copy = Buffer.from(body);
    expect(() => codec.decode(copy, [new Uint8Array(attachments[0])])).toThrow(/garbled attachment reference 1/);
    expect(() => codec.decode(copy, [new Uint8Array(32), new Uint8Array(47)])).not.toThrow();
  });

  it('throws on an attachment whose length does not fit its typed array', () => {
    const sender = new MessageCodec({ attachThreshold: 16 });
    const { body } = sender.encode(new Float64Array(4));
    expect(() => codec.decode(Buffer.from(body), [new Uint8Array(31)])).toThrow(/garbled attachment/);
  });
});
