import { describe, expect, it } from 'vitest';
import { Future } from './future.js';
import { CALL } from './protocol.js';
import type { ToWorker } from './protocol.js';
import type { WorkerChannel } from './transport.js';
import { WorkerSlot } from './worker-slot.js';
import { WorkItem } from './work-item.js';

/** A channel that records what the slot does with it. */
function channel(): WorkerChannel & { sent: ToWorker[]; terminated: number; refs: number } {
  return {
    label: 'test worker',
    sent: [],
    terminated: 0,
    refs: 0,
    send(message) {
      this.sent.push(message);
    },
    terminate() {
      this.terminated++;
    },
    ref() {
      this.refs++;
    },
    unref() {},
  };
}

const item = () => new WorkItem(new Future<unknown>(), 0, CALL, [], {}, false);

describe('WorkerSlot: lifecycle', () => {
  it('goes starting → ready → retiring → ended, asking the worker to retire once', () => {
    const slot = new WorkerSlot(false);
    const ch = channel();
    slot.attach(ch);
    expect(slot.state).toBe('starting');
    expect(slot.becomeReady()).toBe(true);
    expect(slot.becomeReady()).toBe(false);
    slot.retire();
    slot.retire();
    expect(slot.state).toBe('retiring');
    expect(ch.sent).toEqual([{ t: 'retire' }]);
    expect(ch.refs).toBe(1);
    expect(slot.onExit()).toBe('retiring');
    expect(slot.state).toBe('ended');
  });

  it('an ended worker is terminated once and keeps the error for its running call; retire is then a no-op', () => {
    const slot = new WorkerSlot(false);
    const ch = channel();
    slot.attach(ch);
    const error = new Error('ended');
    slot.end(error);
    slot.end(new Error('again'));
    slot.retire();
    expect(ch.terminated).toBe(1);
    expect(ch.sent).toEqual([]);
    expect(slot.endError).toBe(error);
    expect(slot.onExit()).toBe('ended');
  });

  it('a worker that exits while starting reports it (a failed start)', () => {
    const slot = new WorkerSlot(false);
    slot.attach(channel());
    expect(slot.onExit()).toBe('starting');
  });
});

describe('WorkerSlot: calls in flight', () => {
  it('under a sustained backlog (never drained) its memory follows the calls in flight, not the calls that passed', () => {
    const slot = new WorkerSlot(false);
    slot.attach(channel());
    for (let i = 0; i < 8; i++) slot.inflight.push(item());
    for (let i = 0; i < 100_000; i++) {
      slot.inflight.push(item());
      slot.inflight.shift();
    }
    expect(slot.busy).toBe(8);
    expect(slot.inflight.capacity).toBeLessThanOrEqual(3 * 1024);
    expect(slot.drain()).toHaveLength(8);
    expect(slot.busy).toBe(0);
  });
});
