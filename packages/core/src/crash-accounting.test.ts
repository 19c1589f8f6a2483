import { describe, expect, it } from 'vitest';
import { accountCrash, MessageBoard } from './crash-accounting.js';
import { Future } from './future.js';
import { PROGRESS_DONE, PROGRESS_RUNNING, type ProgressReader } from './progress.js';
import { CALL } from './protocol.js';
import { WorkItem } from './work-item.js';

function items(...ids: number[]): WorkItem[] {
  return ids.map((id) => {
    const item = new WorkItem(new Future<unknown>(), 0, CALL, [], {}, false);
    item.id = id;
    return item;
  });
}
const board = (running: number, done: number): ProgressReader => ({ get: (slot) => (slot === PROGRESS_RUNNING ? running : done) });
const ids = (list: WorkItem[]) => list.map((item) => item.id);

describe('accountCrash', () => {
  it('blames the running call, fails the finished ones before it, requeues the ones after it', () => {
    const account = accountCrash(items(4, 5, 6, 7), board(6, 5));
    expect(ids(account.lost)).toEqual([4, 5]);
    expect(account.blamed?.id).toBe(6);
    expect(ids(account.requeue)).toEqual([7]);
  });

  it('with nothing running (the last started call finished), blames none and requeues the rest, counting it', () => {
    const list = items(4, 5, 6);
    const account = accountCrash(list, board(4, 4));
    expect(ids(account.lost)).toEqual([4]);
    expect(account.blamed).toBeUndefined();
    expect(ids(account.requeue)).toEqual([5, 6]);
    expect(list[1].requeues).toBe(1);
  });

  it('a call that kept killing workers before it started, or whose buffers moved, is not sent again', () => {
    const list = items(8, 9);
    list[0].requeues = 2;
    Object.defineProperty(list[1], 'sendsOnce', { value: true });
    const account = accountCrash(list, board(0, 0));
    expect(account.requeue).toEqual([]);
    expect(account.refused.map(({ item, why }) => [item.id, why])).toEqual([
      [8, ' (for the third time)'],
      [9, '; its transferred buffers are gone, so it is not sent again'],
    ]);
  });

  it('a message board (announced starts) tells a dispatched call that never started from the running one', () => {
    const messages = new MessageBoard();
    expect(accountCrash(items(3), messages).blamed).toBeUndefined();
    messages.started(3);
    expect(accountCrash(items(3, 4), messages).blamed?.id).toBe(3);
    messages.answered(3);
    expect(accountCrash(items(4), messages).blamed).toBeUndefined();
    expect(messages.get(PROGRESS_DONE)).toBe(3);
  });
});
