import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { UnavailableError, type Contender, type Op } from './contender.js';
import type { ContenderKind } from './results.js';
import { reasonOf, withTimeout } from './timing.js';

const SCRIPT = fileURLToPath(new URL('../python/bench_futures.py', import.meta.url));

export type PythonKind = 'process' | 'thread' | 'single';

/** `python3 --version`, or why python3 cannot be used. */
export function probePython(): { version: string } | { reason: string } {
  const r = spawnSync('python3', ['-c', 'import sys, concurrent.futures; print(sys.version.split()[0])'], {
    encoding: 'utf8',
    timeout: 10_000,
  });
  if (r.error) return { reason: (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'python3 not found on PATH' : reasonOf(r.error) };
  if (r.status !== 0) return { reason: `python3 failed: ${(r.stderr || '').trim().split('\n').pop()}` };
  return { version: r.stdout.trim() };
}

const LABELS: Record<PythonKind, string> = {
  process: 'python ProcessPoolExecutor',
  thread: 'python ThreadPoolExecutor',
  single: 'python single-thread',
};

/**
 * Python's concurrent.futures, driven through python/bench_futures.py in
 * server mode: one JSON command per line, so its rounds interleave with ours.
 * Python times each op itself, around the work only.
 */
export class PythonContender implements Contender {
  readonly id: string;
  readonly label: string;
  readonly kind: ContenderKind;
  readonly requires = 'python3';
  readonly #pyKind: PythonKind;
  readonly #workers: number;
  readonly #available: { version: string } | { reason: string };
  readonly #closeTimeoutMs: number;
  #child: ChildProcess | undefined;
  #replies: AsyncIterator<string> | undefined;

  constructor(kind: PythonKind, workers: number, available: { version: string } | { reason: string }, closeTimeoutMs: number) {
    this.#pyKind = kind;
    this.#workers = workers;
    this.#available = available;
    this.#closeTimeoutMs = closeTimeoutMs;
    this.id = `python-${kind}`;
    this.label = LABELS[kind];
    this.kind = kind === 'single' ? 'baseline' : 'peer';
  }

  supports(op: Op): boolean {
    if (this.#pyKind === 'single') return op.kind === 'fib';
    if (op.kind === 'parse' || op.kind === 'wake' || (op.kind === 'map' && op.chunksize === undefined)) return false;
    return !(op.kind === 'echo' && op.transfer);
  }

  async open(): Promise<void> {
    if ('reason' in this.#available) throw new UnavailableError('python3', this.#available.reason);
    // Its own process group, so that a hung run can be ended with every pool process in it.
    const child = spawn('python3', [SCRIPT, '--serve', '--kind', this.#pyKind, '--workers', String(this.#workers)], {
      stdio: ['pipe', 'pipe', 'inherit'],
      detached: true,
    });
    this.#child = child;
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    await spawned;
    this.#replies = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    const hello = await this.#read();
    if (!hello.ready) throw new Error(`python did not start: ${JSON.stringify(hello)}`);
  }

  async #read(): Promise<Record<string, unknown>> {
    const next = await this.#replies!.next();
    if (next.done) throw new Error('python exited');
    return JSON.parse(next.value) as Record<string, unknown>;
  }

  async #command(cmd: Record<string, unknown>): Promise<Record<string, unknown>> {
    const child = this.#child;
    if (!child?.stdin) throw new Error(`${this.label} is not open`);
    child.stdin.write(JSON.stringify(cmd) + '\n');
    return this.#read();
  }

  async run(op: Op): Promise<number> {
    const reply = await this.#command({ ...op, op: op.kind });
    if (typeof reply.error === 'string') throw new Error(`python: ${reply.error}`);
    if (typeof reply.ms !== 'number') throw new Error(`python answered ${JSON.stringify(reply)}`);
    return reply.ms;
  }

  async close(): Promise<string | undefined> {
    const child = this.#child;
    if (!child) return undefined;
    if (child.exitCode !== null || child.signalCode !== null) {
      this.#child = undefined;
      return undefined;
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      // Ending its input is the stop command; it shuts its pool down and exits.
      child.stdin?.end();
      await withTimeout(exited, this.#closeTimeoutMs, 'python shutdown');
      this.#child = undefined;
      return undefined;
    } catch (err) {
      this.kill();
      return `${reasonOf(err)}; killed its process group`;
    }
  }

  kill(): void {
    const child = this.#child;
    this.#child = undefined;
    if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      child.kill('SIGKILL');
    }
  }
}
