import { describe, expect, it } from 'vitest';
import { checkFrame, encodeFrame, FRAME_PREFIX_BYTES, FrameError, FrameReader, MAX_ATTACHMENTS } from './frames.js';

const MAX = 1024 * 1024;

interface Frame {
  body: number[];
  attachments: number[][];
  /** Each attachment sits alone in its own ArrayBuffer. */
  own: boolean[];
}

function reader(max = MAX): { frames: Frame[]; reader: FrameReader } {
  const frames: Frame[] = [];
  const r = new FrameReader(max, (body, attachments) => {
    frames.push({
      body: [...body],
      attachments: attachments.map((a) => [...a]),
      own: attachments.map((a) => a.byteOffset === 0 && a.byteLength === a.buffer.byteLength),
    });
  });
  return { frames, reader: r };
}

const bytes = (...values: number[]) => new Uint8Array(values);

function thrown(fn: () => void): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

describe('encodeFrame / FrameReader', () => {
  it('round-trips a body without attachments in one chunk', () => {
    const { frames, reader: r } = reader();
    r.push(encodeFrame(bytes(1, 2, 3), [], MAX));
    expect(frames).toEqual([{ body: [1, 2, 3], attachments: [], own: [] }]);
    expect(r.idle).toBe(true);
  });

  it('round-trips attachments, each in an ArrayBuffer of its own', () => {
    const { frames, reader: r } = reader();
    r.push(encodeFrame(bytes(9), [bytes(1, 2), bytes(3, 4, 5)], MAX));
    expect(frames).toEqual([{ body: [9], attachments: [[1, 2], [3, 4, 5]], own: [true, true] }]);
  });

  it('reassembles frames split at every possible byte boundary', () => {
    const one = encodeFrame(bytes(7, 8, 9, 10), [bytes(1, 2, 3), bytes(4)], MAX);
    const two = encodeFrame(bytes(42), [], MAX);
    const stream = Buffer.concat([one, two]);
    for (let cut = 1; cut < stream.length; cut++) {
      for (let cut2 = cut; cut2 < stream.length; cut2++) {
        const { frames, reader: r } = reader();
        r.push(stream.subarray(0, cut));
        r.push(stream.subarray(cut, cut2));
        r.push(stream.subarray(cut2));
        expect(frames.map((f) => [f.body, f.attachments])).toEqual([
          [[7, 8, 9, 10], [[1, 2, 3], [4]]],
          [[42], []],
        ]);
        expect(r.idle).toBe(true);
      }
    }
  });

  it('delivers several frames that arrive in one chunk, in order', () => {
    const { frames, reader: r } = reader();
    r.push(Buffer.concat([1, 2, 3].map((n) => encodeFrame(bytes(n), n === 2 ? [bytes(n, n)] : [], MAX))));
    expect(frames.map((f) => f.body[0])).toEqual([1, 2, 3]);
    expect(frames[1].attachments).toEqual([[2, 2]]);
  });

  it('copies the body and attachments: changing them after encoding changes nothing', () => {
    const body = bytes(1, 2);
    const attachment = bytes(3, 4);
    const frame = encodeFrame(body, [attachment], MAX);
    body[0] = 99;
    attachment[0] = 99;
    const { frames, reader: r } = reader();
    r.push(frame);
    expect(frames[0].body).toEqual([1, 2]);
    expect(frames[0].attachments).toEqual([[3, 4]]);
  });

  it('builds the frame at the start of a buffer it is given when that is large enough, and in a fresh one otherwise', () => {
    const into = Buffer.alloc(64, 0xee);
    const frame = encodeFrame(bytes(5), [bytes(6, 7)], MAX, into);
    expect(frame.buffer).toBe(into.buffer);
    expect(frame.byteOffset).toBe(into.byteOffset);
    expect(into[frame.byteLength]).toBe(0xee);
    const small = Buffer.alloc(4);
    const fresh = encodeFrame(bytes(5), [bytes(6, 7)], MAX, small);
    expect(fresh.buffer).not.toBe(small.buffer);
    expect([...small]).toEqual([0, 0, 0, 0]);
    for (const f of [frame, fresh]) {
      const { frames, reader: r } = reader();
      r.push(f);
      expect(frames.map((x) => [x.body, x.attachments])).toEqual([[[5], [[6, 7]]]]);
    }
  });

  it('refuses to encode a frame larger than maxFrameBytes, counting header and attachments', () => {
    const body = new Uint8Array(100);
    expect(encodeFrame(body, [], FRAME_PREFIX_BYTES + 100).byteLength).toBe(FRAME_PREFIX_BYTES + 100);
    expect(() => encodeFrame(body, [], FRAME_PREFIX_BYTES + 99)).toThrow(RangeError);
    expect(() => encodeFrame(body, [new Uint8Array(50)], FRAME_PREFIX_BYTES + 150)).toThrow(/maxFrameBytes \(158\)/);
    expect(encodeFrame(body, [new Uint8Array(50)], FRAME_PREFIX_BYTES + 4 + 150).byteLength).toBe(FRAME_PREFIX_BYTES + 154);
  });

  it('refuses an oversized frame as soon as its header says so, before its body arrives', () => {
    const { frames, reader: r } = reader(1000);
    const header = Buffer.alloc(FRAME_PREFIX_BYTES);
    header.writeUInt32LE(2000, 0);
    const error = thrown(() => r.push(header));
    expect(error).toBeInstanceOf(FrameError);
    expect((error as FrameError).code).toBe('ERR_FRAME_TOO_LARGE');
    expect(frames).toEqual([]);
  });

  it('refuses a frame whose attachments make it oversized', () => {
    const frame = encodeFrame(bytes(1), [new Uint8Array(600), new Uint8Array(600)], MAX);
    const { reader: r } = reader(1000);
    expect(() => r.push(frame.subarray(0, FRAME_PREFIX_BYTES + 8))).toThrow(/exceeds maxFrameBytes \(1000\)/);
  });

  it('checkFrame applies the same limit without building the frame, and returns its size', () => {
    const body = new Uint8Array(100);
    expect(checkFrame(body, [new Uint8Array(50)], FRAME_PREFIX_BYTES + 154)).toBe(FRAME_PREFIX_BYTES + 154);
    expect(() => checkFrame(body, [new Uint8Array(50)], FRAME_PREFIX_BYTES + 150)).toThrow(/maxFrameBytes \(158\)/);
    expect(() => checkFrame(body, [], FRAME_PREFIX_BYTES + 99)).toThrow(RangeError);
  });

  it('refuses garbled headers: an empty body, an empty attachment, an absurd attachment count', () => {
    const empty = Buffer.alloc(FRAME_PREFIX_BYTES);
    expect(thrown(() => reader().reader.push(empty))).toMatchObject({ code: 'ERR_FRAME_GARBLED', message: expect.stringMatching(/empty body/) });

    const emptyAttachment = Buffer.alloc(FRAME_PREFIX_BYTES + 4);
    emptyAttachment.writeUInt32LE(1, 0);
    emptyAttachment.writeUInt32LE(1, 4);
    expect(() => reader().reader.push(emptyAttachment)).toThrow(/empty attachment/);

    const many = Buffer.alloc(FRAME_PREFIX_BYTES);
    many.writeUInt32LE(1, 0);
    many.writeUInt32LE(MAX_ATTACHMENTS + 1, 4);
    expect(() => reader().reader.push(many)).toThrow(/attachments/);
  });

  it('refuses random bytes that look like an HTTP request', () => {
    expect(() => reader().reader.push(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))).toThrow(FrameError);
  });
});
