/**
 * What a session's runtime thread and its supervisor share, in shared
 * memory, so that neither waits on the other:
 *
 * - TAKEN: the seq of the last inbox frame the thread took and acted on.
 *   The supervisor reports it in the LEFT or EXIT frame it sends when it
 *   ends the thread (abort, timeout, stop) or the thread dies: the executor
 *   tells from it which calls may have started (inbox-ledger.ts).
 * - OUT: the last seq of a frame sent to the executor's outbox, by either
 *   side (the executor drops a frame whose seq is not above the last it read).
 */
const TAKEN = 0;
const OUT = 1;

export class SessionBoard {
  readonly buffer: SharedArrayBuffer;
  readonly #cells: Int32Array;

  /** A new board, or (in the thread) a view of the supervisor's. */
  constructor(buffer = new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT)) {
    this.buffer = buffer;
    this.#cells = new Int32Array(buffer);
  }

  get taken(): number {
    return Atomics.load(this.#cells, TAKEN);
  }

  setTaken(seq: number): void {
    Atomics.store(this.#cells, TAKEN, seq);
  }

  /** The outbox seqs below `seq` are used (the supervisor's HELLO). */
  startOut(seq: number): void {
    Atomics.store(this.#cells, OUT, seq);
  }

  /** The next outbox seq. */
  nextOut(): number {
    return Atomics.add(this.#cells, OUT, 1) + 1;
  }
}
