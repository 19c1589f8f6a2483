#!/usr/bin/env node
/**
 * `futures-worker --connect PATH`: a worker process for a SocketPoolExecutor,
 * started by the executor itself or by hand (token in FUTURES_TOKEN).
 * See cli-args.ts for the options and the exit codes.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { watchParent } from '@futures/core/transport';
import { EXIT, USAGE, exitCodeFor, parseCli, type CliCommand } from './cli-args.js';
import { serveWorker } from './worker.js';

/** How long (ms) a spawned worker that failed waits to see whether its executor is exiting, before it says why. */
const PARENT_EXIT_WAIT_MS = 250;

/**
 * Whether the executor that spawned this worker (`parent`) is gone: a script
 * that made a pool and ended without shutdown takes its socket with it, and
 * the workers still starting fail to connect as it exits.
 */
async function executorGone(parent: number): Promise<boolean> {
  for (let waited = 0; ; waited += 25) {
    if (process.ppid !== parent) return true;
    if (waited >= PARENT_EXIT_WAIT_MS) return false;
    await sleep(25);
  }
}

/** Serves an executor until it lets this worker go, then exits (with a code and a message that say why, on failure). */
async function run(command: Extract<CliCommand, { kind: 'run' }>): Promise<never> {
  // Spawned by an executor (which says its pid: it may have exited before this process could see its parent).
  const spawned = command.workerId !== undefined;
  const parent = Number(process.env.FUTURES_EXECUTOR_PID) || process.ppid;
  // The secret, the spawn id and the executor's pid are for this process only: tasks that start processes must not
  // pass them on.
  delete process.env.FUTURES_TOKEN;
  delete process.env.FUTURES_WORKER_ID;
  delete process.env.FUTURES_EXECUTOR_PID;
  if (command.name !== undefined) process.title = command.name;
  // Die with the executor, even inside a CPU-bound call (parent-watch.ts).
  if (spawned) watchParent(parent);
  try {
    await serveWorker({ path: command.path, token: command.token, workerId: command.workerId });
  } catch (error) {
    const code = exitCodeFor(error);
    // Its executor is gone: nobody would read why, and the words would land in the output of the script that made it.
    if (!spawned || !(await executorGone(parent))) {
      process.stderr.write(`futures-worker: ${code === EXIT.INTERNAL && error instanceof Error ? (error.stack ?? error.message) : (error as Error)?.message ?? String(error)}\n`);
    }
    process.exit(code);
  }
  // Exit at once: a task's timers or handles must not keep a worker alive after its executor left.
  process.exit(EXIT.OK);
}

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
    void run(command);
    break;
}
