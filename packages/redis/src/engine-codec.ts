/**
 * How engine messages (`run`, `done`, `init`, ...) become bytes and back.
 *
 * Interim: a plain msgpackr codec with structured types, refusing functions.
 * It is replaced by the socket transport's codec and envelope once they move
 * to `@futures/wire` (large binaries as attachments, errors kept whole,
 * messages as tuples); the rest of this package only sees {@link EngineCodec}.
 */
import { Packr } from 'msgpackr';

/**
 * Encodes one message to parts (a body, then any attachments), each a copy
 * that the caller owns; decodes them back. Not reentrant.
 */
export class EngineCodec {
  readonly #packr: Packr;

  constructor() {
    // A fresh options object: msgpackr writes into the one it is given.
    this.#packr = new Packr({
      structuredClone: true,
      useToJSON: false,
      writeFunction: () => {
        throw new TypeError('a function cannot be encoded; functions are sent as tasks, see defineTasks');
      },
    });
  }

  /** @throws TypeError when a value cannot be carried; nothing is produced then. */
  encode(message: unknown): Uint8Array[] {
    // msgpackr reuses its output buffer: copy before the next encode.
    return [Uint8Array.prototype.slice.call(this.#packr.pack(message))];
  }

  /** @throws on malformed input. */
  decode(parts: readonly Uint8Array[]): unknown {
    return this.#packr.unpack(parts[0]);
  }

  /** Throws if `value` cannot be carried. */
  check(value: unknown): void {
    this.#packr.pack(value);
  }
}
