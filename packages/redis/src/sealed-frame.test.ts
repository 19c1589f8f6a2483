import { describe, expect, it } from 'vitest';
import { FrameSealer, KIND, frameKey } from './sealed-frame.js';

describe('sealed frames', () => {
  const signed = new FrameSealer(frameKey('s3cret'));
  const unsigned = new FrameSealer(frameKey(undefined));
  const inbox = 'futures:{p}:in:w1';

  it('round-trips session, sequence number, kind and fields', () => {
    const parts = [new Uint8Array([1, 2, 3])];
    const frame = signed.seal(inbox, 'w1', 7, KIND.MESSAGE, [parts]);
    const opened = signed.open(inbox, frame)!;
    expect(opened.session).toBe('w1');
    expect(opened.seq).toBe(7);
    expect(opened.kind).toBe(KIND.MESSAGE);
    expect(Array.from((opened.fields[0] as Uint8Array[])[0])).toEqual([1, 2, 3]);
    expect(unsigned.open(inbox, unsigned.seal(inbox, 'w1', 1, KIND.RELEASE))).toMatchObject({ session: 'w1', seq: 1, kind: KIND.RELEASE });
  });

  it('drops a frame signed with another token, an unsigned one, and a signed one where no token is set', () => {
    const frame = signed.seal(inbox, 'w1', 1, KIND.END);
    expect(new FrameSealer(frameKey('other')).open(inbox, frame)).toBeUndefined();
    expect(signed.open(inbox, unsigned.seal(inbox, 'w1', 1, KIND.END))).toBeUndefined();
    expect(unsigned.open(inbox, frame)).toBeUndefined();
  });

  it('drops a frame moved to another key, a tampered one, and bytes that are not a frame', () => {
    const frame = signed.seal(inbox, 'w1', 1, KIND.MESSAGE, [[new Uint8Array([9])]]);
    expect(signed.open('futures:{p}:in:w2', frame)).toBeUndefined();
    const tampered = Buffer.from(frame);
    tampered[tampered.length - 1] ^= 1;
    expect(signed.open(inbox, tampered)).toBeUndefined();
    expect(signed.open(inbox, Buffer.from('hello'))).toBeUndefined();
    expect(unsigned.open(inbox, Buffer.alloc(40))).toBeUndefined();
  });
});
