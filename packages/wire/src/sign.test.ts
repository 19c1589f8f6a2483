import { createHmac, createSecretKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SIGNATURE_BYTES, sign, verify } from './sign.js';

const frame = Buffer.from('a frame of bytes');

describe('sign / verify', () => {
  it('signs with HMAC-SHA256 and verifies its own signature', () => {
    const tag = sign(frame, 'token');
    expect(tag.byteLength).toBe(SIGNATURE_BYTES);
    expect(tag.equals(createHmac('sha256', 'token').update(frame).digest())).toBe(true);
    expect(verify(frame, tag, 'token')).toBe(true);
  });

  it('signs parts as their concatenation', () => {
    const parts = [frame.subarray(0, 3), frame.subarray(3)];
    expect(sign(parts, 'k').equals(sign(frame, 'k'))).toBe(true);
    expect(verify(parts, sign(frame, 'k'), 'k')).toBe(true);
  });

  it('refuses a changed frame, a wrong key, and a truncated or empty signature', () => {
    const tag = sign(frame, 'token');
    const changed = Buffer.from(frame);
    changed[0] ^= 1;
    expect(verify(changed, tag, 'token')).toBe(false);
    expect(verify(frame, tag, 'other')).toBe(false);
    expect(verify(frame, tag.subarray(0, 31), 'token')).toBe(false);
    expect(verify(frame, new Uint8Array(0), 'token')).toBe(false);
  });

  it('takes the key as a string, bytes or a secret KeyObject alike', () => {
    const bytes = Buffer.from('token');
    const tag = sign(frame, 'token');
    expect(verify(frame, tag, bytes)).toBe(true);
    expect(verify(frame, tag, createSecretKey(bytes))).toBe(true);
  });

  it('refuses an empty key with a TypeError', () => {
    expect(() => sign(frame, '')).toThrow(TypeError);
    expect(() => verify(frame, sign(frame, 'k'), new Uint8Array(0))).toThrow(/key must not be empty/);
  });
});
