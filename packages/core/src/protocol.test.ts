import { deserialize, serialize } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { CALL, CHUNK, ERROR, isPackedDone, isPackedRun, OK, packDone, packRun, unpackDone, unpackRun, type DoneMessage, type RunMessage } from './protocol.js';

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
    expect(packRun({ t: 'run', calls: [1, 7, CALL, [5], 2, 7, CALL, [6, 8]] })).toEqual([1, 7, CALL, 1, 5, 2, 7, CALL, 2, 6, 8]);
  });

  it('sends a run without defs as the bare array, and one with defs in an object', () => {
    expect(Array.isArray(packRun({ t: 'run', calls: [1, 7, CALL, []] }))).toBe(true);
    expect(packRun({ t: 'run', defs: message.defs, calls: [1, 7, CALL, []] })).toEqual({ t: 'run', defs: message.defs, packed: [1, 7, CALL, 0] });
    const back = unpackRun(deserialize(serialize(packRun({ t: 'run', calls: [1, 7, CALL, ['a']] }))));
    expect(back).toEqual({ t: 'run', calls: [1, 7, CALL, ['a']] });
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
    expect(isPackedRun({ t: 'init', initargs: [] })).toBe(false);
    expect(isPackedRun(undefined)).toBe(false);
  });

  it('refuses a bad argument count instead of reading past the calls', () => {
    expect(() => unpackRun({ t: 'run', packed: [1, 7, CALL, -1] })).toThrow(/bad argument count at slot 3/);
    expect(() => unpackRun({ t: 'run', packed: [1, 7, CALL, 2, 'only one'] })).toThrow(/bad argument count/);
    expect(() => unpackRun({ t: 'run', packed: [1, 7, CALL, 'x'] })).toThrow(/bad argument count/);
  });
});

describe('packDone / unpackDone', () => {
  const error = { name: 'TypeError', message: 'bad' };
  const message: DoneMessage = { t: 'done', results: [1, OK, undefined, 2, OK, [1, 'two'], 3, ERROR, error], busy: 0.125, timing: [7, 0.04, -8, 1.5] };

  it('gives back the message as the runtime made it, after the v8 serializer', () => {
    const packed = packDone(message);
    expect(Array.isArray(packed)).toBe(true);
    const back = deserialize(serialize(packed));
    expect(isPackedDone(back)).toBe(true);
    expect(unpackDone(back)).toEqual(message);
  });

  it('flattens the message into one array, results first', () => {
    expect(packDone({ t: 'done', results: [1, OK, 5], busy: 0.5, timing: [7, 0.25] })).toEqual([1, OK, 5, 7, 0.25, 2, 0.5]);
    expect(unpackDone(packDone({ t: 'done', results: [1, OK, 5], busy: 0 }) as unknown[])).toEqual({ t: 'done', results: [1, OK, 5], busy: 0, timing: [] });
  });

  it('leaves a message that announces a started call as it is', () => {
    const started: DoneMessage = { t: 'done', results: [1, OK, 5], busy: 0, timing: [], started: 2 };
    expect(packDone(started)).toBe(started);
    expect(isPackedDone(started)).toBe(false);
    expect(isPackedDone({ t: 'ready' })).toBe(false);
  });

  it('turns a malformed flat message into a done without results, which the engine refuses', () => {
    for (const bad of [[], [0, 0], [7, 0.25, 2, 0.5], [1, OK, 5, 'x', 0.5], [1, OK, 5, 9, 0.5], [1, OK, 5, -1, 0.5], [1, OK, 5, 0.5, 0.5], [1, OK, 5, 0, 'busy']]) {
      expect(Array.isArray(unpackDone(bad).results)).toBe(false);
    }
  });
});
