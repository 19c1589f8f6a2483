/**
 * The Lua scripts that make each step of the protocol atomic. Every key a
 * script touches is passed in KEYS and shares the pool's hash tag, so they
 * run on Redis Cluster too.
 *
 * The invariant they keep: a worker's message reaches an executor's outbox
 * only while the worker's heartbeat key and the executor's alive key both
 * exist. The executor declares a worker lost (CHECK) exactly when its
 * heartbeat key is gone, by pushing a LOST frame into its own outbox: so
 * everything the worker sent before that is read first, and nothing it sends
 * after (a late result after SIGCONT) ever arrives.
 */
import type { Redis } from 'ioredis';

interface Script {
  name: string;
  keys: number;
  lua: string;
}

/** Worker takes an executor's request: KEYS alive, heartbeat, outbox; ARGV leaseMs, helloFrame. 1 if taken. */
const ACCEPT: Script = {
  name: 'futuresAccept',
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
  name: 'futuresPush',
  keys: 3,
  lua: `
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('EXISTS', KEYS[2]) == 0 then return 0 end
redis.call('RPUSH', KEYS[3], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[3], ARGV[1])
return 1`,
};

/** Worker heartbeat: KEYS heartbeat, alive; ARGV leaseMs. 1 ok, 0 declared lost, -1 executor gone. */
const BEAT: Script = {
  name: 'futuresBeat',
  keys: 2,
  lua: `
if redis.call('EXISTS', KEYS[2]) == 0 then return -1 end
if redis.call('PEXPIRE', KEYS[1], ARGV[1]) == 0 then return 0 end
return 1`,
};

/**
 * Executor liveness tick: KEYS alive, outbox, heartbeat...; ARGV leaseMs, lostFrame... (one per heartbeat key).
 * Refreshes the executor's keys; for each heartbeat key that is gone, pushes its LOST frame. Returns their indexes (1-based).
 */
const CHECK: Script = {
  name: 'futuresCheck',
  keys: -1,
  lua: `
redis.call('SET', KEYS[1], '1', 'PX', ARGV[1])
local lost = {}
for i = 3, #KEYS do
  if redis.call('EXISTS', KEYS[i]) == 0 then
    redis.call('RPUSH', KEYS[2], ARGV[i - 1])
    lost[#lost + 1] = i - 2
  end
end
redis.call('PEXPIRE', KEYS[2], ARGV[1])
return lost`,
};

/** Executor sends frames to a worker: KEYS inbox; ARGV ttlMs, frames. */
const SEND: Script = {
  name: 'futuresSend',
  keys: 1,
  lua: `
redis.call('RPUSH', KEYS[1], unpack(ARGV, 2))
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1`,
};

const ALL = [ACCEPT, PUSH, BEAT, CHECK, SEND];

/** The scripts as methods of a client (ioredis runs them with EVALSHA, loading them when needed). */
export interface Scripts {
  accept(alive: string, heartbeat: string, outbox: string, leaseMs: number, hello: Buffer): Promise<number>;
  push(heartbeat: string, alive: string, outbox: string, leaseMs: number, frames: Buffer[]): Promise<number>;
  beat(heartbeat: string, alive: string, leaseMs: number): Promise<number>;
  check(alive: string, outbox: string, leaseMs: number, workers: readonly { heartbeat: string; lost: Buffer }[]): Promise<number[]>;
  send(inbox: string, ttlMs: number, frames: Buffer[]): Promise<number>;
}

type Runner = (...args: (string | number | Buffer)[]) => Promise<unknown>;

export function scriptsOn(client: Redis): Scripts {
  for (const s of ALL) {
    if (typeof (client as unknown as Record<string, unknown>)[s.name] !== 'function') {
      client.defineCommand(s.name, { numberOfKeys: s.keys === -1 ? undefined : s.keys, lua: s.lua });
    }
  }
  const run = (name: string): Runner => (client as unknown as Record<string, Runner>)[name].bind(client);
  const accept = run(ACCEPT.name);
  const push = run(PUSH.name);
  const beat = run(BEAT.name);
  const check = run(CHECK.name);
  const send = run(SEND.name);
  return {
    accept: (alive, heartbeat, outbox, leaseMs, hello) => accept(alive, heartbeat, outbox, leaseMs, hello) as Promise<number>,
    push: (heartbeat, alive, outbox, leaseMs, frames) => push(heartbeat, alive, outbox, leaseMs, ...frames) as Promise<number>,
    beat: (heartbeat, alive, leaseMs) => beat(heartbeat, alive, leaseMs) as Promise<number>,
    check: (alive, outbox, leaseMs, workers) =>
      check(2 + workers.length, alive, outbox, ...workers.map((w) => w.heartbeat), leaseMs, ...workers.map((w) => w.lost)) as Promise<number[]>,
    send: (inbox, ttlMs, frames) => send(inbox, ttlMs, ...frames) as Promise<number>,
  };
}
