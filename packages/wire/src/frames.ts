/**
 * Length-prefixed frames: how messages are cut out of a byte stream.
 *
 * ```
 * u32le bodyLength | u32le attachmentCount | u32le length × attachmentCount | body | attachment 0 | attachment 1 | …
 * ```
 *
 * The body is the msgpackr encoding of the message; attachments are the raw
 * bytes of large binary values, which the body refers to by index (see
 * `codec.ts`). Keeping them out of the encoder saves copies both ways, and on
 * the receiving side each attachment lands in an ArrayBuffer of its own, so a
 * typed array is rebuilt on it without copying again.
 *
 * A frame larger than `maxFrameBytes`, counting header, body and attachments,
 * is refused by the sender (it throws, nothing is written) and by the
 * receiver (a {@link FrameError}: the connection is closed).
 */

/** Bytes before the attachment lengths: bodyLength and attachmentCount. */
export const FRAME_PREFIX_BYTES = 8;
/** More attachments than this in one frame is a garbled header. */
export const MAX_ATTACHMENTS = 0xffff;

/** A frame that cannot be accepted: too large, or bytes that make no sense (a bad header, a body that does not decode). */
export class FrameError extends Error {
  readonly code: string;
  constructor(message: string, code: 'ERR_FRAME_TOO_LARGE' | 'ERR_FRAME_GARBLED', options?: ErrorOptions) {
    super(message, options);
    this.name = 'FrameError';
    this.code = code;
  }
}

/** Total bytes of a frame with this body and these attachments. */
export function frameBytes(bodyLength: number, attachments: readonly Uint8Array[]): number {
  let total = FRAME_PREFIX_BYTES + 4 * attachments.length + bodyLength;
  for (const a of attachments) total += a.byteLength;
  return total;
}

/**
 * Checks, without building it, that a frame of this body and these
 * attachments may be sent; returns its size in bytes.
 * @throws RangeError when it would exceed `maxFrameBytes` or carry more than {@link MAX_ATTACHMENTS} attachments.
 */
export function checkFrame(body: Uint8Array, attachments: readonly Uint8Array[], maxFrameBytes: number): number {
  const total = frameBytes(body.byteLength, attachments);
  if (total > maxFrameBytes) {
    throw new RangeError(`the message encodes to ${total} bytes, more than maxFrameBytes (${maxFrameBytes})`);
  }
  if (attachments.length > MAX_ATTACHMENTS) {
    throw new RangeError(`the message has ${attachments.length} large binary values, more than ${MAX_ATTACHMENTS}`);
  }
  return total;
}

/**
 * Builds one frame in one buffer: a single copy of the body (which msgpackr
 * will overwrite on its next encode) and of each attachment (which the caller
 * may change right after `send` returns).
 *
 * With `into`, a buffer of the caller's that is large enough, the frame is
 * written at its start and a view of it is returned: a big frame then costs a
 * copy into memory already mapped, instead of faulting in fresh pages (which
 * costs several times the copy: about 6 ms for 16 MB).
 * @throws RangeError when the frame would exceed `maxFrameBytes`.
 */
export function encodeFrame(body: Uint8Array, attachments: readonly Uint8Array[], maxFrameBytes: number, into?: Buffer): Buffer {
  const total = checkFrame(body, attachments, maxFrameBytes);
  const frame = into !== undefined && into.byteLength >= total ? into.subarray(0, total) : Buffer.allocUnsafe(total);
  frame.writeUInt32LE(body.byteLength, 0);
  frame.writeUInt32LE(attachments.length, 4);
  let offset = FRAME_PREFIX_BYTES;
  for (const a of attachments) {
    frame.writeUInt32LE(a.byteLength, offset);
    offset += 4;
  }
  frame.set(body, offset);
  offset += body.byteLength;
  for (const a of attachments) {
    frame.set(a, offset);
    offset += a.byteLength;
  }
  return frame;
}

/** Receives one complete frame: the body, and each attachment in a fresh ArrayBuffer of its own. */
export type FrameHandler = (body: Uint8Array, attachments: Uint8Array[]) => void;

const EMPTY: Uint8Array[] = [];

function readU32(bytes: Uint8Array, at: number): number {
  return (bytes[at] | (bytes[at + 1] << 8) | (bytes[at + 2] << 16)) + bytes[at + 3] * 0x1000000;
}

/**
 * Cuts frames out of a stream of chunks. Feed it every chunk in order; it
 * calls the handler once per complete frame and throws a {@link FrameError}
 * on a frame it refuses (after which the reader must not be used again).
 */
export class FrameReader {
  readonly #maxFrameBytes: number;
  readonly #onFrame: FrameHandler;
  /** Header bytes collected so far, when a header spans chunks. */
  #head = Buffer.alloc(FRAME_PREFIX_BYTES);
  #headFill = 0;
  #headNeed = FRAME_PREFIX_BYTES;
  /** Lengths of the parts still to read for the current frame: body first, then attachments. */
  #lengths: number[] | undefined;
  #parts: Uint8Array[] = [];
  /** The part being filled across chunks, and how much of it is filled. */
  #part: Uint8Array | undefined;
  #partFill = 0;

  constructor(maxFrameBytes: number, onFrame: FrameHandler) {
    this.#maxFrameBytes = maxFrameBytes;
    this.#onFrame = onFrame;
  }

  /** True when no partial frame is buffered. */
  get idle(): boolean {
    return this.#lengths === undefined && this.#headFill === 0;
  }

  push(chunk: Uint8Array): void {
    let offset = 0;
    const end = chunk.byteLength;
    // Fast path for the common case: whole frames without attachments, nothing buffered.
    while (this.#lengths === undefined && this.#headFill === 0 && end - offset >= FRAME_PREFIX_BYTES) {
      const bodyLength = readU32(chunk, offset);
      if (readU32(chunk, offset + 4) !== 0 || end - offset - FRAME_PREFIX_BYTES < bodyLength) break;
      this.#checkPrefix(bodyLength, 0);
      const start = offset + FRAME_PREFIX_BYTES;
      offset = start + bodyLength;
      this.#onFrame(chunk.subarray(start, offset), EMPTY);
    }
    while (offset < end) {
      if (this.#lengths === undefined) {
        // Fast path: a whole prefix (and attachment lengths) inside this chunk, nothing buffered.
        if (this.#headFill === 0 && end - offset >= FRAME_PREFIX_BYTES) {
          const view = chunk instanceof Buffer ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
          const count = this.#checkPrefix(view.readUInt32LE(offset), view.readUInt32LE(offset + 4));
          const headBytes = FRAME_PREFIX_BYTES + 4 * count;
          if (end - offset >= headBytes) {
            this.#startFrame(view, offset, count);
            offset += headBytes;
            continue;
          }
        }
        offset = this.#fillHead(chunk, offset);
        continue;
      }
      offset = this.#fillParts(chunk, offset);
    }
  }

  #fillHead(chunk: Uint8Array, offset: number): number {
    const n = Math.min(this.#headNeed - this.#headFill, chunk.byteLength - offset);
    this.#head.set(chunk.subarray(offset, offset + n), this.#headFill);
    this.#headFill += n;
    offset += n;
    if (this.#headFill === FRAME_PREFIX_BYTES && this.#headNeed === FRAME_PREFIX_BYTES) {
      const count = this.#checkPrefix(this.#head.readUInt32LE(0), this.#head.readUInt32LE(4));
      if (count > 0) {
        const grown = Buffer.alloc(FRAME_PREFIX_BYTES + 4 * count);
        grown.set(this.#head.subarray(0, FRAME_PREFIX_BYTES));
        this.#head = grown;
        this.#headNeed = grown.byteLength;
      }
    }
    if (this.#headFill === this.#headNeed) {
      const count = (this.#headNeed - FRAME_PREFIX_BYTES) / 4;
      this.#startFrame(this.#head, 0, count);
      this.#head = Buffer.alloc(FRAME_PREFIX_BYTES);
      this.#headFill = 0;
      this.#headNeed = FRAME_PREFIX_BYTES;
    }
    return offset;
  }

  /** Validates bodyLength and attachmentCount as soon as they are known; returns the count. */
  #checkPrefix(bodyLength: number, count: number): number {
    if (count > MAX_ATTACHMENTS) {
      throw new FrameError(`garbled frame header: ${count} attachments`, 'ERR_FRAME_GARBLED');
    }
    if (bodyLength === 0) throw new FrameError('garbled frame header: empty body', 'ERR_FRAME_GARBLED');
    const atLeast = FRAME_PREFIX_BYTES + 4 * count + bodyLength;
    if (atLeast > this.#maxFrameBytes) {
      throw new FrameError(`frame of at least ${atLeast} bytes exceeds maxFrameBytes (${this.#maxFrameBytes})`, 'ERR_FRAME_TOO_LARGE');
    }
    return count;
  }

  #startFrame(head: Buffer, at: number, count: number): void {
    const lengths = [head.readUInt32LE(at)];
    let total = FRAME_PREFIX_BYTES + 4 * count + lengths[0];
    for (let i = 0; i < count; i++) {
      const length = head.readUInt32LE(at + FRAME_PREFIX_BYTES + 4 * i);
      // The encoder only detaches large values: an empty attachment never comes from a peer.
      if (length === 0) throw new FrameError('garbled frame header: empty attachment', 'ERR_FRAME_GARBLED');
      total += length;
      lengths.push(length);
    }
    if (total > this.#maxFrameBytes) {
      throw new FrameError(`frame of ${total} bytes exceeds maxFrameBytes (${this.#maxFrameBytes})`, 'ERR_FRAME_TOO_LARGE');
    }
    this.#lengths = lengths;
    this.#parts = [];
  }

  #fillParts(chunk: Uint8Array, offset: number): number {
    const lengths = this.#lengths!;
    while (offset < chunk.byteLength || this.#partsComplete(lengths)) {
      if (this.#partsComplete(lengths)) {
        this.#finishFrame();
        return offset;
      }
      const index = this.#parts.length;
      const length = lengths[index];
      if (this.#part === undefined) {
        const available = chunk.byteLength - offset;
        if (index === 0 && available >= length) {
          // The body is decoded at once and msgpackr copies what it keeps: a view is enough.
          this.#parts.push(chunk.subarray(offset, offset + length));
          offset += length;
          continue;
        }
        this.#part = new Uint8Array(length);
        this.#partFill = 0;
      }
      const n = Math.min(length - this.#partFill, chunk.byteLength - offset);
      this.#part.set(chunk.subarray(offset, offset + n), this.#partFill);
      this.#partFill += n;
      offset += n;
      if (this.#partFill === length) {
        this.#parts.push(this.#part);
        this.#part = undefined;
      }
    }
    return offset;
  }

  #partsComplete(lengths: number[]): boolean {
    return this.#parts.length === lengths.length;
  }

  #finishFrame(): void {
    const [body, ...attachments] = this.#parts;
    this.#lengths = undefined;
    this.#parts = [];
    this.#onFrame(body, attachments.length === 0 ? EMPTY : attachments);
  }
}
