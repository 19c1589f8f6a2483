import { randomBytes } from 'node:crypto';
import { PoolExecutor, validateInteger, validateOptionsObject, validateString, type PoolOptions } from '@futures/core/transport';
import { DEFAULT_HANDSHAKE_TIMEOUT } from './handshake.js';
import { SocketTransport } from './socket-transport.js';

const WHERE = 'SocketPoolExecutor';
/** Default `maxFrameBytes`: 64 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;
/** Room for the engine's own messages (init, a batch of calls): a smaller limit is a mistake. */
const MIN_FRAME_BYTES = 4 * 1024;
/** The frame header carries lengths as 32-bit numbers. */
const MAX_FRAME_BYTES = 0xffff_ffff;

/** Options of {@link SocketPoolExecutor}: those of every pool, plus where to listen and how to authenticate. */
export interface SocketPoolOptions extends PoolOptions {
  /**
   * Number of worker processes this executor spawns itself (default
   * `os.availableParallelism()`). `0`: only workers that connect on their
   * own (`futures-worker --connect PATH`, `runWorker`) run calls, and calls
   * wait until one connects. Workers that connect on their own always come
   * on top of this number.
   */
  maxWorkers?: number;
  /**
   * The Unix domain socket path to listen on. It must not exist yet; it is
   * created with mode 0600 and removed on shutdown. Default: `executor.sock`
   * in a fresh 0700 directory under `XDG_RUNTIME_DIR` (when set) or the OS
   * temp dir, removed with it.
   */
  path?: string;
  /**
   * The shared secret that workers must prove they know (HMAC-SHA256
   * challenge, both ways; the token itself never crosses the socket).
   * Default: 32 random bytes, base64url; read it back from {@link SocketPoolExecutor.token}.
   */
  token?: string;
  /**
   * The largest frame (message) accepted or sent, in bytes, counting large
   * binary values; default 64 MiB. A call whose arguments do not fit fails
   * with a TypeError; a peer that sends a larger frame is disconnected.
   */
  maxFrameBytes?: number;
}

/**
 * An executor whose workers are processes connected over a Unix domain
 * socket: Python's `ProcessPoolExecutor` with the pickle-over-a-socket path
 * made explicit. It spawns up to `maxWorkers` workers itself, and any number
 * of workers may join (and leave) at any time from other terminals with
 * `futures-worker --connect PATH` (token in `FUTURES_TOKEN`) or
 * {@link runWorker}. Arguments and results travel as msgpackr frames with
 * structured types kept; large binary values travel as raw bytes.
 *
 * A worker that exits, is killed or disconnects while running a call fails
 * that call only, with {@link BrokenSocketPoolError}; a spawned worker is
 * replaced. A spawned worker that cannot start, or an `initializer` that
 * throws in one, breaks the pool; in an external worker it only drops that
 * worker. On shutdown every worker, spawned or external, exits.
 *
 * ```ts
 * const pool = new SocketPoolExecutor({ maxWorkers: 2 });
 * try {
 *   console.log(pool.address); // give it, with pool.token, to futures-worker elsewhere
 *   console.log(await pool.submit(fib, 30));
 * } finally {
 *   await pool.shutdown();
 * }
 * ```
 */
export class SocketPoolExecutor extends PoolExecutor {
  readonly #transport: SocketTransport;
  readonly #token: string;

  /** @throws TypeError or RangeError naming the option at fault; Error when the socket cannot be created. */
  constructor(options?: SocketPoolOptions) {
    const opts = validateOptionsObject<SocketPoolOptions>(options, WHERE);
    const { path, token, maxFrameBytes, ...poolOptions } = opts;
    if (path !== undefined) validateString(path, `${WHERE}: path`);
    if (token !== undefined && validateString(token, `${WHERE}: token`).length === 0) {
      throw new TypeError(`${WHERE}: token must not be empty`);
    }
    const frameLimit = maxFrameBytes === undefined ? DEFAULT_MAX_FRAME_BYTES : validateInteger(maxFrameBytes, `${WHERE}: maxFrameBytes`, MIN_FRAME_BYTES);
    if (frameLimit > MAX_FRAME_BYTES) throw new RangeError(`${WHERE}: maxFrameBytes must be at most ${MAX_FRAME_BYTES}, got ${frameLimit}`);
    const secret = token ?? randomBytes(32).toString('base64url');
    const transport = new SocketTransport({
      where: WHERE,
      path,
      token: secret,
      maxFrameBytes: frameLimit,
      // The engine validates name (it throws before the socket is created).
      name: typeof opts.name === 'string' ? opts.name : 'futures-worker',
      handshakeTimeout: DEFAULT_HANDSHAKE_TIMEOUT,
    });
    super(transport, { ...poolOptions }, { where: WHERE, extraOptions: ['path', 'token', 'maxFrameBytes'], leastMaxWorkers: 0 });
    this.#transport = transport;
    this.#token = secret;
  }

  /** The socket path workers connect to (`futures-worker --connect <address>`). */
  get address(): string {
    return this.#transport.address;
  }

  /** The shared secret workers must know (`FUTURES_TOKEN`): the `token` option, or the random default. */
  get token(): string {
    return this.#token;
  }
}
