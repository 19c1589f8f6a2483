// Test helpers: is a process alive, and which children does a process have. Used by the tests only.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const hasProc = existsSync('/proc/self/stat');

/**
 * Whether `pid` is a live process. An exited child of a dead parent may stay a zombie until something
 * reaps it (in a container, PID 1 may never do so): that counts as gone.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  if (!hasProc) return true;
  try {
    return !/^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** The pids of the live children of `pid`, other than the `ps` that lists them. */
export function childrenOf(pid: number): number[] {
  let out: string;
  try {
    out = execFileSync('ps', ['-o', 'pid=,comm=', '--ppid', String(pid)], { encoding: 'utf8' });
  } catch {
    return []; // ps exits with 1 when it lists nothing
  }
  return out
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter(([p, comm]) => p !== '' && comm !== 'ps')
    .map(([p]) => Number(p))
    .filter(isAlive);
}
