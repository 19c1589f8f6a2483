/**
 * Where a fleet lives in Redis. Every key of a pool shares one hash tag,
 * `{<pool>}`, so that all of them sit in one Redis Cluster slot and the
 * Lua scripts that touch several of them at once (scripts.ts) are allowed.
 *
 * | key | what | who writes it |
 * |---|---|---|
 * | `P:want` | list of requests for a worker, `executorId|requestId|leaseMs` (FIFO across executors) | executors push, free workers pop |
 * | `P:x:<executorId>` | the executor is alive (expires after `leaseMs`) | the executor refreshes it |
 * | `P:out:<executorId>` | the executor's outbox: every message from its workers | its workers push, the executor pops |
 * | `P:hb:<workerId>` | the worker's heartbeat (expires after the executor's `leaseMs`) | the worker refreshes it |
 * | `P:in:<workerId>` | the worker's inbox: engine messages from its executor | the executor pushes, the worker's runtime thread pops |
 * | `P:ctl:<workerId>` | the worker's control list: RELEASE, END (read while a call runs) | the executor pushes, the worker's supervisor pops |
 *
 * where `P` is `<prefix>:{<pool>}`. A worker id is fresh for each executor it
 * serves, so nothing from one session can be taken for another.
 */
export class FleetKeys {
  readonly base: string;
  readonly want: string;

  constructor(prefix: string, pool: string) {
    this.base = `${prefix}:{${pool}}`;
    this.want = `${this.base}:want`;
  }

  alive(executorId: string): string {
    return `${this.base}:x:${executorId}`;
  }

  outbox(executorId: string): string {
    return `${this.base}:out:${executorId}`;
  }

  heartbeat(workerId: string): string {
    return `${this.base}:hb:${workerId}`;
  }

  inbox(workerId: string): string {
    return `${this.base}:in:${workerId}`;
  }

  control(workerId: string): string {
    return `${this.base}:ctl:${workerId}`;
  }

  /** The seq of the last frame pushed to `list` (a worker's inbox or control list): a push sent again lands nothing. */
  lastSeq(list: string): string {
    return `${list}:last`;
  }
}
