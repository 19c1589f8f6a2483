/**
 * HMAC-SHA256 signatures for messages that pass through a store others can
 * write (a Redis server): the sender signs each frame with the shared token,
 * the receiver drops any frame whose signature does not verify.
 *
 * A signature proves who wrote a frame, not that it is fresh: a transport
 * that must refuse replays signs a message id or deadline along with it.
 */
import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';

/** Bytes of a signature (HMAC-SHA256). */
export const SIGNATURE_BYTES = 32;

/** A shared secret: a non-empty string (UTF-8), bytes, or a secret KeyObject. */
export type SigningKey = string | Uint8Array | KeyObject;

/**
 * The HMAC-SHA256 of `data` (one buffer, or several parts signed as their
 * concatenation) under `key`: {@link SIGNATURE_BYTES} bytes.
 *
 * @throws TypeError for an empty key (it would sign nothing secret).
 */
export function sign(data: Uint8Array | readonly Uint8Array[], key: SigningKey): Buffer {
  if ((typeof key === 'string' || key instanceof Uint8Array) && key.length === 0) {
    throw new TypeError('sign: key must not be empty');
  }
  const hmac = createHmac('sha256', key);
  if (data instanceof Uint8Array) hmac.update(data);
  else for (const part of data) hmac.update(part);
  return hmac.digest();
}

/**
 * True when `signature` is the signature of `data` under `key`. Compares in
 * constant time; a signature of the wrong length is simply false.
 *
 * @throws TypeError for an empty key.
 */
export function verify(data: Uint8Array | readonly Uint8Array[], signature: Uint8Array, key: SigningKey): boolean {
  const expected = sign(data, key);
  return signature.byteLength === SIGNATURE_BYTES && timingSafeEqual(expected, signature);
}
