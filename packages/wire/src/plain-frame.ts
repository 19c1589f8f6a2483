/**
 * Frames for the engine's small messages, written without msgpackr.
 *
 * Most messages on a busy connection are tiny and plain: a `run` of a few
 * calls with a number or two as arguments, a `done` with numbers and
 * `undefined` as results. For those, {@link MessageCodec.encode} walks the
 * value once to look for what it must refuse or detach (its scan), msgpackr
 * walks it again to write it into its own buffer, and the frame copies that
 * out behind a header: about 0.4 µs hot, several times that when the code is
 * cold between two round trips. This writer does it in one walk, straight
 * into the frame, for values made only of arrays (of up to 128 items),
 * numbers, booleans, `null`, `undefined` and short ASCII strings, within
 * {@link PLAIN_FRAME_MAX_BYTES}; anything else (an object, a long or
 * non-ASCII string, a bigint, an array reached twice, a Proxy) makes it
 * return `undefined`, and the caller takes the codec's way.
 *
 * The body it writes is the very msgpack that the codec's msgpackr would
 * write for the same value (codec.test.ts checks byte for byte), so the
 * receiving side decodes it as any other frame.
 */
import { isProxy } from 'node:util/types';
import { FRAME_PREFIX_BYTES } from './frames.js';

/** Largest frame this writer builds; bigger values go the codec's way (and this stays under any sane maxFrameBytes). */
export const PLAIN_FRAME_MAX_BYTES = 1024;
/** Arrays per message beyond which the linear check for an array reached twice would cost more than it saves. */
const MAX_ARRAYS = 64;
/** Arrays longer than this go the codec's way: 100 float64s fill a plain frame, and a failed walk is work lost. */
const MAX_ITEMS = 128;
/** Strings longer than this go the codec's way (msgpack fixstr holds up to 31 bytes). */
const MAX_STRING = 31;
/** Frames are cut from slabs of this size: 16 of the largest, hundreds of the usual 20-40 bytes; an idle connection holds at most one. */
const SLAB_BYTES = 16 * 1024;
/** msgpack numbers are big-endian; typed arrays use the host's order. */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Writes plain small messages as whole frames; one per connection or process. */
export class PlainFrameWriter {
  /**
   * Frames are written straight into a slab and handed out as views of it,
   * one after another, never overwritten: a socket may hold a frame until
   * it is written. A new slab is taken when the next frame might not fit.
   */
  #slab = Buffer.allocUnsafe(0);
  /** The slab as a DataView, for float64s (msgpack is big-endian). */
  #view = new DataView(this.#slab.buffer, this.#slab.byteOffset, 0);
  /** Where the next frame starts in the slab. */
  #start = 0;
  /**
   * Arrays written so far in the current message (the first #arrayCount
   * slots): one reached twice must keep its identity, which only msgpackr's
   * cloning mode does. Cleared after each message, so no value is held.
   */
  readonly #arrays: unknown[] = new Array(MAX_ARRAYS).fill(undefined);
  #arrayCount = 0;

  /**
   * The whole frame (header and msgpack body, no attachments) for `value`,
   * in memory no later frame reuses; `undefined` when the value is not plain
   * or small enough, in which case the caller encodes it with
   * {@link MessageCodec}.
   */
  frame(value: unknown): Buffer | undefined {
    if (this.#slab.byteLength - this.#start < PLAIN_FRAME_MAX_BYTES) {
      this.#slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.#view = new DataView(this.#slab.buffer, this.#slab.byteOffset, SLAB_BYTES);
      this.#start = 0;
    }
    const start = this.#start;
    this.#arrayCount = 0;
    let end: number;
    try {
      end = this.#write(value, start + FRAME_PREFIX_BYTES, start + PLAIN_FRAME_MAX_BYTES);
    } finally {
      // Also when a getter threw mid-walk: the slots must not keep the caller's arrays alive.
      this.#arrays.fill(undefined, 0, this.#arrayCount);
    }
    if (end < 0) return undefined;
    const s = this.#slab;
    const bodyLength = end - start - FRAME_PREFIX_BYTES;
    // bodyLength < 2^16 (u32le), then a zero attachment count.
    s[start] = bodyLength & 0xff;
    s[start + 1] = bodyLength >> 8;
    s[start + 2] = 0;
    s[start + 3] = 0;
    s[start + 4] = 0;
    s[start + 5] = 0;
    s[start + 6] = 0;
    s[start + 7] = 0;
    // Keep the next frame 8-byte aligned: nothing needs it, but it costs nothing.
    this.#start = (end + 7) & ~7;
    return s.subarray(start, end);
  }

  /** Writes one value at `at`; returns where it ends, or -1 when it is not plain or does not fit before `limit`. */
  #write(value: unknown, at: number, limit: number): number {
    // The longest single item below (a float64, or a header and 31 bytes of string) is 33 bytes.
    if (at + 33 > limit) return -1;
    const s = this.#slab;
    switch (typeof value) {
      case 'number':
        return this.#number(value, at);
      case 'undefined':
        // msgpackr's undefined: fixext 1, type 0, data 0.
        s[at] = 0xd4;
        s[at + 1] = 0;
        s[at + 2] = 0;
        return at + 3;
      case 'boolean':
        s[at] = value ? 0xc3 : 0xc2;
        return at + 1;
      case 'string':
        return this.#string(value, at);
      case 'object':
        if (value === null) {
          s[at] = 0xc0;
          return at + 1;
        }
        return Array.isArray(value) ? this.#array(value, at, limit) : -1;
      default:
        return -1;
    }
  }

  /** As msgpackr writes numbers (without useFloat32, with records on, as the codec's packr has them). */
  #number(value: number, at: number): number {
    const s = this.#slab;
    if (value >>> 0 === value) {
      // Bytes 0x40-0x7f are record references when records are on: msgpackr writes those numbers as uint8.
      if (value < 0x40) {
        s[at] = value;
        return at + 1;
      }
      if (value < 0x100) {
        s[at] = 0xcc;
        s[at + 1] = value;
        return at + 2;
      }
      if (value < 0x10000) {
        s[at] = 0xcd;
        s[at + 1] = value >> 8;
        s[at + 2] = value & 0xff;
        return at + 3;
      }
      s[at] = 0xce;
      s[at + 1] = value >>> 24;
      s[at + 2] = (value >> 16) & 0xff;
      s[at + 3] = (value >> 8) & 0xff;
      s[at + 4] = value & 0xff;
      return at + 5;
    }
    if (value >> 0 === value) {
      if (value >= -0x20) {
        s[at] = 0x100 + value;
        return at + 1;
      }
      if (value >= -0x80) {
        s[at] = 0xd0;
        s[at + 1] = value + 0x100;
        return at + 2;
      }
      if (value >= -0x8000) {
        s[at] = 0xd1;
        s[at + 1] = (value >> 8) & 0xff;
        s[at + 2] = value & 0xff;
        return at + 3;
      }
      s[at] = 0xd2;
      s[at + 1] = (value >> 24) & 0xff;
      s[at + 2] = (value >> 16) & 0xff;
      s[at + 3] = (value >> 8) & 0xff;
      s[at + 4] = value & 0xff;
      return at + 5;
    }
    s[at] = 0xcb;
    this.#view.setFloat64(at + 1, value);
    return at + 9;
  }

  #string(value: string, at: number): number {
    const length = value.length;
    if (length > MAX_STRING) return -1;
    const s = this.#slab;
    const start = at + 1;
    for (let i = 0; i < length; i++) {
      const c = value.charCodeAt(i);
      if (c >= 0x80) return -1;
      s[start + i] = c;
    }
    s[at] = 0xa0 | length;
    return start + length;
  }

  #array(value: unknown[], at: number, limit: number): number {
    const arrays = this.#arrays;
    const count = this.#arrayCount;
    if (count === MAX_ARRAYS) return -1;
    for (let i = 0; i < count; i++) if (arrays[i] === value) return -1;
    // A Proxy is refused by the codec (structured clone refuses it too); a subclass is msgpackr's to judge.
    if (isProxy(value) || value.constructor !== Array) return -1;
    arrays[count] = value;
    this.#arrayCount = count + 1;
    const length = value.length;
    // A long array (a big map chunk) would rarely fit, and finding out costs a walk the codec then repeats.
    // Every item takes at least a byte: an array that cannot fit is not walked either.
    if (length > MAX_ITEMS || at + 3 + length > limit) return -1;
    const s = this.#slab;
    if (length < 0x10) {
      s[at++] = 0x90 | length;
    } else {
      s[at] = 0xdc;
      s[at + 1] = length >> 8;
      s[at + 2] = length & 0xff;
      at += 3;
    }
    for (let i = 0; i < length && at >= 0; i++) at = this.#write(value[i], at, limit);
    return at;
  }
}

const EMPTY_BYTES = new Uint8Array(0);

/** What {@link PlainReader.read} returns for a body that is not plain msgpack: the codec must decode it. */
export const NOT_PLAIN: unique symbol = Symbol('not plain');

/**
 * Reads the bodies {@link PlainFrameWriter} writes (arrays, numbers,
 * booleans, `null`, `undefined`, ASCII strings of up to 31 bytes) to the
 * same values msgpackr's decoder gives, in one walk without msgpackr's
 * setup. Anything else, including a body that is cut short or has bytes
 * left over, is {@link NOT_PLAIN}: msgpackr then decodes it, or throws the
 * error it throws for such bytes. One per codec (it is not reentrant).
 */
export class PlainReader {
  #bytes: Uint8Array = EMPTY_BYTES;
  #at = 0;
  #end = 0;
  /** A float64 is read by reversing its 8 big-endian bytes into this (cheaper than a DataView per body). */
  readonly #float = new Float64Array(1);
  readonly #floatBytes = new Uint8Array(this.#float.buffer);

  read(body: Uint8Array): unknown {
    if (body.byteLength > PLAIN_FRAME_MAX_BYTES) return NOT_PLAIN;
    this.#bytes = body;
    this.#at = 0;
    this.#end = body.byteLength;
    const value = this.#value();
    // Let the bytes go; a body is a view of a read chunk.
    this.#bytes = EMPTY_BYTES;
    return this.#at === this.#end ? value : NOT_PLAIN;
  }

  #value(): unknown {
    const b = this.#bytes;
    const end = this.#end;
    if (this.#at >= end) return NOT_PLAIN;
    const token = b[this.#at++];
    // 0x40-0x7f are msgpackr record references, 0x80-0x8f maps: not plain.
    if (token < 0x40) return token;
    if (token >= 0xe0) return token - 0x100;
    if (token >= 0x90 && token < 0xa0) return this.#array(token & 0x0f);
    if (token >= 0xa0 && token < 0xc0) return this.#string(token & 0x1f);
    const at = this.#at;
    switch (token) {
      case 0xc0:
        return null;
      case 0xc2:
        return false;
      case 0xc3:
        return true;
      case 0xcb: {
        if (at + 8 > end) return NOT_PLAIN;
        const f = this.#floatBytes;
        if (LITTLE_ENDIAN) for (let i = 0; i < 8; i++) f[7 - i] = b[at + i];
        else for (let i = 0; i < 8; i++) f[i] = b[at + i];
        this.#at = at + 8;
        return this.#float[0];
      }
      case 0xcc:
        if (at + 1 > end) return NOT_PLAIN;
        this.#at = at + 1;
        return b[at];
      case 0xcd:
        if (at + 2 > end) return NOT_PLAIN;
        this.#at = at + 2;
        return (b[at] << 8) | b[at + 1];
      case 0xce:
        if (at + 4 > end) return NOT_PLAIN;
        this.#at = at + 4;
        return b[at] * 0x1000000 + ((b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3]);
      case 0xd0:
        if (at + 1 > end) return NOT_PLAIN;
        this.#at = at + 1;
        return (b[at] << 24) >> 24;
      case 0xd1:
        if (at + 2 > end) return NOT_PLAIN;
        this.#at = at + 2;
        return (((b[at] << 8) | b[at + 1]) << 16) >> 16;
      case 0xd2:
        if (at + 4 > end) return NOT_PLAIN;
        this.#at = at + 4;
        return (b[at] << 24) | (b[at + 1] << 16) | (b[at + 2] << 8) | b[at + 3];
      case 0xd4:
        // undefined as msgpackr writes it (fixext 1, type 0, data 0); other extensions are msgpackr's.
        if (at + 2 > end || b[at] !== 0 || b[at + 1] !== 0) return NOT_PLAIN;
        this.#at = at + 2;
        return undefined;
      case 0xdc:
        if (at + 2 > end) return NOT_PLAIN;
        this.#at = at + 2;
        return this.#array((b[at] << 8) | b[at + 1]);
      default:
        return NOT_PLAIN;
    }
  }

  #string(length: number): unknown {
    const start = this.#at;
    const stop = start + length;
    if (stop > this.#end) return NOT_PLAIN;
    const b = this.#bytes;
    let s = '';
    for (let i = start; i < stop; i++) {
      const c = b[i];
      if (c >= 0x80) return NOT_PLAIN;
      s += String.fromCharCode(c);
    }
    this.#at = stop;
    return s;
  }

  #array(length: number): unknown {
    // Every item takes at least one byte: a longer count is a cut or garbled body.
    if (length > this.#end - this.#at) return NOT_PLAIN;
    // Most of a message's arrays are this small (a tuple, a lone call, its arguments, a lone result,
    // its timing): literals of their size, where a push onto an empty array reserves 17 slots.
    if (length <= 4) return this.#smallArray(length);
    const out: unknown[] = [];
    for (let i = 0; i < length; i++) {
      const item = this.#value();
      if (item === NOT_PLAIN) return NOT_PLAIN;
      out.push(item);
    }
    return out;
  }

  /** An array of at most 4 items, as a literal of its size (packed, as those filled by push). */
  #smallArray(length: number): unknown {
    if (length === 0) return [];
    const a = this.#value();
    if (a === NOT_PLAIN) return NOT_PLAIN;
    if (length === 1) return [a];
    const b = this.#value();
    if (b === NOT_PLAIN) return NOT_PLAIN;
    if (length === 2) return [a, b];
    const c = this.#value();
    if (c === NOT_PLAIN) return NOT_PLAIN;
    if (length === 3) return [a, b, c];
    const d = this.#value();
    return d === NOT_PLAIN ? NOT_PLAIN : [a, b, c, d];
  }
}
