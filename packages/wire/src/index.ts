/**
 * @futures/wire: what a transport that carries bytes needs to speak the
 * engine's protocol, shared by the socket and Redis transports.
 *
 * - {@link MessageCodec}: values to msgpack (structured types, large binaries
 *   as raw attachments, errors through core's error codec), refusing with a
 *   TypeError what structured clone refuses;
 * - {@link toTuple} / {@link fromTuple}: the engine's messages as compact tuples;
 * - {@link encodeFrame} / {@link FrameReader}: length-prefixed frames cut out
 *   of a byte stream; {@link PlainFrameWriter}: the frame of a small plain
 *   message in one step, without msgpackr;
 * - {@link sign} / {@link verify}: HMAC-SHA256 signatures for frames that pass
 *   through a store others can write.
 */
export { MessageCodec, DEFAULT_ATTACH_THRESHOLD, type EncodedMessage, type MessageCodecOptions } from './codec.js';
export { toTuple, fromTuple } from './envelope.js';
export { checkFrame, encodeFrame, frameBytes, FrameReader, FrameError, FRAME_PREFIX_BYTES, MAX_ATTACHMENTS, type FrameHandler } from './frames.js';
export { PlainFrameWriter, PLAIN_FRAME_MAX_BYTES } from './plain-frame.js';
export { sign, verify, SIGNATURE_BYTES, type SigningKey } from './sign.js';
