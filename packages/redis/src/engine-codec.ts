/**
 * How engine messages (`run`, `done`, `init`, ...) become bytes and back: the
 * envelope and value codec of `@futures/wire` (shared with the socket
 * transport), as parts that a sealed frame carries: the msgpack body, then
 * the raw bytes of each large binary value.
 */
import { MessageCodec, fromTuple, toTuple } from '@futures/wire';
import type { FromWorker, ToWorker } from '@futures/core/transport';

/** Encodes one message to parts that the caller owns; decodes them back. Not reentrant (one per side). */
export class EngineCodec {
  readonly #codec = new MessageCodec();

  /** @throws TypeError when a value cannot be carried; nothing is produced then. */
  encode(message: ToWorker | FromWorker): Uint8Array[] {
    const { body, attachments } = this.#codec.encode(toTuple(message));
    // The body lives in msgpackr's reused buffer, and attachments are views of the caller's memory: copy both.
    const parts = [Uint8Array.prototype.slice.call(body)];
    for (const a of attachments) parts.push(Uint8Array.prototype.slice.call(a));
    return parts;
  }

  /** @throws on malformed input. */
  decode(parts: readonly Uint8Array[]): ToWorker | FromWorker {
    // The codec rebuilds each large binary on its attachment's ArrayBuffer: give each one of its own.
    const attachments = parts.slice(1).map((a) => (a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : Uint8Array.prototype.slice.call(a)));
    return fromTuple(this.#codec.decode(parts[0], attachments));
  }

  /** Throws if `value` cannot be carried. */
  check(value: unknown): void {
    this.#codec.encode(value);
  }
}
