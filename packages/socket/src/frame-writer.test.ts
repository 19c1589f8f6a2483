import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FrameReader } from '@futures/wire';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FrameWriter, REUSE_MIN_BYTES } from './frame-writer.js';

let dir: string;
let server: Server;
const sockets: Socket[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'futures-writer-'));
  server = createServer();
  server.listen(join(dir, 's.sock'));
  await once(server, 'listening');
});

afterEach(async () => {
  for (const s of sockets.splice(0)) s.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

/** A connected pair, and the frames the far side reads (body byte 0, attachment bytes). */
async function pair(): Promise<{ near: Socket; frames: { tag: number; attachments: Uint8Array[] }[]; arrived: (n: number) => Promise<void> }> {
  const accepted = once(server, 'connection') as Promise<[Socket]>;
  const near = createConnection(server.address() as string);
  await once(near, 'connect');
  const [far] = await accepted;
  sockets.push(near, far);
  const frames: { tag: number; attachments: Uint8Array[] }[] = [];
  let waiting: { n: number; resolve: () => void } | undefined;
  const reader = new FrameReader(1 << 30, (body, attachments) => {
    frames.push({ tag: body[0], attachments });
    if (waiting !== undefined && frames.length >= waiting.n) waiting.resolve();
  });
  far.on('data', (chunk: Buffer) => reader.push(chunk));
  const arrived = (n: number) => (frames.length >= n ? Promise.resolve() : new Promise<void>((resolve) => (waiting = { n, resolve })));
  return { near, frames, arrived };
}

const big = (fill: number, bytes = 4 * REUSE_MIN_BYTES) => new Uint8Array(bytes).fill(fill);

describe('FrameWriter', () => {
  it('sends what the attachments held when write returned, though the caller changes them at once', async () => {
    const { near, frames, arrived } = await pair();
    const writer = new FrameWriter(1 << 30);
    const payload = big(1);
    writer.write(near, Uint8Array.of(1), [payload]);
    payload.fill(2);
    writer.write(near, Uint8Array.of(2), [payload]);
    payload.fill(3);
    await arrived(2);
    expect(frames.map((f) => f.tag)).toEqual([1, 2]);
    expect(frames[0].attachments[0].every((b) => b === 1)).toBe(true);
    expect(frames[1].attachments[0].every((b) => b === 2)).toBe(true);
  });

  it('keeps every big frame intact across many writes of growing and shrinking sizes, small frames between them', async () => {
    const { near, frames, arrived } = await pair();
    const writer = new FrameWriter(1 << 30);
    const sizes = [4, 8, 2, 8, 16, 1, 3].map((k) => k * REUSE_MIN_BYTES + 7);
    let n = 0;
    for (const [i, size] of sizes.entries()) {
      writer.write(near, Uint8Array.of(i), [big(i + 10, size)]);
      writer.write(near, Uint8Array.of(100 + i), [Uint8Array.of(i)]);
      n += 2;
      // Half of them after the previous ones were written, so the kept buffer is reused.
      if (i % 2 === 1) await arrived(n);
    }
    await arrived(n);
    writer.close();
    for (const [i, size] of sizes.entries()) {
      const frame = frames[2 * i];
      expect(frame.tag).toBe(i);
      expect(frame.attachments[0].byteLength).toBe(size);
      expect(frame.attachments[0].every((b) => b === i + 10)).toBe(true);
      expect(frames[2 * i + 1].tag).toBe(100 + i);
    }
  });

  it('refuses a frame over maxFrameBytes, writing nothing', async () => {
    const { near, frames, arrived } = await pair();
    const writer = new FrameWriter(REUSE_MIN_BYTES * 2);
    expect(() => writer.write(near, Uint8Array.of(1), [big(1)])).toThrow(RangeError);
    writer.write(near, Uint8Array.of(2), [big(2, REUSE_MIN_BYTES)]);
    await arrived(1);
    expect(frames.map((f) => f.tag)).toEqual([2]);
  });
});
