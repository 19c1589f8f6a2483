import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack, unpack } from 'msgpackr';
import { Worker } from 'node:worker_threads';
import { makePayload, workerFile, type Contender, type Op } from './contender.js';
import { LengthFrames, lengthFrame } from './workers/length-frames.js';
import type { ContenderKind } from './results.js';
import { reasonOf, timeMs, withTimeout } from './timing.js';

/** Counts replies and lets a caller await the next `n` of them. */
class ReplyCounter {
  #count = 0;
  #target = 0;
  #resolve: (() => void) | undefined;
  #reject: ((err: Error) => void) | undefined;
  last: unknown;

  /** Resolves once `n` more replies (or bytes) have arrived since the call. */
  expect(n: number): Promise<void> {
    this.#target = this.#count + n;
    if (this.#count >= this.#target) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#resolve = resolve;
      this.#reject = reject;
    });
  }

  add(n: number, value?: unknown): void {
    this.#count += n;
    this.last = value;
    if (this.#resolve && this.#count >= this.#target) {
      const r = this.#resolve;
      this.#resolve = this.#reject = undefined;
      r();
    }
  }

  fail(err: Error): void {
    const r = this.#reject;
    this.#resolve = this.#reject = undefined;
    r?.(err);
  }
}

function byteLengthOf(value: unknown): number {
  return ArrayBuffer.isView(value) ? value.byteLength : -1;
}

const TINY = 0;

/**
 * The floor of one medium: one echo peer on the far side of a bare
 * `postMessage`, IPC channel or Unix socket, with no executor in between.
 * Our executor on the same medium can only be slower (or batch smarter).
 */
abstract class FloorContender implements Contender {
  readonly kind: ContenderKind = 'floor';
  readonly requires = 'node';
  abstract readonly id: string;
  abstract readonly label: string;
  protected readonly replies = new ReplyCounter();
  readonly #payloads = new Map<string, Uint8Array | Float64Array>();

  supports(op: Op): boolean {
    return op.kind === 'rtt' || op.kind === 'burst' || (op.kind === 'echo' && !op.transfer);
  }

  abstract open(): Promise<void>;
  abstract close(): Promise<string | undefined>;
  abstract kill(): void;
  /** Send one tiny message; a reply counts 1. */
  protected abstract sendTiny(i: number): void;
  /** Send a payload; resolves when it is back, with the byte length that came back (-1: not bytes at all). */
  protected abstract roundTrip(payload: Uint8Array | Float64Array): Promise<number>;

  async run(op: Op): Promise<number> {
    switch (op.kind) {
      case 'rtt':
        return timeMs(async () => {
          for (let i = 0; i < op.n; i++) {
            const p = this.replies.expect(1);
            this.sendTiny(i);
            await p;
          }
        });
      case 'burst':
        return timeMs(async () => {
          const p = this.replies.expect(op.n);
          for (let i = 0; i < op.n; i++) this.sendTiny(i);
          await p;
        });
      case 'echo': {
        const key = `${op.type}:${op.bytes}`;
        let payload = this.#payloads.get(key);
        if (!payload) this.#payloads.set(key, (payload = makePayload(op.bytes, op.type)));
        const sent = payload;
        let back = 0;
        const ms = await timeMs(async () => {
          for (let i = 0; i < op.reps; i++) back = await this.roundTrip(sent);
        });
        if (back !== sent.byteLength) throw new Error(`${this.label} echoed ${back} bytes instead of ${sent.byteLength}`);
        return ms;
      }
      default:
        throw new Error(`${this.label} does not run ${op.kind}`);
    }
  }
}

/** A bench thread whose every message lands in a {@link ReplyCounter}; ended by `terminate`. */
class ReplyThread {
  #worker: Worker | undefined;

  /** Starts `workers/<script>` and resolves once it runs; `what` names it when it exits. */
  async start(script: string, replies: ReplyCounter, what: string, workerData?: unknown): Promise<void> {
    const worker = new Worker(workerFile(script), { workerData });
    this.#worker = worker;
    worker.on('message', (m) => replies.add(1, m));
    worker.on('error', (err) => replies.fail(err));
    worker.on('exit', (code) => replies.fail(new Error(`${what} exited (${code})`)));
    await new Promise<void>((resolve, reject) => {
      worker.once('online', resolve);
      worker.once('error', reject);
    });
  }

  post(message: unknown): void {
    this.#worker!.postMessage(message);
  }

  async close(): Promise<undefined> {
    const w = this.#worker;
    this.#worker = undefined;
    await w?.terminate();
    return undefined;
  }

  kill(): void {
    const w = this.#worker;
    this.#worker = undefined;
    void w?.terminate();
  }
}

/** Bare `postMessage` to a worker thread that posts it back (structured clone both ways). */
export class ThreadFloor extends FloorContender {
  readonly id = 'floor-postmessage';
  readonly label = 'floor: bare postMessage';
  readonly #thread = new ReplyThread();

  open(): Promise<void> {
    return this.#thread.start('raw-thread-echo.js', this.replies, 'echo thread');
  }

  protected sendTiny(i: number): void {
    this.#thread.post(i);
  }

  protected async roundTrip(payload: Uint8Array | Float64Array): Promise<number> {
    const p = this.replies.expect(1);
    this.#thread.post(payload);
    await p;
    return byteLengthOf(this.replies.last);
  }

  close(): Promise<undefined> {
    return this.#thread.close();
  }

  kill(): void {
    this.#thread.kill();
  }
}

/** Bare IPC (`child_process.fork`, `serialization: 'advanced'`) to a child that sends it back. */
export class IpcFloor extends FloorContender {
  readonly id = 'floor-ipc';
  readonly label = 'floor: bare IPC (v8)';
  #child: ChildProcess | undefined;
  readonly #closeTimeoutMs: number;

  constructor(closeTimeoutMs: number) {
    super();
    this.#closeTimeoutMs = closeTimeoutMs;
  }

  async open(): Promise<void> {
    const child = fork(workerFile('raw-ipc-echo.js'), [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#child = child;
    child.on('message', (m) => this.replies.add(1, m));
    child.on('error', (err) => this.replies.fail(err));
    child.on('exit', (code, signal) => this.replies.fail(new Error(`echo process exited (${signal ?? code})`)));
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    // One round trip, so the child's script has loaded before anything is timed.
    const p = this.replies.expect(1);
    child.send(TINY);
    await p;
  }

  protected sendTiny(i: number): void {
    this.#child!.send(i);
  }

  protected async roundTrip(payload: Uint8Array | Float64Array): Promise<number> {
    const p = this.replies.expect(1);
    this.#child!.send(payload);
    await p;
    return byteLengthOf(this.replies.last);
  }

  async close(): Promise<string | undefined> {
    const child = this.#child;
    this.#child = undefined;
    if (!child || child.exitCode !== null || child.signalCode !== null) return undefined;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.disconnect();
    try {
      await withTimeout(exited, this.#closeTimeoutMs, 'echo process exit');
      return undefined;
    } catch (err) {
      child.kill('SIGKILL');
      return `${reasonOf(err)}; killed`;
    }
  }

  kill(): void {
    const child = this.#child;
    this.#child = undefined;
    child?.kill('SIGKILL');
  }
}

/** Bare Unix-socket write/read to a child that writes every byte back (no framing, no codec). */
export class SocketFloor extends FloorContender {
  readonly id: string = 'floor-socket';
  readonly label: string = 'floor: bare socket write/read';
  /** The child's script, given the socket path. */
  protected readonly echoScript: string = 'raw-socket-echo.js';
  #dir: string | undefined;
  #server: Server | undefined;
  #child: ChildProcess | undefined;
  #socket: Socket | undefined;
  readonly #tiny = Buffer.alloc(8);
  readonly #closeTimeoutMs: number;

  constructor(closeTimeoutMs: number) {
    super();
    this.#closeTimeoutMs = closeTimeoutMs;
  }

  async open(): Promise<void> {
    const dir = mkdtempSync(join(tmpdir(), 'futures-bench-'));
    this.#dir = dir;
    const path = join(dir, 'echo.sock');
    const server = createServer();
    this.#server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(path, resolve);
    });
    const connected = new Promise<Socket>((resolve) => server.once('connection', resolve));
    const child = spawn(process.execPath, [workerFile(this.echoScript).pathname, path], { stdio: ['ignore', 'inherit', 'inherit'] });
    this.#child = child;
    const failed = new Promise<never>((_, reject) => {
      child.once('error', reject);
      child.once('exit', (code, signal) => reject(new Error(`echo process exited (${signal ?? code})`)));
    });
    const socket = await Promise.race([connected, failed]);
    failed.catch(() => {});
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.replies.fail(err));
    socket.on('close', () => this.replies.fail(new Error('echo socket closed')));
  }

  /** Replies are counted in bytes: a tiny message is 8 bytes. */
  protected onData(chunk: Buffer): void {
    this.replies.add(chunk.length, chunk);
  }

  protected sendTiny(_i: number): void {
    this.#socket!.write(this.#tiny);
  }

  protected write(bytes: Uint8Array): void {
    this.#socket!.write(bytes);
  }

  override async run(op: Op): Promise<number> {
    if (op.kind === 'rtt' || op.kind === 'burst') {
      const n = op.n;
      if (op.kind === 'rtt') {
        return timeMs(async () => {
          for (let i = 0; i < n; i++) {
            const p = this.replies.expect(8);
            this.sendTiny(i);
            await p;
          }
        });
      }
      return timeMs(async () => {
        const p = this.replies.expect(8 * n);
        for (let i = 0; i < n; i++) this.sendTiny(i);
        await p;
      });
    }
    return super.run(op);
  }

  protected async roundTrip(payload: Uint8Array | Float64Array): Promise<number> {
    const p = this.replies.expect(payload.byteLength);
    this.#socket!.write(new Uint8Array(payload.buffer, payload.byteOffset, payload.byteLength));
    await p;
    // Counted in bytes as they came back, in however many chunks.
    return payload.byteLength;
  }

  async close(): Promise<string | undefined> {
    const { socket, child } = this.#take();
    socket?.end();
    let note: string | undefined;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      try {
        await withTimeout(exited, this.#closeTimeoutMs, 'socket echo exit');
      } catch (err) {
        child.kill('SIGKILL');
        note = `${reasonOf(err)}; killed`;
      }
    }
    this.#cleanup();
    return note;
  }

  kill(): void {
    const { socket, child } = this.#take();
    socket?.destroy();
    child?.kill('SIGKILL');
    this.#cleanup();
  }

  #take(): { socket: Socket | undefined; child: ChildProcess | undefined } {
    const socket = this.#socket;
    const child = this.#child;
    this.#socket = undefined;
    this.#child = undefined;
    return { socket, child };
  }

  #cleanup(): void {
    this.#server?.close();
    this.#server = undefined;
    if (this.#dir) rmSync(this.#dir, { recursive: true, force: true });
    this.#dir = undefined;
  }
}

/**
 * The socket medium carrying messages, as our socket transport and the IPC
 * floor do: every tiny message is a msgpack body behind a u32le length, and
 * the child decodes each frame and writes it back encoded in its own
 * (workers/raw-socket-framed-echo.ts). The bare floor above counts bytes
 * that Node's write buffer coalesces and nobody parses; this one is the
 * like-for-like reference for a message round trip and burst.
 */
export class FramedSocketFloor extends SocketFloor {
  override readonly id = 'floor-socket-framed';
  override readonly label = 'floor: framed socket (u32 + msgpackr)';
  protected override readonly echoScript = 'raw-socket-framed-echo.js';
  readonly #frames = new LengthFrames();

  override supports(op: Op): boolean {
    return op.kind === 'rtt' || op.kind === 'burst';
  }

  protected override onData(chunk: Buffer): void {
    let count = 0;
    let last: unknown;
    this.#frames.push(chunk, (body) => {
      last = unpack(body);
      count++;
    });
    // One reply per message; 8 per message keeps the byte counting of the run loop above.
    if (count > 0) this.replies.add(8 * count, last);
  }

  protected override sendTiny(i: number): void {
    this.write(lengthFrame(pack(i)));
  }
}

/** How long the sleeping thread waits for work before a timed message (ms): long past any spin-before-sleep. */
const ASLEEP_MS = 2;
/** The busy thread spins until the timed message is posted (it is told through the shared flag), at most this long (ms). */
const BUSY_MAX_MS = 100;
/** The shared flag: the target spins (set by it), the timed message is out (set by the sender). */
const SPINNING = 1;
const POSTED = 2;

/**
 * What a message costs its sender on its own thread: the time `postMessage`
 * takes to return, posting to a thread that sleeps (it has had nothing to do
 * for 2 ms) or to one that is busy. Waking a sleeping thread is a system call
 * that has the kernel (and, in a VM, the hypervisor) wake its core; posting
 * to a busy one only queues. A pool pays the first price for every message
 * that finds the other side idle: once per exchange of up to 16 calls per
 * worker (the dispatch bound), where a bare medium's burst pays it once.
 */
export class WakeFloor implements Contender {
  readonly kind: ContenderKind = 'floor';
  readonly requires = 'node';
  readonly id: string;
  readonly label: string;
  readonly #receiver: 'asleep' | 'busy';
  readonly #replies = new ReplyCounter();
  /** SPINNING while the other thread spins, POSTED once the timed message is out. */
  readonly #busy = new Int32Array(new SharedArrayBuffer(4));
  readonly #thread = new ReplyThread();

  constructor(receiver: 'asleep' | 'busy') {
    this.#receiver = receiver;
    this.id = `floor-wake-${receiver}`;
    this.label = receiver === 'asleep' ? 'floor: postMessage to a sleeping thread (sender)' : 'floor: postMessage to a busy thread (sender)';
  }

  supports(op: Op): boolean {
    return op.kind === 'wake';
  }

  open(): Promise<void> {
    return this.#thread.start('wake-target.js', this.#replies, 'wake target thread', { flag: this.#busy.buffer });
  }

  async run(op: Op): Promise<number> {
    if (op.kind !== 'wake') throw new Error(`${this.label} does not run ${op.kind}`);
    const thread = this.#thread;
    let ms = 0;
    for (let i = 0; i < op.n; i++) {
      if (this.#receiver === 'asleep') {
        await new Promise((resolve) => setTimeout(resolve, ASLEEP_MS));
        const replied = this.#replies.expect(1);
        const t0 = performance.now();
        thread.post({ spin: 0 });
        ms += performance.now() - t0;
        await replied;
      } else {
        const replied = this.#replies.expect(2);
        thread.post({ spin: BUSY_MAX_MS });
        // Until the other thread is spinning: its wake-up takes microseconds; a dead thread fails the wait.
        const deadline = performance.now() + 1_000;
        while (Atomics.load(this.#busy, 0) !== SPINNING) {
          if (performance.now() > deadline) {
            replied.catch(() => undefined);
            throw new Error(`${this.label}: the target thread did not start spinning within 1 s`);
          }
        }
        const t0 = performance.now();
        thread.post({ spin: 0 });
        ms += performance.now() - t0;
        Atomics.store(this.#busy, 0, POSTED);
        await replied;
      }
    }
    return ms;
  }

  close(): Promise<undefined> {
    return this.#thread.close();
  }

  kill(): void {
    this.#thread.kill();
  }
}
