import { describe, expect, it } from 'vitest';
import { describeValue, validateString, validateTimeout } from './validate.js';

describe('describeValue (the "got ..." of every validation message)', () => {
  it('names undefined, null and symbols once, not as "undefined undefined"', () => {
    expect(describeValue(undefined)).toBe('undefined');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(5)).toBe('number 5');
    expect(describeValue(Symbol('s'))).toBe('symbol Symbol(s)');
    expect(() => validateString(undefined, 'name')).toThrow(/^name must be a string, got undefined$/);
  });

  it('never throws itself, whatever the value', () => {
    expect(describeValue(Object.create(null))).toBe('an object');
    expect(() => validateTimeout(Object.create(null), 'timeout')).toThrow(TypeError);
  });
});
