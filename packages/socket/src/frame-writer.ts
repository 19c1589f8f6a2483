/**
 * Writes frames to one connection. A big frame is built in a buffer kept
 * from an earlier big frame once the socket has finished writing it: copying
 * 16 MB into memory already mapped takes about a fifth of the time of
 * copying it into a fresh allocation, whose pages fault in one by one.
 */
import type { Socket } from 'node:net';
import { checkFrame, encodeFrame, PlainFrameWriter } from '@futures/wire';

/** Frames of at least this many bytes go through the kept buffer; smaller ones are cheap to allocate. */
export const REUSE_MIN_BYTES = 256 * 1024;
/** The kept buffer is let go after this long without a big frame, so an idle connection holds no big memory. */
export const SPARE_IDLE_MS = 1000;

export class FrameWriter {
  readonly #maxFrameBytes: number;
  readonly #plain = new PlainFrameWriter();
  /** A buffer no write holds any more, ready for the next big frame. */
  #spare: Buffer | undefined;
  #idle: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(maxFrameBytes: number) {
    this.#maxFrameBytes = maxFrameBytes;
  }

  /**
   * The frame of a small plain message (see PlainFrameWriter), built in one
   * step; `undefined` when the message is not one, to be encoded with the
   * codec and written with {@link FrameWriter.write} or {@link FrameWriter.frame}.
   */
  plainFrame(message: unknown): Buffer | undefined {
    const frame = this.#plain.frame(message);
    return frame !== undefined && frame.byteLength <= this.#maxFrameBytes ? frame : undefined;
  }

  /**
   * A frame of its own, for a caller that holds on to it (a queue).
   * @throws RangeError when the frame would exceed `maxFrameBytes`.
   */
  frame(body: Uint8Array, attachments: readonly Uint8Array[]): Buffer {
    return encodeFrame(body, attachments, this.#maxFrameBytes);
  }

  /**
   * Checks that the frame could be sent, building nothing (for a connection
   * that is gone: what is sent to it is lost, but a value too large must
   * still throw).
   * @throws RangeError when the frame would exceed `maxFrameBytes`.
   */
  check(body: Uint8Array, attachments: readonly Uint8Array[]): void {
    checkFrame(body, attachments, this.#maxFrameBytes);
  }

  /**
   * Builds the frame (copying body and attachments before returning, so the
   * caller may change them at once) and writes it to `socket`.
   * @throws RangeError, writing nothing, when the frame would exceed `maxFrameBytes`.
   */
  write(socket: Socket, body: Uint8Array, attachments: readonly Uint8Array[]): void {
    if (attachments.length === 0 || checkFrame(body, attachments, this.#maxFrameBytes) < REUSE_MIN_BYTES) {
      socket.write(encodeFrame(body, attachments, this.#maxFrameBytes));
      return;
    }
    const spare = this.#spare;
    const frame = encodeFrame(body, attachments, this.#maxFrameBytes, spare);
    // The spare, if it was used, is in flight now; one too small is let go for the bigger one.
    this.#spare = undefined;
    const whole = spare !== undefined && frame.buffer === spare.buffer ? spare : frame;
    socket.write(frame, (error) => {
      if (error == null) this.#keep(whole);
    });
  }

  /** Lets the kept buffer go (the connection is over). */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#idle);
    this.#idle = undefined;
    this.#spare = undefined;
  }

  #keep(buffer: Buffer): void {
    if (this.#closed || (this.#spare !== undefined && this.#spare.byteLength >= buffer.byteLength)) return;
    this.#spare = buffer;
    if (this.#idle === undefined) {
      this.#idle = setTimeout(() => {
        this.#idle = undefined;
        this.#spare = undefined;
      }, SPARE_IDLE_MS);
      // Letting memory go is no reason to keep the process alive.
      this.#idle.unref();
    } else {
      this.#idle.refresh();
    }
  }
}
