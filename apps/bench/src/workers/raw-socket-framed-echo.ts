/**
 * Floor of the socket medium carrying messages: a child that connects to the
 * given Unix socket, reads length-prefixed msgpack frames (u32le length, then
 * the body), decodes each and writes it back encoded in a frame of its own.
 * No executor, but the work any message channel over a socket must do:
 * framing and a codec on both sides, as the IPC floor's v8 serializer does.
 */
import { connect } from 'node:net';
import { pack, unpack } from 'msgpackr';

const path = process.argv[2];
if (!path) {
  console.error('usage: raw-socket-framed-echo.js SOCKET_PATH');
  process.exit(2);
}
const socket = connect(path);
let pending: Buffer = Buffer.alloc(0);
socket.on('data', (chunk: Buffer) => {
  pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
  let at = 0;
  while (pending.length - at >= 4) {
    const length = pending.readUInt32LE(at);
    if (pending.length - at - 4 < length) break;
    const message = unpack(pending.subarray(at + 4, at + 4 + length));
    at += 4 + length;
    const body = pack(message);
    const header = Buffer.allocUnsafe(4);
    header.writeUInt32LE(body.length, 0);
    socket.write(Buffer.concat([header, body]));
  }
  pending = pending.subarray(at);
});
socket.on('error', () => process.exit(1));
socket.on('close', () => process.exit(0));
