/**
 * Task resolution in a worker: a task reference (module URL + export name, or
 * source text) becomes a function once. Each module is imported once, each
 * source compiled once; an import under way is shared by the calls waiting
 * for it, and a reference that cannot be resolved fails each call to it with
 * the reason.
 */
import type { TaskRef } from './protocol.js';
import { exportNamed, taskRegistry } from './tasks.js';

export type Fn = (...args: unknown[]) => unknown;
/** A task as resolved in this worker: the function, or why it cannot be had. */
export type ResolvedTask = { fn: Fn; ref: TaskRef } | { error: unknown; ref: TaskRef };
/** ...or an import under way. */
export type Resolved = ResolvedTask | { pending: Promise<void> };

/**
 * Compiles a self-contained function from its source text: an arrow, a
 * function expression, or a method shorthand (also with a computed name, and
 * `get`/`set` accessors, which only compile inside an object literal).
 *
 * It is compiled in strict mode, as the ES module or TypeScript file it came
 * from: there an assignment to a variable of the enclosing scope throws a
 * ReferenceError (which the runtime explains), where sloppy mode would
 * silently make it a global of the worker, kept from call to call; and `this`
 * of a plain call is `undefined`. Only source that strict mode refuses
 * (`with`, octal literals: it came from a sloppy script) is compiled sloppy.
 */
export function compile(source: string): Fn {
  const attempts = [
    `return (${source}\n);`,
    `return (function ${source}\n);`,
    `return (${source.replace(/^async\s+/, 'async function ')}\n);`,
    // A method in an object literal: its value, or its accessor (no name of ours in the method's scope).
    `return ((p) => p && (p.value ?? p.get ?? p.set))(Object.values(Object.getOwnPropertyDescriptors({ ${source}\n}))[0]);`,
  ];
  let firstError: unknown;
  for (const mode of ['"use strict";\n', '']) {
    for (const body of attempts) {
      try {
        const fn = new Function(mode + body)() as unknown;
        if (typeof fn === 'function') return fn as Fn;
      } catch (error) {
        firstError ??= error;
      }
    }
  }
  throw firstError;
}

export class TaskResolver {
  readonly #tasks = new Map<number, Resolved>();
  readonly #modules = new Map<string, Promise<Record<string, unknown>>>();

  /** The task under `fnId`, as far as it is resolved. */
  get(fnId: number): Resolved | undefined {
    return this.#tasks.get(fnId);
  }

  /** Registers `ref` under `fnId` (the engine sends it with the first call that needs it) and starts resolving it. */
  define(fnId: number, ref: TaskRef): void {
    if (ref.kind === 'source') {
      try {
        this.#tasks.set(fnId, { fn: compile(ref.source), ref });
      } catch (error) {
        this.#tasks.set(fnId, { error, ref });
      }
      return;
    }
    const pending = this.resolve(ref).then(
      (fn) => void this.#tasks.set(fnId, { fn, ref }),
      (error) => void this.#tasks.set(fnId, { error, ref }),
    );
    this.#tasks.set(fnId, { pending });
  }

  /** Imports a task's module (once per module) and finds the function by name. */
  async resolve(ref: TaskRef): Promise<Fn> {
    if (ref.kind === 'source') return compile(ref.source);
    let loading = this.#modules.get(ref.module);
    if (loading === undefined) {
      loading = import(ref.module) as Promise<Record<string, unknown>>;
      this.#modules.set(ref.module, loading);
    }
    const namespace = await loading;
    const fn = taskRegistry().get(ref.module)?.[ref.name] ?? exportNamed(namespace, ref.name);
    if (typeof fn !== 'function') {
      throw new TypeError(
        `task '${ref.name}' is not defined in ${ref.module}: it has no exported function of that name` +
          ` (export it from that module, with or without defineTasks(import.meta.url, { ${ref.name} }))`,
      );
    }
    return fn as Fn;
  }
}
