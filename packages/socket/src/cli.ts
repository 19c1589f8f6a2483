#!/usr/bin/env node
/**
 * `futures-worker --connect PATH`: a worker process for a SocketPoolExecutor,
 * started by the executor itself or by hand (token in FUTURES_TOKEN).
 * See cli-args.ts for the options and the exit codes.
 */
import { EXIT, USAGE, exitCodeFor, parseCli } from './cli-args.js';
import { serveWorker } from './worker.js';

const command = parseCli(process.argv.slice(2), process.env);
switch (command.kind) {
  case 'help':
    process.stdout.write(USAGE);
    process.exitCode = EXIT.OK;
    break;
  case 'usage-error':
    process.stderr.write(`futures-worker: ${command.message}\n\n${USAGE}`);
    process.exitCode = EXIT.USAGE;
    break;
  case 'run':
    // The secret and the spawn id are for this process only: tasks that start processes must not pass them on.
    delete process.env.FUTURES_TOKEN;
    delete process.env.FUTURES_WORKER_ID;
    if (command.name !== undefined) process.title = command.name;
    serveWorker({ path: command.path, token: command.token, workerId: command.workerId }).then(
      // Exit at once: a task's timers or handles must not keep a worker alive after its executor left.
      () => process.exit(EXIT.OK),
      (error: unknown) => {
        const code = exitCodeFor(error);
        process.stderr.write(`futures-worker: ${code === EXIT.INTERNAL && error instanceof Error ? (error.stack ?? error.message) : (error as Error)?.message ?? String(error)}\n`);
        process.exit(code);
      },
    );
    break;
}
