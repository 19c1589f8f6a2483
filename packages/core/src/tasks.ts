/**
 * Task references: how a function reaches another thread or process.
 *
 * A function cannot cross a thread boundary as a value. Like `pickle`, which
 * sends a function as module + qualified name, a task made by
 * {@link defineTasks} or taken from a plain module with {@link tasksFrom}
 * travels as its module URL and export name; a plain self-contained function
 * travels as its source text and is compiled once per worker.
 */
import type { Task } from './executor.js';
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
  validateModuleUrl(moduleUrl, 'defineTasks', 'pass import.meta.url');
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

/** A module URL (`file:`, `data:`, ...), else a TypeError saying what to pass. */
function validateModuleUrl(moduleUrl: unknown, where: string, hint: string): asserts moduleUrl is string {
  if (typeof moduleUrl !== 'string' || !/^[a-z][a-z0-9+.-]*:/i.test(moduleUrl)) {
    throw new TypeError(`${where}: moduleUrl must be the module's URL (${hint}), got ${String(moduleUrl)}`);
  }
}

/**
 * The function exports of a module type `M` as task handles: each takes the
 * export's parameters and, called here, returns a Promise of its result
 * (it imports the module first). Submitted to an executor, it gives a
 * `Future` of the export's (awaited) result type.
 */
export type TaskHandles<M> = {
  readonly [K in keyof M as M[K] extends Task ? K : never]: M[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;
};

/**
 * Takes the exports of an existing module as tasks, without editing it (the
 * typed counterpart of piscina's `filename` + `name`):
 *
 * ```ts
 * const { parse } = tasksFrom<typeof import('./parse.js')>(new URL('./parse.js', import.meta.url));
 * const tree = await pool.submit(parse, source);    // Future<ReturnType<typeof parse>>
 * ```
 *
 * Each handle is sent as module URL + export name, like a
 * {@link defineTasks} task: a worker imports the module and calls the export.
 * Nothing is imported here when the handles are made; a handle called in
 * this thread (as `InlineExecutor` does) imports the module on its first call.
 * An export that is missing or not a function fails that call (not the
 * executor) with a TypeError naming it.
 *
 * The handles object answers any property name (it cannot know the exports
 * without importing the module): destructure or read the names you need.
 * Its `then` is undefined, so it is never mistaken for a Promise.
 *
 * @param moduleUrl the module's URL: a `URL` or its `href` (`file:`, `data:`, ...).
 * @throws TypeError when `moduleUrl` is not a URL.
 */
export function tasksFrom<M>(moduleUrl: string | URL): TaskHandles<M> {
  const url = moduleUrl instanceof URL ? moduleUrl.href : moduleUrl;
  validateModuleUrl(url, 'tasksFrom', "pass new URL('./module.js', import.meta.url)");
  const handles = new Map<string, Task>();
  return new Proxy(Object.create(null) as TaskHandles<M>, {
    get(_target, key) {
      if (typeof key !== 'string' || key === 'then') return undefined;
      let handle = handles.get(key);
      if (handle === undefined) {
        handle = exportHandle(url, key);
        handles.set(key, handle);
      }
      return handle;
    },
    set() {
      return false;
    },
    defineProperty() {
      return false;
    },
  });
}

/**
 * The export `name` of a module namespace. A CommonJS module that sets
 * `module.exports` to an object (`module.exports = { parse }`) has no named
 * exports for `import()` (Node finds them only in `exports.x = ...` forms),
 * only `default`, that object; its properties are the module's exports as
 * its users and its types see them, so they are found there too.
 */
export function exportNamed(namespace: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(namespace, name)) return namespace[name];
  const exported = namespace.default;
  if (((typeof exported === 'object' && exported !== null) || typeof exported === 'function') && definedBy(exported, name)) {
    return (exported as Record<string, unknown>)[name];
  }
  return undefined;
}

/** Whether `name` is `value`'s own or its class's, not every object's or function's (`toString`, `bind`, `constructor` of Object). */
function definedBy(value: object, name: string): boolean {
  for (let o: object | null = value; o !== null && o !== Object.prototype && o !== Function.prototype; o = Object.getPrototypeOf(o) as object | null) {
    if (Object.hasOwn(o, name)) return true;
  }
  return false;
}

/** A function tagged as the task `url#name`, as defineTasks tags one; called here, it imports the module and calls the export. */
function exportHandle(url: string, name: string): Task {
  const handle = (...args: unknown[]): Promise<unknown> =>
    import(url).then((namespace: Record<string, unknown>) => {
      const fn = taskRegistry().get(url)?.[name] ?? exportNamed(namespace, name);
      if (typeof fn !== 'function') {
        throw new TypeError(
          fn !== undefined || name in namespace
            ? `task '${name}': export '${name}' of ${url} is ${fn === null ? 'null' : typeof fn}, not a function`
            : `task '${name}': ${url} has no export named '${name}'`,
        );
      }
      return (fn as Task)(...args);
    });
  Object.defineProperty(handle, 'name', { value: name });
  Object.defineProperty(handle, TASK, { value: { kind: 'module', module: url, name } satisfies TaskRef });
  return handle;
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
