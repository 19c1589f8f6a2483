import { describe, expect, it } from 'vitest';
import { InlineExecutor } from './inline-executor.js';
import { TaskResolver } from './task-resolver.js';
import { defineTasks, exportNamed, taskRefOf, taskRegistry, tasksFrom } from './tasks.js';

const PLAIN = new URL('../test-fixtures/plain-module.mjs', import.meta.url);
type Plain = typeof import('../test-fixtures/plain-module.mjs');

describe('defineTasks', () => {
  it('tags each function with its module and name, and keeps it callable', () => {
    const url = 'file:///virtual/tasks-a.js';
    const fns = defineTasks(url, { double: (x: number) => 2 * x, greet: (s: string) => `hi ${s}` });
    expect(fns.double(4)).toBe(8);
    expect(taskRefOf(fns.double)).toEqual({ kind: 'module', module: url, name: 'double' });
    expect(taskRegistry().get(url)?.greet).toBe(fns.greet);
  });

  it('rejects a missing module URL and non-functions', () => {
    expect(() => defineTasks('tasks.js', { f: () => 1 })).toThrow(/import\.meta\.url/);
    expect(() => defineTasks('file:///x.js', { f: 1 as never })).toThrow(/'f' must be a function/);
  });
});

describe('taskRefOf', () => {
  it('sends a plain function as its source', () => {
    const ref = taskRefOf((a: number) => a + 1);
    expect(ref.kind).toBe('source');
  });

  it('refuses non-functions, native and bound functions, and classes with a TypeError', () => {
    expect(() => taskRefOf('nope')).toThrow(TypeError);
    expect(() => taskRefOf(Math.max)).toThrow(/native or bound/);
    expect(() => taskRefOf(((x: number) => x).bind(null))).toThrow(/native or bound/);
    expect(() => taskRefOf(class A {})).toThrow(/class/);
  });
});

describe('exportNamed', () => {
  it("finds a CommonJS module's exports on default when module.exports is an object; named exports come first", () => {
    expect(exportNamed({ a: 1, default: { a: 2, b: 3 } }, 'a')).toBe(1);
    expect(exportNamed({ default: { b: 3 } }, 'b')).toBe(3);
    const fn = Object.assign(() => 0, { helper: 4 });
    expect(exportNamed({ default: fn }, 'helper')).toBe(4);
    expect(exportNamed({ default: 5 }, 'x')).toBeUndefined();
    expect(exportNamed({}, 'x')).toBeUndefined();
  });

  it("does not take what every object or function has (toString, constructor, bind) for an export of default", () => {
    for (const name of ['toString', 'constructor', 'hasOwnProperty', 'valueOf']) expect(exportNamed({ default: { parse() {} } }, name)).toBeUndefined();
    for (const name of ['bind', 'call', 'apply']) expect(exportNamed({ default: () => 0 }, name)).toBeUndefined();
    // A class instance's methods are its exports.
    class Parser {
      parse(): number {
        return 1;
      }
    }
    expect(typeof exportNamed({ default: new Parser() }, 'parse')).toBe('function');
  });

  it('lets tasksFrom handles and workers find the exports of such a module', async () => {
    const url = new URL('../test-fixtures/commonjs-module.cjs', import.meta.url);
    const { five, notAFunction } = tasksFrom<{ five(x: number): number; notAFunction(): void }>(url);
    expect(await five(2)).toBe(10);
    await expect(notAFunction()).rejects.toThrow(/export 'notAFunction' .* is number, not a function/);
    const fn = await new TaskResolver().resolve({ kind: 'module', module: url.href, name: 'five' });
    expect(fn(3)).toBe(15);
  });
});

describe('tasksFrom', () => {
  it('gives handles tagged exactly as defineTasks tags its functions: module URL and export name', () => {
    const { add, shout } = tasksFrom<Plain>(PLAIN);
    expect(taskRefOf(add)).toEqual({ kind: 'module', module: PLAIN.href, name: 'add' });
    expect(taskRefOf(shout)).toEqual({ kind: 'module', module: PLAIN.href, name: 'shout' });
    expect(add.name).toBe('add');
  });

  it('takes the URL as a URL or its href, and gives the same handle for the same name', () => {
    const fromUrl = tasksFrom<Plain>(PLAIN);
    const fromHref = tasksFrom<Plain>(PLAIN.href);
    expect(taskRefOf(fromHref.add)).toEqual(taskRefOf(fromUrl.add));
    expect(fromUrl.add).toBe(fromUrl.add);
  });

  it('imports nothing until a handle is called here, then calls the export', async () => {
    const missing = tasksFrom<{ f(): number }>('file:///nowhere/does-not-exist.mjs');
    expect(typeof missing.f).toBe('function');
    await expect(missing.f()).rejects.toThrow(/does-not-exist/);
    const { add, shout, default: whoAmI } = tasksFrom<Plain>(PLAIN);
    expect(await add(2, 3)).toBe(5);
    expect(await shout('hi')).toBe('HI!');
    expect(await whoAmI()).toBe('default');
  });

  it('fails the call, naming the export, when it is missing or not a function', async () => {
    const handles = tasksFrom<Plain & { nope(): void }>(PLAIN);
    await expect(handles.nope()).rejects.toThrow(TypeError);
    await expect(handles.nope()).rejects.toThrow(/has no export named 'nope'/);
    const { notAFunction } = tasksFrom<Record<'notAFunction', () => number>>(PLAIN);
    await expect(notAFunction()).rejects.toThrow(/export 'notAFunction' of .*plain-module\.mjs is number, not a function/);
  });

  it('runs on an executor, and a missing export fails only that call', async () => {
    const ex = new InlineExecutor();
    const { add, gone } = tasksFrom<Plain & { gone(): void }>(PLAIN);
    const bad = ex.submit(gone);
    const good = ex.submit(add, 20, 22);
    expect(await good).toBe(42);
    expect(await bad.exception()).toBeInstanceOf(TypeError);
    expect(String(await bad.exception())).toMatch(/'gone'/);
    await ex.shutdown();
  });

  it('is never mistaken for a Promise, and cannot be written to', async () => {
    const handles = tasksFrom<Plain>(PLAIN);
    expect((handles as { then?: unknown }).then).toBeUndefined();
    expect(await handles).toBe(handles);
    expect(() => {
      (handles as Record<string, unknown>).add = () => 0;
    }).toThrow(TypeError);
  });

  it('refuses a path that is not a URL with a TypeError saying what to pass', () => {
    expect(() => tasksFrom('./parse.js')).toThrow(/tasksFrom: moduleUrl must be the module's URL/);
    expect(() => tasksFrom(42 as never)).toThrow(TypeError);
  });
});
