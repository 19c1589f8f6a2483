import { readdirSync, readFileSync } from 'node:fs';
import type { Contender } from './contender.js';

/** A process of ours still alive. */
export interface Leftover {
  pid: number;
  command: string;
}

function readStat(pid: number): { state: string; ppid: number } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces and parentheses: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: fields[0], ppid: Number(fields[1]) };
  } catch {
    return undefined;
  }
}

function commandOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '?';
  }
}

/**
 * Every process this one started, directly or not (Linux /proc; elsewhere an
 * empty list). Python's pool processes sit in their own process group, under
 * the python3 we started, so they are found through it.
 */
export function descendants(root = process.pid): Leftover[] {
  let pids: number[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
  } catch {
    return [];
  }
  const children = new Map<number, number[]>();
  for (const pid of pids) {
    const st = readStat(pid);
    // A zombie has exited already; its parent just has not collected it yet.
    if (!st || st.state === 'Z') continue;
    const list = children.get(st.ppid) ?? [];
    list.push(pid);
    children.set(st.ppid, list);
  }
  const out: Leftover[] = [];
  const stack = [...(children.get(root) ?? [])];
  while (stack.length) {
    const pid = stack.pop()!;
    out.push({ pid, command: commandOf(pid) });
    stack.push(...(children.get(pid) ?? []));
  }
  return out;
}

/**
 * Keeps the list of contenders that are open, so Ctrl-C or a fatal error can
 * end them all, and checks at the end that no process of ours is left.
 */
export class Reaper {
  readonly #open = new Set<Contender>();

  track(c: Contender): void {
    this.#open.add(c);
  }

  untrack(c: Contender): void {
    this.#open.delete(c);
  }

  /** End every open contender now. */
  killAll(): void {
    for (const c of this.#open) {
      try {
        c.kill();
      } catch {
        // Keep going: the others must still be ended.
      }
    }
    this.#open.clear();
  }

  /**
   * Wait up to `graceMs` for every process of ours to exit, then SIGKILL the
   * ones still alive (a pool that did not end its workers) and return them,
   * so the run can report who leaked.
   */
  async killLeftovers(graceMs: number): Promise<Leftover[]> {
    const deadline = Date.now() + graceMs;
    let left = descendants();
    while (left.length > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      left = descendants();
    }
    for (const p of left) {
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        // Exited meanwhile.
      }
    }
    return left;
  }
}
