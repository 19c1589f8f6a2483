/**
 * Which calls a fleet worker may have started, told from what it took from
 * its inbox.
 *
 * A worker takes frames from its inbox list, and taking is atomic in Redis:
 * a frame still in the inbox was not taken, so none of its calls started.
 * So the executor needs no announcement before each call (no round trip
 * between calls): when the worker leaves or dies, the seq of the last frame
 * it took says which calls may have run. The worker reports it in its LEFT
 * or EXIT frame; when it is declared lost, the liveness script counts the
 * frames left in its inbox (and deletes them, so that a worker that comes
 * back after SIGCONT finds nothing to run), and the frames landed before
 * minus those left are the ones taken.
 *
 * Of the calls in taken frames, those without a result may have run: the
 * last of them is blamed, the ones before it fail as lost (a run of short
 * calls sent together), and none runs again. Calls in frames not taken go
 * back to the queue. (A call that may be long is always alone on its worker,
 * so the blame for it is exact.)
 */

interface Entry {
  seq: number;
  /** Id of the frame's last call (a `run` message), or -1. */
  lastId: number;
  /** Its calls without a result yet. */
  remaining: number;
  /** Redis took the frame into the inbox (true), refused it (false: the worker was lost), or has not answered yet. */
  landed: boolean | undefined;
}

export class InboxLedger {
  /** Frames sent, in seq order, from the first whose calls are not all answered. */
  #entries: Entry[] = [];
  #head = 0;

  /** A frame sent; `calls` is a `run` message's flat call array (id first, `stride` slots per call). */
  sent(seq: number, calls: readonly unknown[] | undefined, stride: number): void {
    const count = calls === undefined ? 0 : calls.length / stride;
    this.#entries.push({ seq, lastId: count > 0 ? (calls![(count - 1) * stride] as number) : -1, remaining: count, landed: undefined });
  }

  /** Redis answered the push of frames `seqs`: in the inbox, or refused. Replies come in send order. */
  landed(seqs: readonly number[], ok: boolean): void {
    const set = new Set(seqs);
    for (let i = this.#head; i < this.#entries.length; i++) if (set.has(this.#entries[i].seq)) this.#entries[i].landed = ok;
  }

  /** `count` results arrived (in the order the calls were sent). */
  answered(count: number): void {
    const e = this.#entries;
    while (this.#head < e.length) {
      const entry = e[this.#head];
      if (entry.remaining > 0) {
        const take = Math.min(entry.remaining, count);
        entry.remaining -= take;
        count -= take;
      }
      if (entry.remaining > 0) break;
      this.#head++;
    }
    if (this.#head > 64 && this.#head * 2 > e.length) {
      this.#entries = e.slice(this.#head);
      this.#head = 0;
    }
  }

  /**
   * The worker was declared lost with `untaken` frames left in its inbox:
   * the seq of the last frame it took (0 if none is known to be pending).
   * Frames whose push Redis has not answered yet were sent after the loss
   * (replies come in order): refused, not taken.
   */
  takenAtLoss(untaken: number): number {
    const landed = this.#entries.slice(this.#head).filter((entry) => entry.landed === true);
    const taken = landed.length - untaken;
    return taken > 0 ? landed[taken - 1].seq : 0;
  }

  /** The call blamed when the worker is gone having taken frames up to `takenSeq`: -1 if none may have run. */
  running(takenSeq: number): number {
    let id = -1;
    for (let i = this.#head; i < this.#entries.length; i++) {
      const entry = this.#entries[i];
      if (entry.seq > takenSeq) break;
      if (entry.remaining > 0 && entry.landed !== false) id = entry.lastId;
    }
    return id;
  }
}
