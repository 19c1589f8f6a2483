import { describe, expect, it } from 'vitest';
import { compile } from './task-resolver.js';

/** The source text a worker receives for `fn`, compiled there as it would be. */
const recompiled = (fn: Function) => compile(Function.prototype.toString.call(fn));

describe('compile (a self-contained function sent as source)', () => {
  it('compiles arrows, function expressions and every method shorthand, including computed names and accessors', () => {
    expect(recompiled((x: number) => x + 1)(1)).toBe(2);
    expect(recompiled(function named(x: number) { return x * 2; })(2)).toBe(4);
    expect(recompiled({ m(x: number) { return x * 3; } }.m)(1)).toBe(3);
    expect(recompiled({ ['a b'](x: number) { return x * 4; } }['a b'])(1)).toBe(4);
    const getter = Object.getOwnPropertyDescriptor({ get g() { return 5; } }, 'g')!.get!;
    expect(recompiled(getter)()).toBe(5);
    // Nothing of the compiler's own shadows a global the function uses.
    expect(compile("['m'](x) { return typeof p + typeof d + x; }")('!')).toBe('undefinedundefined!');
  });

  it('runs in strict mode, as the module it came from: an assignment to a variable of the enclosing scope throws instead of making a global of the worker', () => {
    let total = 0;
    const assigns = recompiled(() => { total = 2; return total; });
    expect(() => assigns()).toThrow(ReferenceError);
    expect(() => assigns()).toThrow(/total/);
    expect((globalThis as Record<string, unknown>).total).toBeUndefined();
    expect(total).toBe(0);
    expect(recompiled(function (this: unknown) { return this; })()).toBeUndefined();
  });

  it('keeps sloppy-mode syntax working for a function that came from a sloppy script', () => {
    // `with` is a SyntaxError in strict mode: such a function can only come from sloppy code.
    const source = 'function (o) { with (o) { return a + 1; } }';
    expect(compile(source)({ a: 1 })).toBe(2);
  });

  it('throws a SyntaxError for source text that is no function', () => {
    expect(() => compile('not a function at all {')).toThrow(SyntaxError);
  });
});
