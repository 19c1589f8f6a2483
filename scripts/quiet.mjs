#!/usr/bin/env node
// Runs a command and holds its output back: shown only when the command fails.
// `npm test` and `npm run bench` build through it, so a green build prints
// nothing and a red one prints turbo's log of the failing task.
// Usage: node scripts/quiet.mjs <command> [args...]
import { spawn } from 'node:child_process';

const [command, ...args] = process.argv.slice(2);
if (!command) {
  console.error('usage: node scripts/quiet.mjs <command> [args...]');
  process.exit(2);
}
const output = [];
const child = spawn(command, args, { stdio: ['inherit', 'pipe', 'pipe'] });
child.stdout.on('data', (chunk) => output.push(chunk));
child.stderr.on('data', (chunk) => output.push(chunk));
child.on('error', (error) => {
  console.error(`${command}: ${error.message}`);
  process.exit(1);
});
child.on('close', (code, signal) => {
  if (code === 0) return;
  process.stderr.write(Buffer.concat(output));
  process.stderr.write(`\n${[command, ...args].join(' ')} failed (${signal ?? `exit code ${code}`})\n`);
  process.exitCode = code ?? 1;
});
