import { deserialize, serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { CALL, CHUNK, isPackedRun, packRun, unpackRun, type RunMessage } from './protocol.js';

describe('packRun / unpackRun', () => {
  const shared = { same: 'object' };
  const message: RunMessage = {
    t: 'run',
    defs: [7, { kind: 'module', module: 'file:///m.js', name: 'f' }],
    calls: [
      1, 7, CALL, [],
      2, 7, CALL, [1, 'two', [3], undefined],
      3, 7, CHUNK, [[1, 2, 3], ['a', 'b', 'c']],
      4, 7, CALL, [shared, shared],
    ],
  };

  it('gives back the calls as the engine made them, after the codec', () => {
    const packed = packRun(message);
    expect(isPackedRun(packed)).toBe(true);
    // Through the v8 serializer, as the thread and process transports send it.
    expect(unpackRun(deserialize(serialize(packed)))).toEqual(message);
  });

  it('spreads the arguments, so the message holds no array per call', () => {
    expect(packRun({ t: 'run', calls: [1, 7, CALL, [5], 2, 7, CALL, [6, 8]] })).toEqual({ t: 'run', packed: [1, 7, CALL, 1, 5, 2, 7, CALL, 2, 6, 8] });
  });

  it('keeps one object passed twice as one object, as structured clone does', () => {
    const back = unpackRun(structuredClone(packRun(message)));
    const args = back.calls[15] as unknown[];
    expect(args[0]).toBe(args[1]);
  });

  it('leaves out defs when there are none', () => {
    const back = unpackRun(packRun({ t: 'run', calls: [1, 7, CALL, [1]] }));
    expect('defs' in back).toBe(false);
  });

  it('tells packed run messages from the rest', () => {
    expect(isPackedRun(message)).toBe(false);
    expect(isPackedRun({ t: 'retire' })).toBe(false);
    expect(isPackedRun(undefined)).toBe(false);
  });

  it('refuses a bad argument count instead of reading past the calls', () => {
    expect(() => unpackRun({ t: 'run', packed: [1, 7, CALL, -1] })).toThrow(/bad argument count at slot 3/);
    expect(() => unpackRun({ t: 'run', packed: [1, 7, CALL, 2, 'only one'] })).toThrow(/bad argument count/);
    expect(() => unpackRun({ t: 'run', packed: [1, 7, CALL, 'x'] })).toThrow(/bad argument count/);
  });
});
