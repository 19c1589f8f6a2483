import { checkFib, fibLocal, type Contender, type Op } from './contender.js';
import type { ContenderKind } from './results.js';
import { timeMs } from './timing.js';

/** No pool at all: the workload run in this thread, one call after another. The ideal a pool of N workers is measured against is this ÷ N. */
export class SingleThreadBaseline implements Contender {
  readonly id = 'single-thread';
  readonly label = 'node single-thread (no pool)';
  readonly kind: ContenderKind = 'baseline';
  readonly requires = 'node';

  supports(op: Op): boolean {
    return op.kind === 'fib';
  }

  async open(): Promise<void> {}

  async run(op: Op): Promise<number> {
    if (op.kind !== 'fib') throw new Error(`${this.label} only runs fib`);
    let sum = 0;
    const ms = await timeMs(() => {
      for (let i = 0; i < op.count; i++) sum += fibLocal(op.n);
    });
    checkFib(sum, op.n, op.count, this.label);
    return ms;
  }

  async close(): Promise<undefined> {
    return undefined;
  }
  kill(): void {}
}
