import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { MessageCodec } from './codec.js';
import { fromTuple, toTuple } from './envelope.js';
import { encodeFrame, FRAME_PREFIX_BYTES, FrameReader } from './frames.js';
import { NOT_PLAIN, PLAIN_FRAME_MAX_BYTES, PlainFrameWriter, PlainReader } from './plain-frame.js';

const MAX = 1024 * 1024;

/** The frame the codec's way: MessageCodec.encode, then encodeFrame. */
function codecFrame(value: unknown): Buffer {
  const { body, attachments } = new MessageCodec().encode(value);
  return encodeFrame(body, attachments, MAX);
}

/** Every frame in `stream`, decoded as a receiver does. */
function decodeAll(stream: Uint8Array): unknown[] {
  const codec = new MessageCodec();
  const out: unknown[] = [];
  new FrameReader(MAX, (body, attachments) => out.push(codec.decode(body, attachments))).push(stream);
  return out;
}

describe('PlainFrameWriter', () => {
  const plain: [string, unknown][] = [
    ['uint boundaries', [0, 1, 0x3f, 0x40, 0x7f, 0x80, 0xff, 0x100, 0xffff, 0x10000, 0xffffffff]],
    ['negative boundaries', [-1, -0x20, -0x21, -0x80, -0x81, -0x8000, -0x8001, -0x80000000]],
    ['floats and what is not a 32-bit integer', [0.5, -1.25, 0x100000000, -0x80000001, Number.MAX_SAFE_INTEGER, 1e300, Infinity, -Infinity]],
    ['undefined, null and booleans', [undefined, null, true, false]],
    ['ASCII strings up to 31 characters', ['', 'a', 'x'.repeat(31)]],
    ['nested and empty arrays', [[], [[]], [1, [2, [3, [4]]]]]],
    ['arrays of 15, 16 and 128 items', [Array.from({ length: 15 }, (_, i) => i), Array.from({ length: 16 }, (_, i) => i), Array.from({ length: 128 }, (_, i) => i % 7)]],
    ['a holey array (holes read as undefined)', [1, , 3]], // eslint-disable-line no-sparse-arrays
    ['a run of calls', toTuple({ t: 'run', calls: [202, 1, 0, [], 203, 1, 0, [7, 'x']] })],
    ['a done of results', toTuple({ t: 'done', results: [202, 0, undefined, 203, 0, 42], busy: 0.0123, timing: [1, 0.004] })],
  ];
  for (const [what, value] of plain) {
    it(`writes ${what} as the very bytes of the codec's frame`, () => {
      const frame = new PlainFrameWriter().frame(value);
      expect(frame).toBeDefined();
      expect(frame!.byteLength).toBeLessThanOrEqual(PLAIN_FRAME_MAX_BYTES);
      expect([...frame!]).toEqual([...codecFrame(value)]);
    });
  }

  it('keeps NaN and -0 as the codec does (NaN stays NaN, -0 arrives as 0, as msgpackr writes it)', () => {
    const [decoded] = decodeAll(new PlainFrameWriter().frame([NaN, -0])!) as [number[]];
    expect(decoded[0]).toBeNaN();
    expect(Object.is(decoded[1], 0)).toBe(true);
    expect(decodeAll(codecFrame([NaN, -0]))).toEqual([decoded]);
  });

  it('decodes to the message that was sent, through the envelope', () => {
    const message = { t: 'done' as const, results: [5, 0, 'ok', 6, 0, undefined], busy: 1.5, timing: [3, 0.25] };
    expect(decodeAll(new PlainFrameWriter().frame(toTuple(message))!).map(fromTuple)).toEqual([message]);
  });

  const notPlain: [string, unknown][] = [
    ['an object', [1, { a: 1 }]],
    ['a Map', [new Map()]],
    ['a typed array', [new Uint8Array(2)]],
    ['a bigint', [1n]],
    ['a string of 32 characters', ['x'.repeat(32)]],
    ['a non-ASCII string', ['é']],
    ['a function (the codec refuses it)', [() => {}]],
    ['a symbol (the codec refuses it)', [Symbol('s')]],
    ['a Proxy (the codec refuses it)', [new Proxy([], {})]],
    ['an Array subclass', [new (class extends Array {})()]],
    ['an array of 129 items', new Array(129).fill(0)],
    ['an array of 65536 items', new Array(0x10000).fill(0)],
    ['more than 64 arrays (the check for one reached twice is linear)', Array.from({ length: 65 }, () => [])],
    ['a message larger than the plain limit', Array.from({ length: 8 }, () => Array.from({ length: 16 }, () => 0.5))],
  ];
  for (const [what, value] of notPlain) {
    it(`leaves ${what} to the codec`, () => {
      expect(new PlainFrameWriter().frame(value)).toBeUndefined();
    });
  }

  it('leaves an array reached twice or a cycle to the codec, which keeps the sharing', () => {
    const shared = [1];
    const cyclic: unknown[] = [];
    cyclic.push(cyclic);
    const writer = new PlainFrameWriter();
    expect(writer.frame([shared, shared])).toBeUndefined();
    expect(writer.frame(cyclic)).toBeUndefined();
    // The same array in two messages is no sharing.
    expect(writer.frame([shared])).toBeDefined();
    expect(writer.frame([shared])).toBeDefined();
  });

  it('never overwrites a frame it returned: a socket may still hold it (thousands of frames, across slabs)', () => {
    const writer = new PlainFrameWriter();
    const frames = Array.from({ length: 3000 }, (_, i) => writer.frame([i, 'abc', i + 0.5])!);
    const big = writer.frame(Array.from({ length: 100 }, (_, i) => i + 0.25))!;
    expect(decodeAll(Buffer.concat([...frames, big]))).toEqual([...Array.from({ length: 3000 }, (_, i) => [i, 'abc', i + 0.5]), Array.from({ length: 100 }, (_, i) => i + 0.25)]);
  });

  it('returns frames of their own, unchanged by the next one, and goes on after a refusal', () => {
    const writer = new PlainFrameWriter();
    const first = writer.frame([1, 'a']);
    expect(writer.frame([{}])).toBeUndefined();
    const second = writer.frame([2, 'b']);
    expect(decodeAll(Buffer.concat([first!, second!]))).toEqual([[1, 'a'], [2, 'b']]);
  });
});

/** What msgpackr, set up as the codec's decoder, makes of `body`; `thrown` when it throws. */
function msgpackrReads(body: Uint8Array): { value: unknown } | 'thrown' {
  try {
    return { value: new Packr({ structuredClone: true, copyBuffers: true, useToJSON: false }).unpack(body) };
  } catch {
    return 'thrown';
  }
}

describe('PlainReader', () => {
  it('reads every body the writer writes to what msgpackr reads', () => {
    const values: unknown[] = [
      [0, 0x3f, 0x40, 0xff, 0x100, 0xffff, 0x10000, 0xffffffff, -1, -0x20, -0x21, -0x80, -0x81, -0x8000, -0x8001, -0x80000000],
      [0.5, -1.25, 1e300, NaN, Infinity, -Infinity, 0x100000000],
      [undefined, null, true, false, '', 'abc', 'x'.repeat(31)],
      [[], [[]], Array.from({ length: 40 }, (_, i) => [i])],
      toTuple({ t: 'done', results: [202, 0, undefined], busy: 0.0012, timing: [1, 0.0013] }),
    ];
    const writer = new PlainFrameWriter();
    const reader = new PlainReader();
    for (const value of values) {
      const body = writer.frame(value)!.subarray(FRAME_PREFIX_BYTES);
      const read = reader.read(body);
      expect(read).not.toBe(NOT_PLAIN);
      expect(read).toEqual(value);
      expect(msgpackrReads(body)).toEqual({ value: read });
    }
  });

  it('leaves to msgpackr what it does not read: maps, records, extensions, binary, long strings, float32, 64-bit integers', () => {
    const packr = new Packr({ structuredClone: true, copyBuffers: true, useToJSON: false });
    const reader = new PlainReader();
    for (const value of [{ a: 1 }, new Map([[1, 2]]), new Date(0), new Uint8Array(3), 'x'.repeat(32), 'é', 1n, [1, { b: 2 }]]) {
      expect(reader.read(packr.pack(value))).toBe(NOT_PLAIN);
    }
    for (const body of [[0xca, 0x3f, 0x80, 0, 0], [0xcf, 0, 0, 0, 0, 0, 0, 0, 1], [0xd3, 0, 0, 0, 0, 0, 0, 0, 1], [0x41], [0xd4, 0, 1], [0xdd, 0, 0, 0, 0]]) {
      expect(reader.read(new Uint8Array(body))).toBe(NOT_PLAIN);
    }
  });

  it('on random bytes, reads only what msgpackr reads, and to the same value (the rest goes to msgpackr, which throws or reads it)', () => {
    // A fixed linear congruential sequence: the same bytes on every run.
    let seed = 12345;
    const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 8;
    const tokens = [0x00, 0x05, 0x3f, 0x40, 0x7f, 0x90, 0x91, 0x93, 0x9f, 0xa0, 0xa2, 0xa3, 0xbf, 0xc0, 0xc2, 0xc3, 0xcb, 0xcc, 0xcd, 0xce, 0xd0, 0xd1, 0xd2, 0xd4, 0xdc, 0xe0, 0xff, 0x61, 0x80];
    const reader = new PlainReader();
    let plain = 0;
    for (let n = 0; n < 20000; n++) {
      const length = 1 + (next() % 12);
      const body = new Uint8Array(length);
      for (let i = 0; i < length; i++) body[i] = next() % 3 === 0 ? next() & 0xff : tokens[next() % tokens.length];
      const read = reader.read(body);
      if (read === NOT_PLAIN) continue;
      plain += 1;
      expect(msgpackrReads(body), `bytes ${[...body]}`).toEqual({ value: read });
    }
    // The check above must have had something to compare.
    expect(plain).toBeGreaterThan(1000);
  });

  it('refuses a body cut short or with bytes left over', () => {
    const reader = new PlainReader();
    const body = new PlainFrameWriter().frame([1, 0.5, 'ab', [2]])!.subarray(FRAME_PREFIX_BYTES);
    for (let cut = 0; cut < body.byteLength; cut++) expect(reader.read(body.subarray(0, cut))).toBe(NOT_PLAIN);
    expect(reader.read(Buffer.concat([body, Buffer.from([1])]))).toBe(NOT_PLAIN);
    expect(reader.read(body)).toEqual([1, 0.5, 'ab', [2]]);
  });
});
