/**
 * Sending calls to a worker: a batch goes as one `run` message (with the
 * definitions of functions the worker has not seen yet); the calls that went
 * out are in flight on it. When the batch cannot be encoded, each call is
 * sent alone, and the one at fault fails with a `TypeError` naming its value
 * (see `send-diagnosis.ts`); the worker and its other calls are left alone.
 */
import type { TransferListItem } from 'node:worker_threads';
import type { FunctionRegistry } from './function-registry.js';
import { hasLiveArgument } from './live-values.js';
import { CHUNK } from './protocol.js';
import { findUnsendable } from './send-diagnosis.js';
import type { Transport } from './transport.js';
import type { WorkerSlot } from './worker-slot.js';
import type { WorkItem } from './work-item.js';

export class CallSender {
  readonly #transport: Transport;
  readonly #registry: FunctionRegistry;
  readonly #requeue: (items: WorkItem[]) => void;
  #nextCallId = 1;

  /** `requeue` takes back calls that could not go because the worker ended while they were being sent. */
  constructor(transport: Transport, registry: FunctionRegistry, requeue: (items: WorkItem[]) => void) {
    this.#transport = transport;
    this.#registry = registry;
    this.#requeue = requeue;
  }

  /** Whether the transport's codec can carry `value`. */
  canSend(value: unknown): boolean {
    try {
      this.#check(value);
      return true;
    } catch {
      return false;
    }
  }

  /** Sends `batch` to `w` as one message; on an encoding failure, finds and fails only the calls at fault. */
  send(w: WorkerSlot, batch: WorkItem[]): void {
    try {
      this.#post(w, batch);
    } catch (error) {
      if (batch.length === 1) return this.#failed(batch[0], error);
      for (let i = 0; i < batch.length; i++) {
        try {
          this.#post(w, [batch[i]]);
        } catch (e) {
          this.#failed(batch[i], e);
        }
        if (w.state === 'ended') {
          this.#requeue(batch.slice(i + 1));
          break;
        }
      }
    }
  }

  /** Encodes and sends; registers the items as in flight only when the send succeeded. */
  #post(w: WorkerSlot, batch: WorkItem[]): void {
    if (w.state === 'ended') {
      this.#requeue(batch);
      return;
    }
    // Built by push: an array made with `new Array(n)` stays "holey" however it is filled, and the v8
    // serializer (structured clone, IPC) writes a holey array as a sparse one, key by key: twice the
    // bytes and several times the time both ways. A lone call's is a literal of its four slots (a
    // push onto an empty array reserves 17).
    let calls: unknown[] | undefined;
    let defs: unknown[] | undefined;
    let transfer: TransferListItem[] | undefined;
    for (let i = 0; i < batch.length; i++) {
      const item = batch[i];
      // Structured clone would copy an emitter as `{}`: refuse it as the socket codec does (diagnosed in #failed).
      if (hasLiveArgument(item.args, item.kind === CHUNK, item.options.transfer)) throw new TypeError('a live resource cannot be sent');
      if (!w.known.has(item.fnId)) (defs ??= []).push(item.fnId, this.#registry.ref(item.fnId));
      if (item.options.transfer !== undefined) (transfer ??= []).push(...item.options.transfer);
      item.id = this.#nextCallId;
      // Ids are published as 32-bit integers on progress boards.
      this.#nextCallId = this.#nextCallId === 0x7fffffff ? 1 : this.#nextCallId + 1;
      if (calls === undefined) calls = [item.id, item.fnId, item.wireKind, item.args];
      else calls.push(item.id, item.fnId, item.wireKind, item.args);
    }
    if (transfer !== undefined && transfer.length > 1) transfer = [...new Set(transfer)];
    w.channel.send(defs === undefined ? { t: 'run', calls: calls ?? [] } : { t: 'run', defs, calls: calls ?? [] }, transfer);
    if (defs !== undefined) for (let i = 0; i < defs.length; i += 2) w.known.add(defs[i] as number);
    for (const item of batch) {
      w.inflight.push(item);
      if (!item.short) w.unshortInFlight++;
    }
    w.assigned += batch.length;
  }

  /** A send of one call failed: fail it, naming its value at fault if one is; else the values are too big together. */
  #failed(item: WorkItem, error: unknown): void {
    const name = this.#registry.ref(item.fnId).name;
    const culprit = findUnsendable(item, name, this.#transport.kind, this.#check);
    // No value is at fault on its own: the values are too big together, or the channel is going
    // down (its exit will follow and is handled there). Either way only this call fails.
    item.future.setException(
      culprit ??
        new TypeError(`the call to ${this.#registry.describe(item.fnId)} cannot be sent to a ${this.#transport.kind} worker: ${(error as Error)?.message ?? String(error)}`, {
          cause: error,
        }),
    );
  }

  /** Throws if the transport's codec cannot carry `value`. */
  readonly #check = (value: unknown): void => {
    if (this.#transport.checkValue !== undefined) this.#transport.checkValue(value);
    else structuredClone(value);
  };
}
