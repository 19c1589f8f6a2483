/** Floor of the socket medium: a child that connects to the given Unix socket and writes back every byte it reads. */
import { connect } from 'node:net';

const path = process.argv[2];
if (!path) {
  console.error('usage: raw-socket-echo.js SOCKET_PATH');
  process.exit(2);
}
const socket = connect(path);
socket.pipe(socket);
socket.on('error', () => process.exit(1));
socket.on('close', () => process.exit(0));
