/**
 * Frames of the framed socket floor (floors.ts) and its echo child
 * (raw-socket-framed-echo.ts): each body behind its u32le length.
 */

/** One body as a frame. */
export function lengthFrame(body: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(4 + body.length);
  frame.writeUInt32LE(body.length, 0);
  frame.set(body, 4);
  return frame;
}

/** Cuts the bytes of a stream into the bodies of its frames, whatever the chunks. */
export class LengthFrames {
  #pending: Buffer = Buffer.alloc(0);

  /** Calls `onBody` for each frame completed by `chunk` (the body is a view: copy what you keep). */
  push(chunk: Buffer, onBody: (body: Buffer) => void): void {
    const buf = this.#pending.length === 0 ? chunk : Buffer.concat([this.#pending, chunk]);
    let at = 0;
    while (buf.length - at >= 4) {
      const length = buf.readUInt32LE(at);
      if (buf.length - at - 4 < length) break;
      onBody(buf.subarray(at + 4, at + 4 + length));
      at += 4 + length;
    }
    this.#pending = buf.subarray(at);
  }
}
