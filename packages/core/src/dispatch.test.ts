import { describe, expect, it } from 'vitest';
import { DispatchPolicy, MAX_IN_FLIGHT, STALL_MS } from './dispatch.js';
import { Future } from './future.js';
import { PROGRESS_RUNNING } from './progress.js';
import { CALL, SHORT_CALL_MS } from './protocol.js';
import { Queue } from './queue.js';
import type { WorkerChannel } from './transport.js';
import { WorkerSlot } from './worker-slot.js';
import { WorkItem } from './work-item.js';

const channel: WorkerChannel = { label: 'w', send() {}, terminate() {}, ref() {}, unref() {} };
function readySlot(on: WorkerChannel = channel): WorkerSlot {
  const slot = new WorkerSlot(false);
  slot.attach(on);
  slot.becomeReady();
  return slot;
}
const call = (fnId: number) => new WorkItem(new Future<unknown>(), fnId, CALL, [], {}, false);
/** A queue of `n` calls of function `fnId`. */
function queueOf(n: number, fnId: number): Queue<WorkItem> {
  const queue = new Queue<WorkItem>();
  for (let i = 0; i < n; i++) queue.push(call(fnId));
  return queue;
}

describe('DispatchPolicy.take', () => {
  it('gives an idle worker one call of a function not known to be short, and nothing more until it answers', () => {
    const policy = new DispatchPolicy(Infinity);
    const queue = queueOf(5, 7);
    const w = readySlot();
    const batch = policy.take(queue, w, 16, 0);
    expect(batch).toHaveLength(1);
    for (const item of batch) {
      w.inflight.push(item);
      if (!item.short) w.unshortInFlight++;
    }
    expect(policy.isOpen(w, 2)).toBe(false);
    expect(queue.length).toBe(4);
  });

  it('gives short calls up to MAX_IN_FLIGHT in one batch, stopping at a call that is not short', () => {
    const policy = new DispatchPolicy(Infinity);
    policy.timing.record([1, 0.01], 0);
    const queue = queueOf(20, 1);
    const w = readySlot();
    expect(policy.take(queue, w, 100, 1)).toHaveLength(MAX_IN_FLIGHT);
    const other = new Queue<WorkItem>();
    other.push(call(1));
    other.push(call(2));
    other.push(call(1));
    expect(policy.take(other, readySlot(), 100, 1)).toHaveLength(1);
  });

  it('counts the demand as calls queued plus calls waiting behind a running one, up to maxWorkers', () => {
    const policy = new DispatchPolicy(Infinity);
    const w = readySlot();
    for (let i = 0; i < 10; i++) w.inflight.push(call(1));
    expect(policy.workersToStart(0, [w], 4)).toBe(3);
    expect(policy.workersToStart(0, [w], 2)).toBe(1);
    const idle = readySlot();
    expect(policy.workersToStart(0, [idle], 4)).toBe(0);
  });

  it('tops a busy worker up only when half its calls are done, never past MAX_IN_FLIGHT', () => {
    const policy = new DispatchPolicy(Infinity);
    policy.timing.record([1, 0.01], 0);
    const queue = queueOf(40, 1);
    const w = readySlot();
    for (const item of policy.take(queue, w, 100, 1)) w.inflight.push(item);
    expect(w.busy).toBe(MAX_IN_FLIGHT);
    expect(policy.isOpen(w, 2)).toBe(false);
    // One call answered: still closed.
    w.inflight.shift();
    expect(policy.isOpen(w, 2)).toBe(false);
    // Half answered: open, and it may take calls back up to the cap.
    for (let i = 0; i < MAX_IN_FLIGHT / 2 - 1; i++) w.inflight.shift();
    expect(policy.isOpen(w, 2)).toBe(true);
    expect(policy.take(queue, w, 100, 1)).toHaveLength(MAX_IN_FLIGHT / 2);
  });

  it('counts only unfinished calls against the cap: calls its board shows finished make room before their results arrive', () => {
    const policy = new DispatchPolicy(Infinity);
    policy.timing.record([1, 0.01], 0);
    const queue = queueOf(60, 1);
    const board = { running: 0, get: (slot: number) => (slot === PROGRESS_RUNNING ? board.running : 0) };
    const w = readySlot({ ...channel, progress: board });
    let nextId = 1;
    // As CallSender does: each call sent gets the next id, and is in flight.
    const send = (now: number) => {
      const batch = policy.take(queue, w, 100, now);
      for (const item of batch) {
        item.id = nextId++;
        w.inflight.push(item);
      }
      return batch;
    };
    const first = send(1);
    expect(first).toHaveLength(MAX_IN_FLIGHT);
    // The board names no call in flight: none has started, the worker is full.
    expect(policy.room(w, 1.5)).toBe(0);
    // The 8th call runs: 7 are done (results not in yet), 9 unfinished: still closed.
    board.running = first[7].id;
    expect(policy.room(w, 1.7)).toBe(0);
    // The 9th runs: 8 unfinished, so 8 more may go, though all 16 are unanswered.
    board.running = first[8].id;
    expect(policy.room(w, 2)).toBe(MAX_IN_FLIGHT / 2);
    expect(send(2)).toHaveLength(MAX_IN_FLIGHT / 2);
    expect(w.busy).toBe(MAX_IN_FLIGHT + MAX_IN_FLIGHT / 2);
    // The call running is counted unfinished even once it is the last (it may have just ended).
    board.running = w.inflight.at(w.busy - 1)!.id;
    expect(policy.room(w, 3)).toBe(MAX_IN_FLIGHT - 1);
  });

  /** A worker given 16 short calls at 10 ms (ids 1 to 16), with a progress board the test sets. */
  function fullSlotWithBoard() {
    const policy = new DispatchPolicy(Infinity);
    policy.timing.record([1, 0.01], 0);
    const board = { running: 0, get: () => board.running };
    const w = readySlot({ ...channel, progress: board });
    const batch = policy.take(queueOf(40, 1), w, 100, 10);
    batch.forEach((item, i) => {
      item.id = i + 1;
      w.inflight.push(item);
    });
    return { policy, board, w, batch };
  }

  it('takes a new call named running on the board as a sign of life (not stalled inside a long call)', () => {
    const { policy, board, w, batch } = fullSlotWithBoard();
    // Read while 14 are unfinished: full.
    board.running = batch[2].id;
    expect(policy.isOpen(w, 10 + STALL_MS / 2)).toBe(false);
    // A call started since that reading: the worker was alive at it, so not stalled STALL_MS after it was given calls.
    board.running = batch[8].id;
    expect(policy.isOpen(w, 10 + STALL_MS + 1)).toBe(true);
    // The same call still running STALL_MS later: stalled.
    expect(policy.isOpen(w, 10 + 3 * STALL_MS)).toBe(false);
  });

  it('does not take a call first seen on the board long after the last reading as a sign of life now (a long call after a quiet spell)', () => {
    const { policy, board, w, batch } = fullSlotWithBoard();
    board.running = batch[0].id;
    expect(policy.isOpen(w, 10.5)).toBe(false);
    // Nothing read it for 300 ms; the call now running may have started any time since: stalled.
    board.running = batch[9].id;
    expect(policy.isOpen(w, 310)).toBe(false);
  });

  it('gives a worker one call at a time while the function is not known to be short', () => {
    const policy = new DispatchPolicy(Infinity);
    const queue = queueOf(5, 7);
    const w = readySlot();
    const batch = policy.take(queue, w, 16, 0);
    expect(batch).toHaveLength(1);
    w.inflight.push(batch[0]);
    w.unshortInFlight++;
    expect(policy.isOpen(w, 2)).toBe(false);
  });

  it('dispatches nothing more to a busy worker that has not answered for STALL_MS (inside a long call), until it answers', () => {
    const policy = new DispatchPolicy(Infinity);
    policy.timing.record([1, 0.01], 0);
    const queue = queueOf(40, 1);
    const w = readySlot();
    for (const item of policy.take(queue, w, 4, 10)) w.inflight.push(item);
    expect(w.busy).toBe(4);
    expect(policy.isOpen(w, 10 + STALL_MS)).toBe(true);
    // Silent past STALL_MS: its first call runs long, and what is queued must wait for any worker, not behind it.
    expect(policy.isOpen(w, 10 + STALL_MS + 1)).toBe(false);
    w.inflight.shift();
    policy.answered(w, 20);
    expect(policy.isOpen(w, 21)).toBe(true);
    // An idle worker is open however long it has been silent, and its silence counts from the calls it gets.
    const idle = readySlot();
    expect(policy.isOpen(idle, 1000)).toBe(true);
    for (const item of policy.take(queue, idle, 2, 1000)) idle.inflight.push(item);
    expect(policy.isOpen(idle, 1000 + STALL_MS)).toBe(true);
  });
});
