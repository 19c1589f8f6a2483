/**
 * Floor of the socket medium carrying messages: a child that connects to the
 * given Unix socket, reads length-prefixed msgpack frames (u32le length, then
 * the body), decodes each and writes it back encoded in a frame of its own.
 * No executor, but the work any message channel over a socket must do:
 * framing and a codec on both sides, as the IPC floor's v8 serializer does.
 */
import { connect } from 'node:net';
import { pack, unpack } from 'msgpackr';
import { LengthFrames, lengthFrame } from './length-frames.js';

const path = process.argv[2];
if (!path) {
  console.error('usage: raw-socket-framed-echo.js SOCKET_PATH');
  process.exit(2);
}
const socket = connect(path);
const frames = new LengthFrames();
socket.on('data', (chunk: Buffer) => frames.push(chunk, (body) => socket.write(lengthFrame(pack(unpack(body))))));
socket.on('error', () => process.exit(1));
socket.on('close', () => process.exit(0));
