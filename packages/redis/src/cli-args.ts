/**
 * The command line of `futures-redis-worker`: parsing, usage text and exit
 * codes. Kept apart from cli.ts so that it can be tested without Redis.
 */
import { statSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

/** Why `futures-redis-worker` stopped. */
export const EXIT = {
  /** Stopped by SIGTERM or SIGINT. */
  OK: 0,
  /** An unexpected error in the worker itself. */
  INTERNAL: 1,
  /** Bad arguments, no Redis URL, a URL of another scheme, or a `--cwd` that is not a directory. */
  USAGE: 2,
  /** Redis refused this worker: a wrong password, or an ACL that forbids what it needs. */
  REFUSED: 3,
  /** Redis could not be reached for 10 s. */
  UNREACHABLE: 4,
} as const;

export const USAGE = `Usage: futures-redis-worker [--url URL] [--pool NAME] [--workers N] [--name NAME] [--cwd DIR] [--prefix PREFIX]

Joins a fleet of workers through Redis and runs the calls of any
RedisPoolExecutor with the same pool name, one at a time per worker. Workers
outlive an executor: when it shuts down they serve the next one.

Options:
  --url URL        redis://[user:password@]host[:port][/db], rediss://... (TLS),
                   or a Unix socket path; default: $FUTURES_REDIS_URL (so that a
                   password does not show in ps)
  --pool NAME      the fleet's name, as the executor's \`pool\` option (default: default)
  --workers N      how many workers this process runs (default: available parallelism)
  --name NAME      names this process's workers in executors' messages (default: the host name)
  --cwd DIR        where task modules are resolved: the project, checked out or
                   installed here (default: the current directory)
  --prefix PREFIX  the key prefix, as the executor's \`prefix\` option (default: futures)
  -h, --help       show this help and exit

Environment:
  FUTURES_REDIS_URL  the default for --url
  FUTURES_TOKEN      the executors' shared secret (their \`token\` option): with
                     it, messages that are not signed with it are dropped

Exit codes:
  0  stopped by SIGTERM or SIGINT
  1  an unexpected error in this worker
  2  usage error: bad arguments, no URL, a URL that is not a Redis one,
     or a --cwd that is not a directory
  3  Redis refused this worker (wrong password, ACL)
  4  Redis could not be reached for 10 s
`;

export interface RunCommand {
  kind: 'run';
  url: string;
  pool: string;
  workers: number;
  name: string | undefined;
  cwd: string;
  prefix: string;
  token: string | undefined;
}

export type CliCommand = { kind: 'help' } | { kind: 'usage-error'; message: string } | RunCommand;

/** Parses arguments (without `node` and the script) and the environment into what to do. */
export function parseCli(argv: readonly string[], env: NodeJS.ProcessEnv, cwd: string): CliCommand {
  // --help answers whatever else is on the line.
  if (argv.includes('--help') || argv.includes('-h')) return { kind: 'help' };
  let values: { url?: string; pool?: string; workers?: string; name?: string; cwd?: string; prefix?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        url: { type: 'string' },
        pool: { type: 'string' },
        workers: { type: 'string' },
        name: { type: 'string' },
        cwd: { type: 'string' },
        prefix: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return { kind: 'usage-error', message: (error as Error).message };
  }
  if (values.help) return { kind: 'help' };
  const url = values.url ?? env.FUTURES_REDIS_URL;
  if (url === undefined || url === '') return { kind: 'usage-error', message: 'no Redis URL: pass --url URL or set FUTURES_REDIS_URL' };
  const urlProblem = checkUrl(url);
  if (urlProblem !== undefined) return { kind: 'usage-error', message: `${values.url === undefined ? 'FUTURES_REDIS_URL' : '--url'} ${urlProblem}` };
  for (const option of ['pool', 'name', 'cwd', 'prefix'] as const) {
    if (values[option] === '') return { kind: 'usage-error', message: `--${option} must not be empty` };
  }
  let workers = availableParallelism();
  if (values.workers !== undefined) {
    workers = Number(values.workers);
    if (!/^\d+$/.test(values.workers) || workers < 1 || workers > 1024) {
      return { kind: 'usage-error', message: `--workers must be an integer from 1 to 1024, got '${values.workers}'` };
    }
  }
  const token = env.FUTURES_TOKEN === '' ? undefined : env.FUTURES_TOKEN;
  return {
    kind: 'run',
    url,
    pool: values.pool ?? 'default',
    workers,
    name: values.name,
    cwd: values.cwd ?? cwd,
    prefix: values.prefix ?? 'futures',
    token,
  };
}

/** What is wrong with a Redis URL (the password never shown), or undefined. */
function checkUrl(url: string): string | undefined {
  if (url.startsWith('/')) return undefined;
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1];
  if (scheme === undefined || !/^(redis|rediss|unix)$/i.test(scheme) || !url.slice(scheme.length + 1).startsWith('//')) {
    return `must be redis://…, rediss://… (TLS), unix://… or a Unix socket path, got ${scheme === undefined ? 'no scheme' : `a ${scheme}: URL`}`;
  }
  try {
    new URL(url);
  } catch {
    return `is not a valid ${scheme}:// URL`;
  }
  return undefined;
}

/**
 * What is wrong with `--cwd` (it must be a directory this process can read:
 * task modules are resolved from it), or undefined. Apart from
 * {@link parseCli} because it looks at the disk.
 */
export function checkCwd(dir: string): string | undefined {
  try {
    if (!statSync(dir).isDirectory()) return `--cwd ${resolve(dir)} is not a directory`;
  } catch (error) {
    const code = (error as NodeJS.ErrnoException)?.code;
    return `--cwd ${resolve(dir)}: ${code === 'ENOENT' ? 'no such directory' : code === 'EACCES' ? 'permission denied' : ((error as Error)?.message ?? String(error))}`;
  }
  return undefined;
}
