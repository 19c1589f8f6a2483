/**
 * Every message that crosses Redis, in either direction, is one sealed frame:
 *
 * ```
 * byte 0      format version (1)
 * bytes 1–32  HMAC-SHA256(token, destination key ‖ payload), or 32 zero bytes without a token
 * bytes 33–   payload: msgpack [session, seq, kind, ...fields]
 * ```
 *
 * The MAC covers the key the frame was pushed to, so a frame cannot be moved
 * to another inbox; `session` (the worker id) and `seq` (increasing within a
 * session) let the receiver drop frames of another session and replays. A
 * receiver with a token drops any frame whose MAC does not match, including
 * unsigned ones; a receiver without a token drops signed frames (the two
 * sides must agree on the token, or run nothing).
 */
import { Packr } from 'msgpackr';
import { SIGNATURE_BYTES, sign, verify } from '@futures/wire';

const VERSION = 1;
const MAC_BYTES = SIGNATURE_BYTES;
const HEADER_BYTES = 1 + MAC_BYTES;

/** Frame kinds. */
export const KIND = {
  /** Worker → executor: I took your request. Fields: requestId, name, host, pid. */
  HELLO: 1,
  /** Either way: an engine message. Fields: parts (Uint8Array[]). */
  MESSAGE: 2,
  /** Executor → worker: leave this session (the engine retired you). */
  RELEASE: 3,
  /** Executor → worker: end the call you run now and leave (abort, timeout). */
  END: 4,
  /** Worker → executor: I left (RELEASE, END, or retired). Fields: seq of the last inbox frame I took. */
  LEFT: 5,
  /**
   * Worker → executor: my runtime died, or I was stopped. Fields: code, signal, reason, seq of the last inbox frame
   * I took, and 1 when it left because its connection to Redis dropped (a passing cause, not a failed start).
   */
  EXIT: 6,
  /** Executor → itself (pushed by its liveness check): this worker's heartbeat expired. */
  LOST: 7,
} as const;

export interface Frame {
  session: string;
  seq: number;
  kind: number;
  fields: unknown[];
}

/** The shared token, or undefined when frames are not signed. */
export type FrameKey = string | undefined;

export function frameKey(token: string | undefined): FrameKey {
  return token === '' ? undefined : token;
}

/** Seals and opens frames. One per process side; not reentrant (msgpackr). */
export class FrameSealer {
  readonly #key: FrameKey;
  readonly #packr = new Packr({ useRecords: false, moreTypes: false });

  constructor(key: FrameKey) {
    this.#key = key;
  }

  seal(destination: string, session: string, seq: number, kind: number, fields: readonly unknown[] = []): Buffer {
    const payload = this.#packr.pack([session, seq, kind, ...fields]);
    const frame = Buffer.allocUnsafe(HEADER_BYTES + payload.length);
    frame[0] = VERSION;
    if (this.#key === undefined) frame.fill(0, 1, HEADER_BYTES);
    else sign([Buffer.from(destination), payload], this.#key).copy(frame, 1);
    frame.set(payload, HEADER_BYTES);
    return frame;
  }

  /** The frame, or undefined when it is not one of ours or (with a token) its MAC does not match. */
  open(source: string, frame: Buffer): Frame | undefined {
    if (frame.length < HEADER_BYTES || frame[0] !== VERSION) return undefined;
    const payload = frame.subarray(HEADER_BYTES);
    const got = frame.subarray(1, HEADER_BYTES);
    if (this.#key !== undefined) {
      if (!verify([Buffer.from(source), payload], got, this.#key)) return undefined;
    } else if (got.some((byte) => byte !== 0)) {
      // Signed, but this side has no token: the two sides do not share a secret.
      return undefined;
    }
    let value: unknown;
    try {
      value = this.#packr.unpack(payload);
    } catch {
      return undefined;
    }
    if (!Array.isArray(value) || typeof value[0] !== 'string' || typeof value[1] !== 'number' || typeof value[2] !== 'number') return undefined;
    return { session: value[0], seq: value[1], kind: value[2], fields: value.slice(3) };
  }
}
