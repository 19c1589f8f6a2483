import type { ContenderKind } from './results.js';

/**
 * One unit of work a contender runs and times. Every contender runs the same
 * workload its own way (our executors, a peer library's API, Python).
 */
export type Op =
  /** `n` no-op calls, each awaited before the next: round-trip latency. */
  | { kind: 'rtt'; n: number }
  /** `n` no-op calls submitted at once, then all awaited: throughput of tiny calls. */
  | { kind: 'burst'; n: number }
  /** Identity function over `n` numbers in batches of `chunksize` (undefined: map's own default), results in order. */
  | { kind: 'map'; n: number; chunksize?: number }
  /** `count` calls of fib(`n`) submitted at once: CPU-bound work. */
  | { kind: 'fib'; n: number; count: number }
  /**
   * The real workload: parse each source with acorn (see workload.ts), through `map` (with
   * `chunksize`, or map's default when undefined) or one `submit` per file; the results'
   * checksum must be `expected`.
   */
  | { kind: 'parse'; sources: readonly string[]; how: 'map' | 'submit'; chunksize?: number; expected: number }
  /** Send a payload of `bytes` bytes and get it back, `reps` times in a row. */
  | { kind: 'echo'; bytes: number; type: 'u8' | 'f64'; reps: number; transfer?: boolean }
  /** `n` tiny messages posted to a thread, one at a time: the time the sender spends in `postMessage` (see WakeFloor). */
  | { kind: 'wake'; n: number };

/**
 * A pool (ours or a peer's), a bare medium, or a baseline, as the session
 * runner sees it. `run` resolves with the milliseconds the op took and throws
 * when the results are wrong, so a pool that answers garbage is reported n/a
 * rather than fast.
 */
export interface Contender {
  readonly id: string;
  readonly label: string;
  readonly kind: ContenderKind;
  /** The package or program this contender needs; named in "n/a" reasons and `meta.unavailable`. */
  readonly requires: string;
  supports(op: Op): boolean;
  /** Start the pool and every worker in it, so start-up is never part of a figure. */
  open(): Promise<void>;
  run(op: Op): Promise<number>;
  /**
   * Graceful shutdown. Never throws; falls back to killing when it takes too
   * long, and then resolves with a note saying so (undefined when all went well).
   */
  close(): Promise<string | undefined>;
  /** Stop everything now (timeouts, Ctrl-C, exit). Synchronous and idempotent. */
  kill(): void;
}

/** Thrown by `open` when a package or program is missing: the row is n/a and the reason lands in `meta.unavailable`. */
export class UnavailableError extends Error {
  override readonly name = 'UnavailableError';
  constructor(
    readonly requires: string,
    message: string,
  ) {
    super(message);
  }
}

/** A script in `dist/workers/`, next to the bundled bench that calls this. */
export function workerFile(name: string): URL {
  return new URL(`./workers/${name}`, import.meta.url);
}

/** fib as every contender computes it (the same code in every worker file). */
export function fibLocal(n: number): number {
  return n < 2 ? n : fibLocal(n - 1) + fibLocal(n - 2);
}

/** A payload of `bytes` bytes: a Uint8Array, or a Float64Array when `type` is f64 (bytes rounded down to 8). */
export function makePayload(bytes: number, type: 'u8' | 'f64'): Uint8Array | Float64Array {
  if (type === 'f64') {
    const a = new Float64Array(Math.max(1, Math.floor(bytes / 8)));
    for (let i = 0; i < a.length; i++) a[i] = i * 0.5;
    return a;
  }
  const a = new Uint8Array(bytes);
  for (let i = 0; i < a.length; i++) a[i] = i & 0xff;
  return a;
}

/** Byte length of `makePayload(bytes, type)`. */
export function payloadByteLength(bytes: number, type: 'u8' | 'f64'): number {
  return type === 'f64' ? Math.max(1, Math.floor(bytes / 8)) * 8 : bytes;
}

/** Throws unless `value` came back as a typed array or buffer of `byteLength` bytes. */
export function checkEcho(value: unknown, byteLength: number, who: string): void {
  const ok =
    (ArrayBuffer.isView(value) && value.byteLength === byteLength) ||
    (value instanceof ArrayBuffer && value.byteLength === byteLength);
  if (!ok) {
    const got = value === null ? 'null' : typeof value === 'object' ? Object.prototype.toString.call(value) : typeof value;
    throw new Error(`${who} echoed ${got} instead of ${byteLength} bytes`);
  }
}

/** Throws unless a map over 0..n-1 came back complete and in order. */
export function checkMap(out: readonly unknown[], n: number, who: string): void {
  if (out.length !== n || (n > 0 && (out[0] !== 0 || out[n - 1] !== n - 1))) {
    throw new Error(`${who} map returned ${out.length} items, expected ${n} in order`);
  }
}

/** Throws unless `sum` is count × fib(n). */
export function checkFib(sum: number, n: number, count: number, who: string): void {
  if (sum !== fibLocal(n) * count) throw new Error(`${who} fib returned wrong results`);
}

/** The numbers 0..n-1, the input of every map workload. */
export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}
