/**
 * The command line of `futures-worker`: parsing, usage text and exit codes.
 * Kept apart from cli.ts so that it can be tested without starting a worker.
 */
import { parseArgs } from 'node:util';

/** Why `futures-worker` stopped. */
export const EXIT = {
  /** The executor ended the connection: it shut down, or its process ended. */
  OK: 0,
  /** An unexpected error in the worker itself. */
  INTERNAL: 1,
  /** Bad arguments, or FUTURES_TOKEN is not set. */
  USAGE: 2,
  /** Refused: a wrong token (on either side), another protocol version, or the executor refused this worker. */
  REFUSED: 3,
  /** Cannot connect: nothing listens at PATH, no permission, not a futures executor, or the handshake timed out. */
  CANNOT_CONNECT: 4,
  /** After joining, the executor sent a frame this worker cannot read. */
  PROTOCOL: 5,
} as const;

export const USAGE = `Usage: futures-worker --connect PATH [--name NAME]

Joins the SocketPoolExecutor listening on the Unix domain socket PATH and runs
its calls, one at a time, until the executor goes away.

Options:
  --connect PATH   the executor's socket path (its \`address\` property)
  --name NAME      set the process title to NAME
  -h, --help       show this help and exit

Environment:
  FUTURES_TOKEN    the executor's shared secret (its \`token\` option); required

Exit codes:
  0  the executor ended the connection (it shut down, or its process ended)
  1  an unexpected error in this worker
  2  usage error: bad arguments, or FUTURES_TOKEN is not set
  3  refused: wrong token, another protocol version, or refused by the executor
  4  cannot connect: nothing listens at PATH, no permission, not a futures
     executor, or the handshake did not complete in time
  5  the executor sent a frame this worker cannot read
`;

export type CliCommand =
  | { kind: 'help' }
  | { kind: 'usage-error'; message: string }
  | { kind: 'run'; path: string; name: string | undefined; token: string; workerId: string | undefined };

/** Parses arguments (without `node` and the script) and the environment into what to do. */
export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv): CliCommand {
  let values: { connect?: string; name?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        connect: { type: 'string' },
        name: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return { kind: 'usage-error', message: (error as Error).message };
  }
  if (values.help) return { kind: 'help' };
  if (values.connect === undefined || values.connect === '') return { kind: 'usage-error', message: '--connect PATH is required' };
  const token = env.FUTURES_TOKEN;
  if (token === undefined || token === '') {
    return { kind: 'usage-error', message: "FUTURES_TOKEN is not set: export the executor's token first" };
  }
  const workerId = env.FUTURES_WORKER_ID === '' ? undefined : env.FUTURES_WORKER_ID;
  return { kind: 'run', path: values.connect, name: values.name, token, workerId };
}

/** The exit code for the error that `runWorker` rejected with. */
export function exitCodeFor(error: unknown): number {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case 'ERR_SOCKET_AUTH':
    case 'ERR_SOCKET_VERSION':
    case 'ERR_SOCKET_REFUSED':
      return EXIT.REFUSED;
    case 'ERR_SOCKET_CONNECT':
    case 'ERR_SOCKET_PROTOCOL':
    case 'ERR_SOCKET_TIMEOUT':
    case 'ERR_SOCKET_CLOSED':
      return EXIT.CANNOT_CONNECT;
    case 'ERR_SOCKET_FRAME':
      return EXIT.PROTOCOL;
    default:
      return EXIT.INTERNAL;
  }
}
