/**
 * Errors across a worker boundary: `encodeError` turns an error thrown in a
 * worker into a {@link SerializedError} record of plain data, and
 * `decodeError` rebuilds it on the other side, as an instance of the same
 * built-in class (or an `Error` carrying the original `name`) with the
 * worker-side stack attached as a {@link RemoteError} cause, as Python's
 * `_RemoteTraceback`.
 *
 * A thrown value that is not an Error (`throw 'oops'`) is not encoded here:
 * the worker runtime sends it as is (protocol status `THROWN`) when
 * {@link isErrorLike} is false, and falls back to `encodeError(value)` (an
 * `Error` whose message is the value's string form) only when the codec
 * cannot carry the value.
 */

import { isNativeError } from 'node:util/types';
import { RemoteError } from './errors.js';
import type { SerializedError } from './protocol.js';

/** Keys kept in fields of their own, never in `props`. */
const OWN_FIELDS = new Set(['name', 'message', 'stack', 'code', 'cause']);
/** How deep nested data and cause chains are followed (deeper parts are dropped). */
const MAX_DEPTH = 16;
/** Marks a value that the record cannot carry. */
const DROP = Symbol('drop');
/**
 * The one key of the object that stands for an Error nested in the data (a
 * property, or inside one): `{ [NESTED_ERROR]: record }`, rebuilt as an error
 * on decoding. A string key, so that every codec carries it.
 */
const NESTED_ERROR = '@futures/core.error';
/**
 * The `props` key that records an error's class where its name does not say
 * it: `'DOMException'` (whose name is `AbortError`, `TimeoutError`, ...).
 */
const CLASS = '@futures/core.class';

const BUILTIN_ERRORS: ReadonlyMap<string, ErrorConstructor> = new Map<string, ErrorConstructor>([
  ['Error', Error],
  ['TypeError', TypeError],
  ['RangeError', RangeError],
  ['SyntaxError', SyntaxError],
  ['ReferenceError', ReferenceError],
  ['EvalError', EvalError],
  ['URIError', URIError],
]);

/**
 * True when `value` is an Error object: a native error (made by an Error
 * constructor or a subclass, from any realm) or an object with
 * `Error.prototype` in its prototype chain. Never throws (a revoked Proxy is
 * not an error).
 */
export function isErrorLike(value: unknown): value is Error {
  if (typeof value !== 'object' || value === null) return false;
  try {
    return isNativeError(value) || value instanceof Error;
  } catch {
    return false;
  }
}

/**
 * Encodes an error as plain data that structured clone, the v8 serializer and
 * msgpackr can all carry.
 *
 * Kept: `name` (the constructor's name when `name` is just the inherited
 * `'Error'`, so `class MyError extends Error {}` travels as `'MyError'`),
 * `message`, `stack`, `code`, own enumerable properties (as `props`), `cause`
 * (an Error cause encoded recursively, another value as `{ value }`), and an
 * AggregateError's `errors` (as `props.errors`, each encoded like a cause),
 * and the class of a DOMException (whose code follows from its name).
 * Functions and symbols are dropped wherever they occur in the data, as are
 * cycles, getters that throw, and anything nested deeper than 16 levels.
 *
 * A value that is not an Error encodes as an `Error` whose message is the
 * value's string form. Never throws.
 */
export function encodeError(error: unknown): SerializedError {
  try {
    return encode(error, new Set(), 0);
  } catch {
    // Only reachable through something as odd as a throwing Set; still must not throw.
    return { name: 'Error', message: '[an error that could not be encoded]' };
  }
}

function encode(error: unknown, seen: Set<object>, depth: number): SerializedError {
  if (!isErrorLike(error)) return { name: 'Error', message: safeString(error) };
  seen.add(error);
  const record: SerializedError = { name: errorName(error), message: safeString(read(error, 'message') ?? '') };
  const stack = read(error, 'stack');
  if (typeof stack === 'string') record.stack = stack;
  const domException = isDomException(error);
  // A DOMException's code follows from its name.
  const code = domException ? undefined : plain(read(error, 'code'), seen, depth + 1);
  if (code !== DROP && code !== undefined) record.code = code;

  const props: Record<string, unknown> = {};
  let hasProps = false;
  if (domException) {
    define(props, CLASS, 'DOMException');
    hasProps = true;
  }
  for (const key of ownKeys(error)) {
    if (OWN_FIELDS.has(key)) continue;
    const value = plain(read(error, key), seen, depth + 1);
    if (value === DROP) continue;
    define(props, key, value);
    hasProps = true;
  }
  if (isAggregate(error)) {
    const errors = read(error, 'errors');
    if (Array.isArray(errors)) {
      define(props, 'errors', errors.map((e: unknown) => encodeCause(e, seen, depth + 1) ?? { value: undefined }));
      hasProps = true;
    }
  }
  if (hasProps) record.props = props;

  if (hasOwn(error, 'cause')) {
    const cause = encodeCause(read(error, 'cause'), seen, depth + 1);
    if (cause !== undefined) record.cause = cause;
  }
  seen.delete(error);
  return record;
}

function encodeCause(cause: unknown, seen: Set<object>, depth: number): SerializedError | { value: unknown } | undefined {
  if (isErrorLike(cause)) {
    if (seen.has(cause) || depth > MAX_DEPTH) return undefined;
    return encode(cause, seen, depth);
  }
  const value = plain(cause, seen, depth);
  return value === DROP ? undefined : { value };
}

/**
 * A copy of `value` that every codec can carry: primitives but symbols; Date,
 * RegExp, ArrayBuffer and its views as they are; arrays, Maps and Sets with
 * their contents copied the same way; Errors encoded; other objects as their
 * own enumerable properties (which is what structured clone keeps of them).
 * An Error in the data is encoded as `{ [NESTED_ERROR]: record }`.
 */
function plain(value: unknown, seen: Set<object>, depth: number): unknown {
  switch (typeof value) {
    case 'function':
    case 'symbol':
      return DROP;
    case 'object':
      break;
    default:
      return value;
  }
  if (value === null) return null;
  if (seen.has(value) || depth > MAX_DEPTH) return DROP;
  try {
    if (isErrorLike(value)) return { [NESTED_ERROR]: encode(value, seen, depth) };
    if (value instanceof Date || value instanceof RegExp || value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
      return value;
    }
    seen.add(value);
    try {
      if (Array.isArray(value)) {
        const copy = new Array<unknown>(value.length);
        for (let i = 0; i < value.length; i++) {
          const item = plain(read(value, i), seen, depth + 1);
          copy[i] = item === DROP ? undefined : item;
        }
        return copy;
      }
      if (value instanceof Map) {
        const copy = new Map<unknown, unknown>();
        for (const [k, v] of value) {
          const key = plain(k, seen, depth + 1);
          const item = plain(v, seen, depth + 1);
          if (key !== DROP && item !== DROP) copy.set(key, item);
        }
        return copy;
      }
      if (value instanceof Set) {
        const copy = new Set<unknown>();
        for (const v of value) {
          const item = plain(v, seen, depth + 1);
          if (item !== DROP) copy.add(item);
        }
        return copy;
      }
      const copy: Record<string, unknown> = {};
      for (const key of ownKeys(value)) {
        const item = plain(read(value, key), seen, depth + 1);
        if (item !== DROP) define(copy, key, item);
      }
      return copy;
    } finally {
      seen.delete(value);
    }
  } catch {
    return DROP;
  }
}

/** `name` as thrown; the constructor's name when `name` is only the inherited default. */
function errorName(error: Error): string {
  const name = read(error, 'name');
  if (typeof name === 'string' && name !== '' && name !== 'Error') return name;
  const ctor = read(error, 'constructor');
  const ctorName = typeof ctor === 'function' ? read(ctor, 'name') : undefined;
  if (typeof ctorName === 'string' && ctorName !== '') return ctorName;
  return typeof name === 'string' && name !== '' ? name : 'Error';
}

function isDomException(error: Error): boolean {
  try {
    return typeof DOMException === 'function' && error instanceof DOMException;
  } catch {
    return false;
  }
}

function isAggregate(error: Error): boolean {
  try {
    return error instanceof AggregateError || read(error, 'name') === 'AggregateError';
  } catch {
    return false;
  }
}

/** A property read that a throwing getter or Proxy trap cannot break. */
function read(object: object, key: PropertyKey): unknown {
  try {
    return (object as Record<PropertyKey, unknown>)[key];
  } catch {
    return undefined;
  }
}

function ownKeys(object: object): string[] {
  try {
    return Object.keys(object);
  } catch {
    return [];
  }
}

function hasOwn(object: object, key: string): boolean {
  try {
    return Object.hasOwn(object, key);
  } catch {
    return false;
  }
}

/** Defines rather than assigns, so a key such as `__proto__` stays an ordinary property. */
function define(object: object, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
}

function safeString(value: unknown): string {
  try {
    return String(value);
  } catch {
    try {
      return Object.prototype.toString.call(value);
    } catch {
      return '[a value that cannot be converted to a string]';
    }
  }
}

/**
 * Rebuilds an error encoded by {@link encodeError}.
 *
 * The result is an instance of the original class when that is a built-in
 * (`TypeError`, `RangeError`, `AggregateError`, `DOMException`, ...), otherwise an `Error`
 * whose own `name` is the original name. `message`, `code` and the other
 * properties are restored; its own `stack` starts with `name: message` and
 * shows where it was rebuilt. Its `cause` is a {@link RemoteError} holding
 * the worker-side stack, and the original cause, if any, is that
 * RemoteError's `cause`.
 */
export function decodeError(serialized: SerializedError): Error {
  return decode(serialized, 0);
}

function decode(s: SerializedError, depth: number): Error {
  const name = typeof s?.name === 'string' && s.name !== '' ? s.name : 'Error';
  const message = typeof s?.message === 'string' ? s.message : s?.message == null ? '' : safeString(s.message);
  const remote = new RemoteError(typeof s?.stack === 'string' ? s.stack : `${name}: ${message}`);
  if (s?.cause !== undefined && s.cause !== null) {
    Object.defineProperty(remote, 'cause', {
      value: decodeCause(s.cause, depth + 1),
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }

  const props = typeof s?.props === 'object' && s.props !== null ? s.props : undefined;
  let error: Error;
  if (props?.[CLASS] === 'DOMException') {
    error = new DOMException(message, name);
    Object.defineProperty(error, 'cause', { value: remote, writable: true, configurable: true, enumerable: false });
  } else if (name === 'AggregateError') {
    const encoded = props?.errors;
    const errors = Array.isArray(encoded) ? encoded.map((e: unknown) => decodeCause(e, depth + 1)) : [];
    error = new AggregateError(errors, message, { cause: remote });
  } else {
    const Builtin = BUILTIN_ERRORS.get(name);
    error = Builtin === undefined ? new Error(message, { cause: remote }) : new Builtin(message, { cause: remote });
    if (Builtin === undefined) {
      Object.defineProperty(error, 'name', { value: name, writable: true, configurable: true, enumerable: false });
    }
  }
  if (s?.code !== undefined) define(error, 'code', revive(s.code, depth + 1));
  if (props !== undefined) {
    for (const key of Object.keys(props)) {
      if ((key === 'errors' && error instanceof AggregateError) || key === CLASS) continue;
      define(error, key, revive(props[key], depth + 1));
    }
  }
  // The stack V8 captured above shows this function and an `Error:` header;
  // recapture it from our caller, under the error's real name.
  Error.captureStackTrace(error, decodeError);
  return error;
}

/**
 * Decoded data with the errors nested in it rebuilt (see `plain`), in place:
 * the data is the codec's fresh copy, nobody else holds it.
 */
function revive(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null || depth > 2 * MAX_DEPTH + 2) return value;
  if (value instanceof Date || value instanceof RegExp || value instanceof ArrayBuffer || ArrayBuffer.isView(value)) return value;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = revive(value[i], depth + 1);
    return value;
  }
  if (value instanceof Map) {
    for (const [k, v] of value) value.set(k, revive(v, depth + 1));
    return value;
  }
  if (value instanceof Set) {
    const items = [...value];
    value.clear();
    for (const item of items) value.add(revive(item, depth + 1));
    return value;
  }
  const keys = Object.keys(value);
  const record = (value as Record<string, unknown>)[NESTED_ERROR];
  if (keys.length === 1 && keys[0] === NESTED_ERROR && typeof record === 'object' && record !== null) {
    return decode(record as SerializedError, depth + 1);
  }
  for (const key of keys) define(value, key, revive((value as Record<string, unknown>)[key], depth + 1));
  return value;
}

function decodeCause(cause: unknown, depth: number): unknown {
  if (typeof cause !== 'object' || cause === null) return cause;
  if (Object.hasOwn(cause, 'value') && !Object.hasOwn(cause, 'name')) return (cause as { value: unknown }).value;
  if (depth > MAX_DEPTH + 1) return undefined;
  return decode(cause as SerializedError, depth);
}
