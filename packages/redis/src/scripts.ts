/**
 * The Lua scripts that make each step of the protocol atomic. Every key a
 * script touches is passed in KEYS and shares the pool's hash tag, so they
 * run on Redis Cluster too.
 *
 * The invariants they keep: a worker's message reaches an executor's outbox,
 * and an executor's frame reaches a worker's inbox, only while the worker's
 * heartbeat key exists (and, for the outbox, the executor's alive key). The
 * executor declares a worker lost (CHECK) exactly when its heartbeat key is
 * gone, by pushing a LOST frame into its own outbox: so everything the worker
 * sent before that is read first, and nothing it sends after (a late result
 * after SIGCONT) ever arrives. CHECK also counts and deletes what is left in
 * the lost worker's inbox: those frames were never taken, so their calls
 * never started (inbox-ledger.ts), and a worker back from SIGCONT finds
 * nothing to run.
 */
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';

interface Script {
  /** Keys it takes (-1: as many as the call passes). */
  keys: number;
  lua: string;
  /**
   * Its calls must land in the order they were made (frames: a receiver drops
   * one whose seq is not above the last it took), so it is always sent in
   * full, never by SHA1 (see {@link runner}).
   */
  inOrder?: true;
}

/** Worker takes an executor's request: KEYS alive, heartbeat, outbox; ARGV leaseMs, helloFrame. 1 if taken. */
const ACCEPT: Script = {
  keys: 3,
  lua: `
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('SET', KEYS[2], '1', 'PX', ARGV[1])
redis.call('RPUSH', KEYS[3], ARGV[2])
redis.call('PEXPIRE', KEYS[3], ARGV[1])
return 1`,
};

/**
 * Worker sends frames: KEYS heartbeat, alive, outbox; ARGV leaseMs, frames. 1 if sent, 0 if this session is over.
 * The outbox gets the lease as its expiry, so that it cannot outlive a dead executor.
 */
const PUSH: Script = {
  keys: 3,
  inOrder: true,
  lua: `
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
redis.call('RPUSH', KEYS[3], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[3], ARGV[1])
return 1`,
};

/** Worker heartbeat: KEYS heartbeat, alive; ARGV leaseMs. 1 ok, 0 declared lost, -1 executor gone. */
const BEAT: Script = {
  keys: 2,
  lua: `
if redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
if redis.call('PEXPIRE', KEYS[1], ARGV[1]) == 0 then return 0 end
return 1`,
};

/**
 * Executor liveness tick: KEYS alive, outbox, then heartbeat, inbox for each worker; ARGV leaseMs, lostFrame... (one per worker).
 * Refreshes the executor's keys; for each worker whose heartbeat key is gone, counts and deletes its inbox and pushes
 * its LOST frame. Returns [worker index (1-based), frames left in its inbox, ...].
 */
const CHECK: Script = {
  keys: -1,
  lua: `
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
local lost = {}
for i = 1, (#KEYS - 2) / 2 do
  if redis.call('EXISTS', KEYS[1 + 2 * i]) == 0 then
    local inbox = KEYS[2 + 2 * i]
    lost[#lost + 1] = i
    lost[#lost + 1] = redis.call('LLEN', inbox)
    redis.call('DEL', inbox)
    redis.call('RPUSH', KEYS[2], ARGV[i + 1])
  end
end
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return lost`,
};

/**
 * Executor sends frames to a worker: KEYS list (inbox or control), heartbeat, the list's last seq; ARGV ttlMs, the
 * last frame's seq, frames. 1 if sent (or sent before), 0 if the worker is lost (refused).
 *
 * A push whose reply was lost with a dropped connection is sent again by the client when it reconnects: the list
 * keeps the seq of the last frame it took, and a push of frames it already has lands nothing. A copy left in a lost
 * worker's inbox would count in CHECK as a frame never taken, and the frame it copies (taken, its calls perhaps run)
 * would go back to the queue.
 */
const SEND: Script = {
  keys: 3,
  inOrder: true,
  lua: `
if redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
if tonumber(redis.call('GET', KEYS[3]) or '0') >= tonumber(ARGV[2]) then return 1 end
redis.call('RPUSH', KEYS[1], unpack(ARGV, 3))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('SET', KEYS[3], ARGV[2], 'PX', ARGV[1])
return 1`,
};

/** The scripts as methods of a client. */
export interface Scripts {
  accept(alive: string, heartbeat: string, outbox: string, leaseMs: number, hello: Buffer): Promise<number>;
  push(heartbeat: string, alive: string, outbox: string, leaseMs: number, frames: Buffer[]): Promise<number>;
  beat(heartbeat: string, alive: string, leaseMs: number): Promise<number>;
  check(alive: string, outbox: string, leaseMs: number, workers: readonly { heartbeat: string; inbox: string; lost: Buffer }[]): Promise<number[]>;
  send(list: string, heartbeat: string, lastSeqKey: string, ttlMs: number, lastSeq: number, frames: Buffer[]): Promise<number>;
}

/**
 * The PUSH and SEND scripts as whole commands (EVAL with the body: see
 * {@link runner} on why these two never go by SHA1), for a connection that
 * takes raw commands (resp-connection.ts).
 */
export const pushCommand = (heartbeat: string, alive: string, outbox: string, leaseMs: number, frames: readonly Buffer[]): (string | number | Buffer)[] => [
  'EVAL',
  PUSH.lua,
  PUSH.keys,
  heartbeat,
  alive,
  outbox,
  leaseMs,
  ...frames,
];

export const sendCommand = (list: string, heartbeat: string, lastSeqKey: string, ttlMs: number, lastSeq: number, frames: readonly Buffer[]): (string | number | Buffer)[] => [
  'EVAL',
  SEND.lua,
  SEND.keys,
  list,
  heartbeat,
  lastSeqKey,
  ttlMs,
  lastSeq,
  ...frames,
];

type Runner = (keys: number, ...args: (string | number | Buffer)[]) => Promise<unknown>;

/**
 * Runs `script` on `client` by its SHA1 (EVALSHA), sending it in full (EVAL,
 * which loads it) the first time on each connection and again if Redis lost
 * it (NOSCRIPT), as ioredis's defineCommand does, without the layers of
 * promises that cost a push a few microseconds more.
 *
 * Except a script whose calls must land in order: a call sent again after
 * NOSCRIPT leaves after every command written meanwhile on its connection,
 * and one of those may have run already, by SHA1, once another connection
 * (another process) had sent the script in full again: a frame pushed later
 * would land first, and the earlier one would be dropped. Sent in full, a
 * call never needs sending again (Redis finds the compiled script by the
 * SHA1 of its text, or compiles it anew); it costs a few hundred bytes more,
 * and no measurable time on either side.
 */
function runner(client: Redis, script: Script): Runner {
  if (script.inOrder) return (keys, ...args) => client.eval(script.lua, keys, ...args);
  const sha = createHash('sha1').update(script.lua).digest('hex');
  /** The sockets on which the script was sent in full: a reconnect (a restarted Redis) gets it in full again. */
  const loadedOn = new WeakSet<object>();
  return (keys, ...args) => {
    const socket = (client as unknown as { stream?: object }).stream;
    if (socket !== undefined && loadedOn.has(socket)) {
      return client.evalsha(sha, keys, ...args).catch((error: unknown) => {
        if (!String((error as Error)?.message).includes('NOSCRIPT')) throw error;
        loadedOn.delete(socket);
        return client.eval(script.lua, keys, ...args);
      });
    }
    if (socket !== undefined && client.status === 'ready') loadedOn.add(socket);
    return client.eval(script.lua, keys, ...args);
  };
}

export function scriptsOn(client: Redis): Scripts {
  const accept = runner(client, ACCEPT);
  const push = runner(client, PUSH);
  const beat = runner(client, BEAT);
  const check = runner(client, CHECK);
  const send = runner(client, SEND);
  return {
    accept: (alive, heartbeat, outbox, leaseMs, hello) => accept(ACCEPT.keys, alive, heartbeat, outbox, leaseMs, hello) as Promise<number>,
    push: (heartbeat, alive, outbox, leaseMs, frames) => push(PUSH.keys, heartbeat, alive, outbox, leaseMs, ...frames) as Promise<number>,
    beat: (heartbeat, alive, leaseMs) => beat(BEAT.keys, heartbeat, alive, leaseMs) as Promise<number>,
    check: (alive, outbox, leaseMs, workers) =>
      check(2 + 2 * workers.length, alive, outbox, ...workers.flatMap((w) => [w.heartbeat, w.inbox]), leaseMs, ...workers.map((w) => w.lost)) as Promise<number[]>,
    send: (list, heartbeat, lastSeqKey, ttlMs, lastSeq, frames) => send(SEND.keys, list, heartbeat, lastSeqKey, ttlMs, lastSeq, ...frames) as Promise<number>,
  };
}
