// Run under a low `ulimit -n`: fills the descriptor table with silent connections to the pool's
// socket (which its handshake timeout closes later), kills the pool's only worker so that the
// replacement's spawn fails with EMFILE, then prints what became of a call submitted meanwhile.
import { createConnection } from 'node:net';
import { SocketPoolExecutor } from '@futures/socket';
import { tasks } from './tasks.mjs';

const pool = new SocketPoolExecutor({ maxWorkers: 1 });
const first = await pool.submit(tasks.pid);
const silent = [];
for (;;) {
  const socket = await new Promise((resolve) => {
    const s = createConnection(pool.address, () => resolve(s)).on('error', () => resolve(undefined));
  });
  if (!socket) break;
  silent.push(socket);
}
process.kill(first, 'SIGKILL');
const later = pool.submit(tasks.pid);
const outcome = await later.then(
  (pid) => ({ ran: pid !== first }),
  (error) => ({ error: `${error.name}: ${error.message}` }),
);
for (const s of silent) s.destroy();
process.stdout.write(`${JSON.stringify({ silent: silent.length, ...outcome, after: await pool.submit(tasks.add, 2, 2) })}\n`);
await pool.shutdown();
