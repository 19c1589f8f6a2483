import { describe, expect, it } from 'vitest';
import { InboxLedger } from './inbox-ledger.js';

/** A `run` message's flat call array for these ids (stride 4: id, fnId, kind, args). */
const run = (...ids: number[]) => ids.flatMap((id) => [id, 1, 0, []]);

describe('InboxLedger', () => {
  it('blames the last unanswered call of the frames the worker took, and none of the frames it did not take', () => {
    const ledger = new InboxLedger();
    ledger.sent(1, run(10, 11, 12), 4);
    ledger.sent(2, run(13, 14), 4);
    ledger.landed([1, 2], true);
    ledger.answered(1); // 10 answered
    // Took frame 1 only: 11 and 12 may have run (12 blamed, 11 fails as lost), 13 and 14 go back to the queue.
    expect(ledger.running(1)).toBe(12);
    expect(ledger.running(2)).toBe(14);
    expect(ledger.running(0)).toBe(-1);
  });

  it('blames nothing once every call of the taken frames answered', () => {
    const ledger = new InboxLedger();
    ledger.sent(1, run(10, 11), 4);
    ledger.sent(2, undefined, 4); // a control frame (RELEASE)
    ledger.sent(3, run(12), 4);
    ledger.answered(2);
    expect(ledger.running(2)).toBe(-1);
    expect(ledger.running(3)).toBe(12);
  });

  it('on a loss, counts the frames left in the inbox from the last frame Redis took in; refused and unanswered pushes were never taken', () => {
    const ledger = new InboxLedger();
    ledger.sent(1, run(10), 4);
    ledger.sent(2, run(11), 4);
    ledger.sent(3, run(12), 4);
    ledger.sent(4, run(13), 4);
    ledger.landed([1], true);
    ledger.landed([2, 3], true);
    ledger.landed([4], false); // refused: the heartbeat was already gone
    // One frame (3) was still in the inbox: the worker took 1 and 2.
    const taken = ledger.takenAtLoss(1);
    expect(taken).toBe(2);
    expect(ledger.running(taken)).toBe(11);
    // Nothing left in the inbox, frame 4 refused: the worker took 1..3.
    expect(ledger.running(ledger.takenAtLoss(0))).toBe(12);
    // Every landed frame still in the inbox: none taken.
    expect(ledger.takenAtLoss(3)).toBe(0);
  });

  it('forgets answered frames as results arrive, and a frame dropped that way cannot be mistaken for one taken', () => {
    const ledger = new InboxLedger();
    for (let seq = 1; seq <= 200; seq++) {
      ledger.sent(seq, run(seq), 4);
      ledger.landed([seq], true);
    }
    ledger.answered(150);
    expect(ledger.running(150)).toBe(-1);
    expect(ledger.running(151)).toBe(151);
    // 40 of the 50 unanswered frames still in the inbox: it took up to 160.
    expect(ledger.takenAtLoss(40)).toBe(160);
    expect(ledger.running(160)).toBe(160);
    // All 50 still there: what it took was all answered, nothing may have run.
    expect(ledger.running(ledger.takenAtLoss(50))).toBe(-1);
  });
});
