import { describe, expect, it } from 'vitest';
import { PROGRESS_RUNNING, type ProgressSlot } from './progress.js';
import { CALL, type FromWorker, type ToWorker } from './protocol.js';
import { runWorkerRuntime } from './worker-runtime.js';

/** A runtime on an in-memory port; `board` decides whether each write to the progress board succeeds. */
function startRuntime(board?: (slot: ProgressSlot, id: number) => boolean) {
  const sent: FromWorker[] = [];
  let deliver: (message: ToWorker) => void = () => {};
  let closed = false;
  runWorkerRuntime({
    send: (message) => void sent.push(structuredClone(message)),
    onMessage: (handler) => (deliver = handler),
    close: () => (closed = true),
    ...(board === undefined ? {} : { progress: { set: board } }),
  });
  return { sent, deliver: (m: ToWorker) => deliver(m), closed: () => closed };
}

const add = { kind: 'source', source: '(a, b) => a + b', name: 'add' } as const;
const run = (ids: number[]): ToWorker => ({ t: 'run', defs: [0, add], calls: ids.flatMap((id) => [id, 0, CALL, [id, 1]]) });
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('worker runtime: progress board', () => {
  it('after a failed board write it says so, then announces each call before it starts', async () => {
    const writes: [ProgressSlot, number][] = [];
    const rt = startRuntime((slot, id) => {
      writes.push([slot, id]);
      return !(slot === PROGRESS_RUNNING && id === 2);
    });
    rt.deliver(run([1, 2, 3]));
    await settle();
    const kinds = rt.sent.map((m) => (m.t === 'started' ? `started ${m.id}` : m.t === 'done' ? `done${m.started === undefined ? '' : ` started ${m.started}`}` : m.t));
    // Call 1's result, then board-failed, then calls 2 and 3 each announced (2 alone, 3 with 2's result).
    expect(kinds).toEqual(['done', 'board-failed', 'started 2', 'done started 3', 'done']);
    // One write per call (its start), and nothing after the failure.
    expect(writes).toEqual([
      [PROGRESS_RUNNING, 1],
      [PROGRESS_RUNNING, 2],
    ]);
  });

  it('with a working board, results of short calls are batched and nothing is announced', async () => {
    const rt = startRuntime(() => true);
    rt.deliver(run([1]));
    await settle();
    rt.deliver(run([2, 3, 4]));
    await settle();
    expect(rt.sent.some((m) => m.t === 'started' || m.t === 'board-failed')).toBe(false);
    expect(rt.sent.filter((m) => m.t === 'done').length).toBeLessThan(4);
  });

  it('retire: ends the worker once the calls sent before it are done', async () => {
    const rt = startRuntime(() => true);
    rt.deliver(run([1, 2]));
    rt.deliver({ t: 'retire' });
    await settle();
    expect(rt.closed()).toBe(true);
    const results = rt.sent.flatMap((m) => (m.t === 'done' ? m.results : []));
    expect(results.filter((_, i) => i % 3 === 0)).toEqual([1, 2]);
  });
});
