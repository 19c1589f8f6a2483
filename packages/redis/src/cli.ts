#!/usr/bin/env node
/**
 * `futures-redis-worker`: joins a fleet of workers through Redis.
 * See cli-args.ts for the options and the exit codes.
 */
import { EXIT, USAGE, checkCwd, parseCli } from './cli-args.js';
import { RedisConnectionError } from './errors.js';
import { serveFleet } from './serve.js';

/** How long leaving may take on SIGTERM before the process exits anyway, ms. */
const STOP_GRACE_MS = 3_000;

const parsed = parseCli(process.argv.slice(2), process.env, process.cwd());
const cwdProblem = parsed.kind === 'run' ? checkCwd(parsed.cwd) : undefined;
const command = cwdProblem === undefined ? parsed : ({ kind: 'usage-error', message: cwdProblem } as const);
switch (command.kind) {
  case 'help':
    process.stdout.write(USAGE);
    process.exitCode = EXIT.OK;
    break;
  case 'usage-error':
    // One line: the problem, and where the options are explained.
    process.stderr.write(`futures-redis-worker: ${command.message} (see futures-redis-worker --help)\n`);
    process.exitCode = EXIT.USAGE;
    break;
  case 'run': {
    // The secrets are for this process only: tasks that start processes must not pass them on.
    delete process.env.FUTURES_TOKEN;
    delete process.env.FUTURES_REDIS_URL;
    const parent = process.env.FUTURES_REDIS_PARENT === undefined ? undefined : Number(process.env.FUTURES_REDIS_PARENT);
    delete process.env.FUTURES_REDIS_PARENT;
    const warn = (message: string) => process.stderr.write(`futures-redis-worker: ${message}\n`);
    serveFleet({ ...command, warn }).then(
      (fleet) => {
        const stop = (signal: string) => {
          // Leaving tells each executor; an unreachable Redis must not keep the process, though.
          setTimeout(() => process.exit(EXIT.OK), STOP_GRACE_MS).unref();
          void fleet.stop(signal).then(() => process.exit(EXIT.OK));
        };
        process.once('SIGTERM', stop);
        process.once('SIGINT', stop);
        // Workers that an executor spawned on its own machine stop with its process, however it ends.
        if (parent !== undefined) {
          setInterval(() => {
            if (process.ppid !== parent) stop('SIGHUP');
          }, 500).unref();
        }
      },
      (error: unknown) => {
        const refused = RedisConnectionError.isInstance(error) && (error as RedisConnectionError).code === 'ERR_REDIS_REFUSED';
        const unreachable = RedisConnectionError.isInstance(error) && !refused;
        process.stderr.write(`futures-redis-worker: ${(error as Error)?.message ?? String(error)}\n`);
        process.exit(refused ? EXIT.REFUSED : unreachable ? EXIT.UNREACHABLE : EXIT.INTERNAL);
      },
    );
    break;
  }
}
