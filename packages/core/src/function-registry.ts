/**
 * The pool's functions: each task or self-contained function gets a small id
 * once, and its reference (module + name, or source) is sent to a worker only
 * the first time that worker needs it.
 */
import type { TaskRef } from './protocol.js';
import { describeTask, taskRefOf } from './tasks.js';

export class FunctionRegistry {
  readonly #ids = new WeakMap<Function, number>();
  /** Ids by reference key, so that new closures with the same source (or task) reuse one id and one compiled function. */
  readonly #byKey = new Map<string, number>();
  readonly #refs: TaskRef[] = [];

  /** The id of `fn`; @throws TypeError naming `argName` when `fn` cannot be sent to a worker. */
  idOf(fn: unknown, argName: string): number {
    let id = this.#ids.get(fn as Function);
    if (id === undefined) {
      const ref = taskRefOf(fn, argName);
      const key = ref.kind === 'module' ? `m:${ref.module}#${ref.name}` : `s:${ref.source}`;
      id = this.#byKey.get(key);
      if (id === undefined) {
        id = this.#refs.push(ref) - 1;
        this.#byKey.set(key, id);
      }
      this.#ids.set(fn as Function, id);
    }
    return id;
  }

  ref(id: number): TaskRef {
    return this.#refs[id];
  }

  /** The function's name for messages. */
  describe(id: number): string {
    return describeTask(this.#refs[id]);
  }
}
