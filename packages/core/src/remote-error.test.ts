import { readFileSync } from 'node:fs';
import { deserialize, serialize } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { RemoteError } from './errors.js';
import type { SerializedError } from './protocol.js';
import { decodeError, encodeError, isErrorLike } from './remote-error.js';

/** What a transport does: encode in the worker, carry it with a codec, decode in the parent. */
function roundTrip(error: unknown): Error {
  return decodeError(structuredClone(encodeError(error)));
}

function remoteOf(error: Error): RemoteError {
  expect(error.cause).toBeInstanceOf(RemoteError);
  return error.cause as RemoteError;
}

describe('encodeError / decodeError', () => {
  it('round-trips a TypeError with its code and properties', () => {
    const original = Object.assign(new TypeError('bad input'), { code: 'E_BAD', field: 'email', limits: { max: 3 } });
    const error = roundTrip(original);
    expect(error).toBeInstanceOf(TypeError);
    expect(error.name).toBe('TypeError');
    expect(error.message).toBe('bad input');
    expect((error as unknown as { code: string }).code).toBe('E_BAD');
    expect({ ...error }).toEqual({ code: 'E_BAD', field: 'email', limits: { max: 3 } });
  });

  it('gives the rebuilt error a local stack that starts with name and message', () => {
    const error = roundTrip(new RangeError('too far'));
    const lines = error.stack!.split('\n');
    expect(lines[0]).toBe('RangeError: too far');
    expect(lines[1]).toContain('remote-error.test.ts');
    expect(error.stack).not.toContain('remote-error.ts:');
  });

  it('attaches the worker-side stack as a RemoteError cause', () => {
    const original = new Error('in the worker');
    const error = roundTrip(original);
    const remote = remoteOf(error);
    expect(remote.message).toBe(`Remote stack:\n${original.stack}`);
    expect(remote.code).toBe('ERR_REMOTE');
    expect(RemoteError.isInstance(remote)).toBe(true);
    expect(Object.keys(error)).not.toContain('cause');
  });

  it.each([Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError])(
    'rebuilds a %o as the same built-in class',
    (cls) => {
      const error = roundTrip(new cls('m'));
      expect(error.constructor).toBe(cls);
      expect(error.name).toBe(cls.name);
      expect(Object.hasOwn(error, 'name')).toBe(false);
    },
  );

  it('rebuilds a custom error class as an Error carrying the class name', () => {
    class MyError extends Error {}
    const error = roundTrip(new MyError('custom'));
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(MyError);
    expect(error.constructor).toBe(Error);
    expect(error.name).toBe('MyError');
    expect(Object.getOwnPropertyDescriptor(error, 'name')).toMatchObject({ value: 'MyError', enumerable: false });
    expect(error.stack!.split('\n')[0]).toBe('MyError: custom');
    expect(String(error)).toBe('MyError: custom');
  });

  it('keeps an explicitly set name, also on a subclass of a built-in', () => {
    class ValidationError extends Error {
      override name = 'Validation';
    }
    expect(roundTrip(new ValidationError('v')).name).toBe('Validation');
    class MyTypeError extends TypeError {}
    const error = roundTrip(new MyTypeError('t'));
    expect(error).toBeInstanceOf(TypeError);
    expect(error.name).toBe('TypeError');
  });

  it('keeps a nested cause chain, with nothing lost', () => {
    const root = 'the root cause';
    const inner = new RangeError('inner', { cause: root });
    const outer = new Error('outer', { cause: inner });
    const error = roundTrip(outer);
    const remote = remoteOf(error);
    const decodedInner = remote.cause as Error;
    expect(decodedInner).toBeInstanceOf(RangeError);
    expect(decodedInner.message).toBe('inner');
    const innerRemote = remoteOf(decodedInner);
    expect(innerRemote.message).toContain(inner.stack!);
    expect(innerRemote.cause).toBe(root);
  });

  it('keeps a non-Error cause that is plain data, and an own enumerable cause', () => {
    const error = roundTrip(new Error('x', { cause: { reason: 'quota', left: 0 } }));
    expect(remoteOf(error).cause).toEqual({ reason: 'quota', left: 0 });
    const assigned = new Error('y');
    (assigned as { cause?: unknown }).cause = 42;
    expect(remoteOf(roundTrip(assigned)).cause).toBe(42);
    expect('cause' in remoteOf(roundTrip(new Error('no cause')))).toBe(false);
  });

  it('rebuilds an AggregateError with its errors', () => {
    const original = new AggregateError([new RangeError('r'), 'plain', new SyntaxError('s')], 'many failed');
    const error = roundTrip(original) as AggregateError;
    expect(error).toBeInstanceOf(AggregateError);
    expect(error.message).toBe('many failed');
    expect(error.errors).toHaveLength(3);
    expect(error.errors[0]).toBeInstanceOf(RangeError);
    expect((error.errors[0] as Error).message).toBe('r');
    expect(error.errors[1]).toBe('plain');
    expect(error.errors[2]).toBeInstanceOf(SyntaxError);
    expect(Object.keys(error)).not.toContain('errors');
    remoteOf(error);
  });

  it('keeps what a Node.js system error carries', () => {
    let thrown: unknown;
    try {
      readFileSync('/nonexistent/futures-test-file');
    } catch (e) {
      thrown = e;
    }
    const error = roundTrip(thrown) as NodeJS.ErrnoException;
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe('ENOENT');
    expect(error.syscall).toBe('open');
    expect(error.path).toBe('/nonexistent/futures-test-file');
    expect(error.errno).toBe((thrown as NodeJS.ErrnoException).errno);
  });

  it('drops functions and symbols, at any depth, so the record is plain data', () => {
    const original = Object.assign(new Error('with functions'), {
      callback: () => 1,
      tag: Symbol('t'),
      nested: { keep: 1, drop: () => 2, list: [1, () => 3, Symbol('s')] },
      kept: 'yes',
    });
    const encoded = encodeError(original);
    expect(encoded.props).toEqual({ nested: { keep: 1, list: [1, undefined, undefined] }, kept: 'yes' });
    expect(Object.keys(roundTrip(original))).toEqual(['nested', 'kept']);
  });

  it('carries dates, binary data, maps and sets', () => {
    const original = Object.assign(new Error('rich'), {
      when: new Date(0),
      bytes: new Uint8Array([1, 2]),
      map: new Map<string, unknown>([['a', 1], ['f', () => 0]]),
      set: new Set([1, 'two']),
    });
    const error = roundTrip(original) as unknown as Record<string, unknown>;
    expect(error.when).toEqual(new Date(0));
    expect(error.bytes).toEqual(new Uint8Array([1, 2]));
    expect(error.map).toEqual(new Map([['a', 1]]));
    expect(error.set).toEqual(new Set([1, 'two']));
  });

  it('rebuilds errors held in properties (directly, in arrays, maps and objects) as errors of their class, not as plain records', () => {
    const original = Object.assign(new Error('request failed'), {
      original: Object.assign(new RangeError('inner'), { code: 'E_IN' }),
      attempts: [new TypeError('first'), 'not an error'],
      byHost: new Map([['a', new Error('host a')]]),
      context: { last: new SyntaxError('deep') },
      // Plain data that merely looks like an encoded error stays plain data.
      lookalike: { name: 'TypeError', message: 'just data' },
    });
    const error = roundTrip(original) as unknown as Record<string, unknown>;
    const inner = error.original as Error & { code: string };
    expect(inner).toBeInstanceOf(RangeError);
    expect([inner.message, inner.code]).toEqual(['inner', 'E_IN']);
    expect(remoteOf(inner).message).toContain('inner');
    const [first, second] = error.attempts as unknown[];
    expect(first).toBeInstanceOf(TypeError);
    expect((first as Error).message).toBe('first');
    expect(second).toBe('not an error');
    expect((error.byHost as Map<string, unknown>).get('a')).toBeInstanceOf(Error);
    expect((error.context as { last: unknown }).last).toBeInstanceOf(SyntaxError);
    expect(error.lookalike).toEqual({ name: 'TypeError', message: 'just data' });
    expect(error.lookalike).not.toBeInstanceOf(Error);
    const encoded = encodeError(original);
    expect(deserialize(serialize(encoded))).toEqual(encoded);
  });

  it('rebuilds a DOMException (an abort, a fetch timeout) as a DOMException with its name and code', () => {
    for (const original of [new DOMException('stopped', 'AbortError'), AbortSignal.abort().reason as DOMException]) {
      const error = roundTrip(original) as DOMException;
      expect(error).toBeInstanceOf(DOMException);
      expect([error.name, error.message, error.code]).toEqual([original.name, original.message, original.code]);
      expect(remoteOf(error).message).toContain(original.name);
      expect(Object.keys(error)).toEqual([]);
    }
    const custom = roundTrip(Object.assign(new DOMException('m', 'TimeoutError'), { extra: 1 })) as DOMException & { extra: number };
    expect([custom.name, custom.code, custom.extra]).toEqual(['TimeoutError', 23, 1]);
  });

  it('copies class instances as their own properties, as structured clone would', () => {
    class Point {
      constructor(
        public x: number,
        public y: number,
      ) {}
      norm(): number {
        return Math.hypot(this.x, this.y);
      }
    }
    const error = roundTrip(Object.assign(new Error('p'), { at: new Point(1, 2) })) as unknown as { at: unknown };
    expect(error.at).toEqual({ x: 1, y: 2 });
  });

  it('keeps a __proto__ key as an ordinary property', () => {
    const original = new Error('proto');
    Object.defineProperty(original, '__proto__', { value: { polluted: true }, enumerable: true });
    const encoded = encodeError(original);
    expect(Object.getPrototypeOf(encoded.props)).toBe(Object.prototype);
    const error = decodeError(encoded);
    expect(Object.getPrototypeOf(error)).toBe(Error.prototype);
    expect(Object.getOwnPropertyDescriptor(error, '__proto__')?.value).toEqual({ polluted: true });
  });

  it('survives throwing getters, including on message and name', () => {
    const original = new Error('getters');
    Object.defineProperty(original, 'bad', {
      enumerable: true,
      get() {
        throw new Error('getter threw');
      },
    });
    Object.defineProperty(original, 'good', { enumerable: true, get: () => 'fine' });
    expect(encodeError(original).props).toEqual({ good: 'fine' });

    const hostile = new Error('x');
    for (const key of ['stack', 'message', 'name', 'code', 'cause', 'constructor']) {
      Object.defineProperty(hostile, key, {
        get() {
          throw new Error(`${key} getter`);
        },
      });
    }
    const encoded = encodeError(hostile);
    expect(encoded).toMatchObject({ name: 'Error', message: '' });
    expect(() => structuredClone(encoded)).not.toThrow();
  });

  it('never throws for Proxies, revoked or hostile', () => {
    const { proxy: revoked, revoke } = Proxy.revocable(new Error('r'), {});
    revoke();
    expect(encodeError(revoked)).toMatchObject({ name: 'Error' });

    const trap = (): never => {
      throw new Error('trap');
    };
    const hostile = new Proxy(new Error('h'), {
      get: trap,
      getPrototypeOf: trap,
      ownKeys: trap,
      getOwnPropertyDescriptor: trap,
      has: trap,
    });
    const encoded = encodeError(hostile);
    expect(typeof encoded.name).toBe('string');
    expect(typeof encoded.message).toBe('string');

    const inProps = Object.assign(new Error('p'), { revoked, hostile });
    expect(() => structuredClone(encodeError(inProps))).not.toThrow();
  });

  it('stops at cycles in properties and causes', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as { cause?: unknown }).cause = b;
    Object.assign(a, { self: a, data: { back: a } });
    const encoded = encodeError(a);
    expect(encoded.cause).toMatchObject({ name: 'Error', message: 'b' });
    expect((encoded.cause as SerializedError).cause).toBeUndefined();
    expect(encoded.props).toEqual({ data: {} });
    expect(() => roundTrip(a)).not.toThrow();
  });

  it('bounds very deep cause chains and data', () => {
    let error = new Error('level 0');
    for (let i = 1; i < 10_000; i++) error = new Error(`level ${i}`, { cause: error });
    let data: Record<string, unknown> = {};
    for (let i = 0; i < 10_000; i++) data = { data };
    const encoded = encodeError(Object.assign(error, { data }));
    let depth = 0;
    for (let c: SerializedError | undefined = encoded; c !== undefined; c = c.cause as SerializedError | undefined) depth++;
    expect(depth).toBeGreaterThan(5);
    expect(depth).toBeLessThan(100);
    expect(() => roundTrip(error)).not.toThrow();
  });

  it('encodes a value that is not an Error as an Error with its string form', () => {
    expect(encodeError('oops')).toEqual({ name: 'Error', message: 'oops' });
    expect(encodeError(42)).toEqual({ name: 'Error', message: '42' });
    expect(encodeError(undefined)).toEqual({ name: 'Error', message: 'undefined' });
    expect(encodeError(Symbol('s'))).toEqual({ name: 'Error', message: 'Symbol(s)' });
    expect(encodeError({ name: 'Fake', message: 'not an error' })).toEqual({ name: 'Error', message: '[object Object]' });
    const unprintable = {
      toString(): never {
        throw new Error('no');
      },
    };
    expect(encodeError(unprintable)).toEqual({ name: 'Error', message: '[object Object]' });
    expect(encodeError(Object.create(null))).toEqual({ name: 'Error', message: '[object Object]' });
  });

  it('makes records that structured clone and the v8 serializer carry unchanged', () => {
    const original = Object.assign(new AggregateError([new TypeError('t')], 'agg', { cause: new Error('c') }), {
      code: 7,
      big: 10n,
      f: () => 0,
      nested: { date: new Date(5), arr: [null, undefined, true] },
    });
    const encoded = encodeError(original);
    expect(structuredClone(encoded)).toEqual(encoded);
    expect(deserialize(serialize(encoded))).toEqual(encoded);
  });

  it('tolerates a malformed record', () => {
    const error = decodeError({} as SerializedError);
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toBe('');
    expect(error.cause).toBeInstanceOf(RemoteError);
    const weird = decodeError({ name: 'Weird', message: 5, props: 'x', cause: null } as unknown as SerializedError);
    expect([weird.name, weird.message]).toEqual(['Weird', '5']);
  });
});

describe('isErrorLike', () => {
  it('is true for Error objects, from any realm', () => {
    expect(isErrorLike(new Error('e'))).toBe(true);
    expect(isErrorLike(new (class X extends TypeError {})('x'))).toBe(true);
    expect(isErrorLike(Object.create(Error.prototype))).toBe(true);
    expect(isErrorLike(runInNewContext('new RangeError("other realm")'))).toBe(true);
  });

  it('is false for everything else, and never throws', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    for (const value of [undefined, null, 'Error', 1, { name: 'Error', message: 'm', stack: '' }, [], proxy]) {
      expect(isErrorLike(value)).toBe(false);
    }
  });
});
