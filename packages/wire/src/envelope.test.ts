import { describe, expect, it } from 'vitest';
import type { FromWorker, ToWorker } from '@futures/core/transport';
import { MessageCodec } from './codec.js';
import { fromTuple, toTuple } from './envelope.js';

const codec = new MessageCodec();
const across = (m: ToWorker | FromWorker) => fromTuple(new MessageCodec().decode(Buffer.from(codec.encode(toTuple(m)).body), []));

describe('message tuples', () => {
  const messages: (ToWorker | FromWorker)[] = [
    { t: 'init', initargs: [1, 'a'], initializer: { kind: 'module', module: 'file:///t.js', name: 'setup' } },
    { t: 'init', initargs: [] },
    { t: 'run', calls: [1, 0, 0, [2, 3]] },
    { t: 'run', defs: [0, { kind: 'source', source: '(a) => a', name: 'anonymous' }], calls: [1, 0, 1, [[1], [2]]] },
    { t: 'ready' },
    { t: 'done', results: [1, 0, 5, 2, 1, { name: 'TypeError', message: 'x' }], busy: 0.25 },
    { t: 'done', results: [1, 0, 5], busy: 0.25, timing: [0, 0.01, -1, 3] },
    { t: 'done', results: [1, 0, 5], busy: 0.25, timing: [0, 0.01], started: 2 },
    { t: 'started', id: 3 },
    { t: 'board-failed' },
    { t: 'progress', id: 4, value: { done: 3, of: 10 } },
    { t: 'progress', id: 5, value: 'half' },
    { t: 'retire' },
    { t: 'init-failed', error: { name: 'Error', message: 'no config' } },
  ];
  for (const m of messages) {
    it(`carries ${m.t} ${JSON.stringify(m).slice(0, 40)}…`, () => {
      expect(across(m)).toEqual(m);
    });
  }

  it('carries a message type it does not know whole', () => {
    const future = { t: 'pause', seconds: 3 } as unknown as ToWorker;
    expect(across(future)).toEqual(future);
  });

  it('is smaller than the object form', () => {
    const m: ToWorker = { t: 'run', calls: [1, 0, 0, [2, 3]] };
    expect(codec.encode(toTuple(m)).body.byteLength).toBeLessThan(new MessageCodec().encode(m).body.byteLength);
  });

  it('refuses malformed tuples with a TypeError', () => {
    for (const bad of [null, 5, 'run', {}, [], [1], [1, 'calls'], [2, [], 'busy'], [3, {}], [5, 'error'], [0, { no: 't' }], [99, []]]) {
      expect(() => fromTuple(bad), JSON.stringify(bad)).toThrow(TypeError);
    }
  });
});
