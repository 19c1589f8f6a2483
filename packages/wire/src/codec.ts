/**
 * The value codec: msgpackr with structured types, plus two things msgpackr
 * does not do on its own.
 *
 * - Large binary values (typed arrays, Buffers, DataViews, ArrayBuffers of at
 *   least `attachThreshold` bytes) leave the msgpack body: the body holds a
 *   small placeholder and the bytes travel raw beside it as frame attachments.
 * - Errors go through core's one error codec (`encodeError`/`decodeError`):
 *   class, message, code, own properties and cause are kept, and the
 *   sender's stack arrives as a `RemoteError` cause, as on every transport.
 *
 * It also refuses, by throwing a TypeError before anything is written, what
 * structured clone refuses (so a value gets the same answer on every
 * transport) and what msgpackr would silently turn into something else:
 * functions (it writes `undefined`), symbols, promises, weak collections,
 * generator objects and built-in iterators, Proxies, `arguments` objects,
 * module namespaces, Intl objects, boxed primitives (it writes `{}`), shared
 * memory and live resources such as sockets (it writes their fields).
 *
 * Both rewrites need a copy of the value with placeholders in it; that copy
 * is only made when a scan of the value found something to rewrite, so the
 * hot path (small calls of plain data) costs one scan and one msgpackr encode.
 */
import { EventEmitter } from 'node:events';
import {
  isArgumentsObject,
  isBoxedPrimitive,
  isGeneratorObject,
  isMapIterator,
  isModuleNamespaceObject,
  isPromise,
  isProxy,
  isSetIterator,
  isSymbolObject,
  isWeakMap,
  isWeakSet,
} from 'node:util/types';
import { decodeError, encodeError, type SerializedError } from '@futures/core/transport';
import { Packr, addExtension } from 'msgpackr';
import { NOT_PLAIN, PlainReader } from './plain-frame.js';

/** Values of at least this many bytes travel as raw attachments. */
export const DEFAULT_ATTACH_THRESHOLD = 64 * 1024;

/** msgpack extension type codes for our placeholders (msgpackr keeps 101–127 and a few below for itself). */
const RAW_EXT = 0x21;
const ERROR_EXT = 0x22;

const TYPED_ARRAYS = [
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array,
  Uint32Array, Float32Array, Float64Array, BigInt64Array, BigUint64Array,
] as const;
const KIND_ARRAY_BUFFER = TYPED_ARRAYS.length;
const KIND_DATA_VIEW = KIND_ARRAY_BUFFER + 1;
const KIND_BUFFER = KIND_DATA_VIEW + 1;

/** Prototypes of built-in iterators that `node:util/types` has no test for. */
const ITERATOR_PROTOTYPES: ReadonlyMap<object, string> = new Map([
  [Object.getPrototypeOf([][Symbol.iterator]()) as object, 'an Array iterator'],
  [Object.getPrototypeOf(''[Symbol.iterator]()) as object, 'a String iterator'],
  [Object.getPrototypeOf(/(?:)/g[Symbol.matchAll]('')) as object, 'a RegExp String iterator'],
]);

/** Intl objects hold internal state that structured clone refuses. */
const INTL_CLASSES: readonly (new (...args: never[]) => object)[] = Object.values(Object.getOwnPropertyDescriptors(Intl))
  .map((d) => d.value as unknown)
  .filter((v): v is new (...args: never[]) => object => typeof v === 'function' && typeof v.prototype === 'object');

/** In the body, where attachment `index` goes, and what to rebuild from its bytes. */
class RawRef {
  constructor(
    readonly index: number,
    readonly kind: number,
  ) {}
}

/** In the body, an error as core's plain {@link SerializedError} record. */
class ErrorRecord {
  constructor(readonly record: SerializedError) {}
}

// msgpackr keeps extensions in one table per process. Ours only match
// instances of these two private classes, so no other user of msgpackr sees them.
addExtension({
  Class: RawRef,
  type: RAW_EXT,
  write: (ref: RawRef) => [ref.index, ref.kind],
  read: (data: unknown) => {
    if (!Array.isArray(data) || !Number.isInteger(data[0]) || !Number.isInteger(data[1])) {
      throw new TypeError('garbled attachment reference');
    }
    return new RawRef(data[0] as number, data[1] as number);
  },
});
addExtension({
  Class: ErrorRecord,
  type: ERROR_EXT,
  write: (error: ErrorRecord) => error.record,
  read: (data: unknown) => {
    if (typeof data !== 'object' || data === null || typeof (data as { name?: unknown }).name !== 'string') {
      throw new TypeError('garbled error record');
    }
    return decodeError(data as SerializedError);
  },
});

/** The output of {@link MessageCodec.encode}. */
export interface EncodedMessage {
  /** The msgpack body. It lives in msgpackr's buffer: copy it before the next encode. */
  body: Uint8Array;
  /** Raw bytes of the large binary values, in placeholder index order (views of the caller's memory). */
  attachments: Uint8Array[];
}

export interface MessageCodecOptions {
  /** Binary values of at least this many bytes become attachments. Default 64 KiB. */
  attachThreshold?: number;
}

const NO_ATTACHMENTS: Uint8Array[] = [];

/**
 * Encodes and decodes one message at a time. Not reentrant (neither is
 * msgpackr); use one per connection or per process.
 */
export class MessageCodec {
  /** Keeps shared references and cycles; also decodes everything either packr writes. */
  readonly #cloning: Packr;
  /** Writes trees (no object reached twice) without tracking references, which costs about half. */
  readonly #plain: Packr;
  readonly #threshold: number;
  /** Small plain bodies (most of the engine's messages) are read without msgpackr's setup. */
  readonly #plainReader = new PlainReader();

  constructor(options: MessageCodecOptions = {}) {
    this.#threshold = options.attachThreshold ?? DEFAULT_ATTACH_THRESHOLD;
    this.#cloning = makePackr(true);
    this.#plain = makePackr(false);
  }

  /**
   * Encodes `value`. Throws (a TypeError for values the codec cannot carry)
   * without side effects on a failure.
   */
  encode(value: unknown): EncodedMessage {
    const found = scan(value, this.#threshold);
    if (found === undefined) return { body: this.#plain.pack(value), attachments: NO_ATTACHMENTS };
    const packr = found.shared ? this.#cloning : this.#plain;
    if (found.bigList.length === 0 && !found.errors) return { body: packr.pack(value), attachments: NO_ATTACHMENTS };
    // The copy keeps sharing as it is (one copy per original object).
    const substituted = substitute(value, found.big, new Map());
    return { body: packr.pack(substituted), attachments: found.bigList.map(bytesOf) };
  }

  /**
   * Decodes a body and its attachments (each in an ArrayBuffer of its own,
   * which the decoded value takes over). Throws on malformed input.
   */
  decode(body: Uint8Array, attachments: readonly Uint8Array[]): unknown {
    if (attachments.length === 0) {
      const plain = this.#plainReader.read(body);
      if (plain !== NOT_PLAIN) return plain;
    }
    const value = this.#cloning.unpack(body);
    if (attachments.length === 0) return value;
    return restore(value, new Attachments(attachments), new Set());
  }
}

function makePackr(cloning: boolean): Packr {
  // A fresh options object each time: msgpackr writes into the one it is given.
  return new Packr({
    ...(cloning ? { structuredClone: true } : { moreTypes: true }),
    copyBuffers: true,
    useToJSON: false,
    writeFunction: () => {
      throw new TypeError('a function cannot be encoded');
    },
  });
}

interface Found {
  /** Some object is reached twice (a shared reference or a cycle). */
  shared: boolean;
  /** Some Error is in the value. */
  errors: boolean;
  big: Map<object, RawRef>;
  bigList: (ArrayBufferView | ArrayBuffer)[];
}

/**
 * Walks `root` once: refuses what cannot be carried, collects large binary
 * values, notes errors and shared references. Returns undefined when the
 * value is a plain tree that can go to msgpackr as it is.
 */
function scan(root: unknown, threshold: number): Found | undefined {
  if (typeof root !== 'object' || root === null) {
    if (typeof root === 'function' || typeof root === 'symbol') refuse(root);
    return undefined;
  }
  let found: Found | undefined;
  const seen = new Set<object>();
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v !== 'object' || v === null) {
      refuse(v); // only functions and symbols are pushed
      continue;
    }
    if (seen.has(v)) {
      (found ??= newFound()).shared = true;
      continue;
    }
    seen.add(v);
    // First: Array.isArray and the prototype see through a Proxy, and reading it runs its traps.
    if (isProxy(v)) throw new TypeError('a Proxy cannot be encoded (structured clone refuses it too)');
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) push(stack, v[i]);
      continue;
    }
    const proto: unknown = Object.getPrototypeOf(v);
    if (proto === Object.prototype || proto === null) {
      if (isArgumentsObject(v)) throw new TypeError('an arguments object cannot be encoded (structured clone refuses it too); send Array.from(arguments)');
      if (isModuleNamespaceObject(v)) throw new TypeError('a module namespace object cannot be encoded (structured clone refuses it too)');
      pushValues(v, stack);
      continue;
    }
    if (ArrayBuffer.isView(v) || v instanceof ArrayBuffer) {
      if (v.byteLength >= threshold) {
        found ??= newFound();
        found.big.set(v, new RawRef(found.bigList.length, kindOf(v)));
        found.bigList.push(v);
      }
      continue;
    }
    if (v instanceof Map) {
      for (const [key, x] of v) {
        push(stack, key);
        push(stack, x);
      }
      continue;
    }
    if (v instanceof Set) {
      for (const x of v) push(stack, x);
      continue;
    }
    if (v instanceof Date || v instanceof RegExp) continue;
    if (v instanceof Error) {
      // encodeError copies what an error carries (and drops functions and symbols in it, as the
      // other transports do), so its contents need no look here.
      (found ??= newFound()).errors = true;
      continue;
    }
    refuseLive(v);
    pushValues(v, stack);
  }
  return found;
}

function newFound(): Found {
  return { shared: false, errors: false, big: new Map(), bigList: [] };
}

/** Pushes the values that need a look: objects, and the functions and symbols to refuse. */
function push(stack: unknown[], x: unknown): void {
  if (typeof x === 'object' ? x !== null : typeof x === 'function' || typeof x === 'symbol') stack.push(x);
}

function pushValues(object: object, stack: unknown[]): void {
  for (const key of Object.keys(object)) push(stack, (object as Record<string, unknown>)[key]);
}

function refuse(value: unknown): never {
  if (typeof value === 'function') {
    throw new TypeError(`a function (${value.name || 'anonymous'}) cannot be encoded; functions are sent as tasks, see defineTasks`);
  }
  throw new TypeError(`${String(value)} cannot be encoded: symbols cannot cross a socket`);
}

/**
 * Objects that msgpackr would write as a bag of fields (often `{}`) but that
 * are not data: what structured clone refuses, and live resources.
 */
function refuseLive(value: object): void {
  const what = unclonable(value);
  if (what !== undefined) throw new TypeError(`${what} cannot be encoded (structured clone refuses it too)`);
  let live: string | undefined;
  if (value instanceof SharedArrayBuffer) live = 'a SharedArrayBuffer (shared memory cannot cross processes)';
  else if (isBoxedPrimitive(value)) live = `a boxed ${Object.prototype.toString.call(value).slice(8, -1)} (send the primitive value)`;
  else if (value instanceof EventEmitter || value instanceof EventTarget) {
    live = `a ${value.constructor?.name ?? 'live object'} (live resources such as sockets, ports and processes are not data)`;
  }
  if (live !== undefined) throw new TypeError(`${live} cannot be encoded`);
}

/** What structured clone refuses among objects that are not plain, described; undefined if it takes it. */
function unclonable(value: object): string | undefined {
  if (isPromise(value)) return 'a Promise';
  if (isGeneratorObject(value)) return Object.prototype.toString.call(value) === '[object AsyncGenerator]' ? 'an async generator object' : 'a generator object';
  if (isMapIterator(value)) return 'a Map iterator';
  if (isSetIterator(value)) return 'a Set iterator';
  const iterator = ITERATOR_PROTOTYPES.get(Object.getPrototypeOf(value) as object);
  if (iterator !== undefined) return iterator;
  if (isWeakMap(value)) return 'a WeakMap';
  if (isWeakSet(value)) return 'a WeakSet';
  if (value instanceof WeakRef) return 'a WeakRef';
  if (value instanceof FinalizationRegistry) return 'a FinalizationRegistry';
  if (value === globalThis) return 'the global object';
  if (isSymbolObject(value)) return 'a boxed Symbol';
  for (const Class of INTL_CLASSES) if (value instanceof Class) return `an Intl.${Class.name}`;
  return undefined;
}

function kindOf(value: ArrayBufferView | ArrayBuffer): number {
  if (value instanceof ArrayBuffer) return KIND_ARRAY_BUFFER;
  if (value instanceof DataView) return KIND_DATA_VIEW;
  if (Buffer.isBuffer(value)) return KIND_BUFFER;
  const kind = TYPED_ARRAYS.findIndex((c) => value instanceof c);
  // Every ArrayBufferView is a DataView or one of these; Uint8Array covers subclasses we do not know.
  return kind === -1 ? TYPED_ARRAYS.indexOf(Uint8Array) : kind;
}

function bytesOf(value: ArrayBufferView | ArrayBuffer): Uint8Array {
  return value instanceof ArrayBuffer ? new Uint8Array(value) : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
}

/**
 * A copy of `value` with large binaries replaced by {@link RawRef} and errors
 * by {@link ErrorRecord}. `memo` keeps shared references and cycles intact.
 */
function substitute(value: unknown, big: Map<object, RawRef>, memo: Map<object, unknown>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  const ref = big.get(value);
  if (ref !== undefined) return ref;
  const done = memo.get(value);
  if (done !== undefined) return done;
  if (Array.isArray(value)) {
    // Filled by push: an array made with new Array(n) stays holey, slower to read element by element.
    const out: unknown[] = [];
    memo.set(value, out);
    for (let i = 0; i < value.length; i++) out.push(substitute(value[i], big, memo));
    return out;
  }
  if (value instanceof Map) {
    const out = new Map();
    memo.set(value, out);
    for (const [k, x] of value) out.set(substitute(k, big, memo), substitute(x, big, memo));
    return out;
  }
  if (value instanceof Set) {
    const out = new Set();
    memo.set(value, out);
    for (const x of value) out.add(substitute(x, big, memo));
    return out;
  }
  if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof Date || value instanceof RegExp) {
    return value;
  }
  if (value instanceof Error) {
    const record = new ErrorRecord(encodeError(value));
    memo.set(value, record);
    return record;
  }
  const out: Record<string, unknown> = Object.getPrototypeOf(value) === null ? Object.create(null) : {};
  memo.set(value, out);
  for (const key of Object.keys(value)) out[key] = substitute((value as Record<string, unknown>)[key], big, memo);
  return out;
}

/** Rebuilds attachments once each, so a value referenced twice decodes to one object. */
class Attachments {
  readonly #raw: readonly Uint8Array[];
  readonly #built: unknown[] = [];

  constructor(raw: readonly Uint8Array[]) {
    this.#raw = raw;
  }

  get(ref: RawRef): unknown {
    if (ref.index < 0 || ref.index >= this.#raw.length) throw new TypeError(`garbled attachment reference ${ref.index}`);
    return (this.#built[ref.index] ??= build(this.#raw[ref.index], ref.kind));
  }
}

function build(bytes: Uint8Array, kind: number): unknown {
  const { buffer, byteOffset, byteLength } = bytes;
  if (kind === KIND_BUFFER) return Buffer.from(buffer, byteOffset, byteLength);
  if (kind === KIND_DATA_VIEW) return new DataView(buffer, byteOffset, byteLength);
  if (kind === KIND_ARRAY_BUFFER) {
    return byteOffset === 0 && byteLength === buffer.byteLength ? buffer : buffer.slice(byteOffset, byteOffset + byteLength);
  }
  const Class = TYPED_ARRAYS[kind];
  if (Class === undefined || byteLength % Class.BYTES_PER_ELEMENT !== 0 || byteOffset % Class.BYTES_PER_ELEMENT !== 0) {
    throw new TypeError(`garbled attachment of kind ${kind} and ${byteLength} bytes`);
  }
  return new Class(buffer as ArrayBuffer, byteOffset, byteLength / Class.BYTES_PER_ELEMENT);
}

/** Replaces placeholders in a freshly decoded value, in place (the value is ours). */
function restore(value: unknown, attachments: Attachments, seen: Set<object>): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (value instanceof RawRef) return attachments.get(value);
  if (seen.has(value)) return value;
  seen.add(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = restore(value[i], attachments, seen);
  } else if (value instanceof Map) {
    const entries = [...value].map(([k, x]) => [restore(k, attachments, seen), restore(x, attachments, seen)] as const);
    value.clear();
    for (const [k, x] of entries) value.set(k, x);
  } else if (value instanceof Set) {
    const items = [...value].map((x) => restore(x, attachments, seen));
    value.clear();
    for (const x of items) value.add(x);
  } else if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer || value instanceof Date || value instanceof RegExp || value instanceof Error) {
    // Leaves: an error's contents travel in its record, never as attachments.
  } else {
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) record[key] = restore(record[key], attachments, seen);
  }
  return value;
}
