import { describe, expect, it } from 'vitest';
import { defineTasks, taskRefOf, taskRegistry } from './tasks.js';

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
