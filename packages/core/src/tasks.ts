/**
 * Task references: how a function reaches another thread or process.
 *
 * A function cannot cross a thread boundary as a value. Like `pickle`, which
 * sends a function as module + qualified name, a task made by
 * {@link defineTasks} travels as its module URL and export name; a plain
 * self-contained function travels as its source text and is compiled once
 * per worker.
 */
import type { TaskRef } from './protocol.js';

const TASK = Symbol.for('@futures/core.task');
/** Where `defineTasks` registers each module's functions, so a worker finds them by name. */
const REGISTRY = Symbol.for('@futures/core.task-registry');

type Tagged = { [TASK]?: TaskRef };
type Registry = Map<string, Record<string, unknown>>;

/** The process-wide registry. It lives on globalThis so that every copy of this package shares it. */
export function taskRegistry(): Registry {
  const g = globalThis as { [REGISTRY]?: Registry };
  return (g[REGISTRY] ??= new Map());
}

/**
 * Marks each function of `fns` as a task of the module at `moduleUrl` (pass
 * `import.meta.url`), so executors send it by reference. Returns `fns`
 * unchanged in type: every function stays callable here.
 *
 * ```ts
 * export const { fib } = defineTasks(import.meta.url, {
 *   fib(n: number): number { return n < 2 ? n : fib(n - 1) + fib(n - 2); },
 * });
 * ```
 * @throws TypeError when `moduleUrl` is not a URL string or a value of `fns` is not a function.
 */
export function defineTasks<T extends Record<string, (...args: any[]) => any>>(moduleUrl: string, fns: T): T {
  if (typeof moduleUrl !== 'string' || !/^[a-z][a-z0-9+.-]*:/i.test(moduleUrl)) {
    throw new TypeError(`defineTasks: moduleUrl must be the module's URL (pass import.meta.url), got ${String(moduleUrl)}`);
  }
  if (typeof fns !== 'object' || fns === null) throw new TypeError('defineTasks: fns must be an object of functions');
  for (const [name, fn] of Object.entries(fns)) {
    if (typeof fn !== 'function') throw new TypeError(`defineTasks: '${name}' must be a function, got ${typeof fn}`);
    const existing = (fn as Tagged)[TASK];
    if (existing === undefined) {
      Object.defineProperty(fn, TASK, { value: { kind: 'module', module: moduleUrl, name } satisfies TaskRef });
    }
  }
  const registry = taskRegistry();
  registry.set(moduleUrl, { ...registry.get(moduleUrl), ...fns });
  return fns;
}

/**
 * The reference under which `fn` is sent to a worker.
 * @throws TypeError for a non-function, a native or bound function, or a class.
 */
export function taskRefOf(fn: unknown, argName = 'fn'): TaskRef {
  if (typeof fn !== 'function') {
    throw new TypeError(`${argName} must be a function (a defineTasks task or a self-contained function), got ${fn === null ? 'null' : typeof fn}`);
  }
  const tagged = (fn as Tagged)[TASK];
  if (tagged !== undefined) return tagged;
  const source = Function.prototype.toString.call(fn);
  if (source.endsWith('{ [native code] }')) {
    throw new TypeError(
      `${argName} (${fn.name || 'anonymous'}) is a native or bound function, which cannot be sent to a worker as source; ` +
        'wrap it in a self-contained arrow function or define it with defineTasks()',
    );
  }
  if (source.startsWith('class ')) throw new TypeError(`${argName} is a class, not a function`);
  return { kind: 'source', source, name: fn.name || 'anonymous' };
}

/** A short name for messages: `fib` or `fib (file:///…/tasks.js)`. */
export function describeTask(ref: TaskRef): string {
  return ref.kind === 'module' ? `${ref.name} (${ref.module})` : ref.name;
}
