import { describe, expect, it } from 'vitest';
import { OrderedPushes } from './ordered-pushes.js';

/** A fake connection: records what was written on it, answers when told to (in order, as Redis does). */
function connection(name: string, log: string[]) {
  const pending: (() => void)[] = [];
  return {
    write: (payload: string) =>
      new Promise<unknown>((resolve) => {
        log.push(`${name}:${payload}`);
        pending.push(() => resolve(`${payload} ok`));
      }),
    answerAll: async () => {
      while (pending.length > 0) pending.shift()!();
      await new Promise((resolve) => setImmediate(resolve));
    },
    get unanswered() {
      return pending.length;
    },
  };
}

/** Pushes over a fake reader connection and a fake other one, logging both. */
function twoConnections() {
  const log: string[] = [];
  const reader = connection('reader', log);
  const other = connection('other', log);
  return { log, reader, other, pushes: new OrderedPushes(reader.write, other.write) };
}

describe('OrderedPushes', () => {
  it("pushes on the reader's connection until a read waits there, then on the other, answering each push", async () => {
    const { log, reader, other, pushes } = twoConnections();
    const first = pushes.push('a');
    expect(log).toEqual(['reader:a']);
    await reader.answerAll();
    await expect(first).resolves.toBe('a ok');
    pushes.reading = true;
    const second = pushes.push('b');
    expect(log).toEqual(['reader:a', 'other:b']);
    await other.answerAll();
    await expect(second).resolves.toBe('b ok');
  });

  it('holds a push that changes connection until every push on the other one is answered, and everything after it', async () => {
    const { log, reader, other, pushes } = twoConnections();
    void pushes.push('1');
    void pushes.push('2');
    // A read now waits on the reader's connection: the next pushes belong on the other one, after 1 and 2.
    pushes.reading = true;
    const third = pushes.push('3');
    const fourth = pushes.push('4');
    expect(log).toEqual(['reader:1', 'reader:2']);
    await reader.answerAll();
    expect(log).toEqual(['reader:1', 'reader:2', 'other:3', 'other:4']);
    // The read came back while 3 and 4 are unanswered: 5 waits for them, though the reader's connection is free.
    pushes.reading = false;
    const fifth = pushes.push('5');
    expect(log).toHaveLength(4);
    await other.answerAll();
    expect(log).toEqual(['reader:1', 'reader:2', 'other:3', 'other:4', 'reader:5']);
    await reader.answerAll();
    await expect(Promise.all([third, fourth, fifth])).resolves.toEqual(['3 ok', '4 ok', '5 ok']);
  });

  it('answered() waits for every push written so far', async () => {
    const { log, reader, other, pushes } = twoConnections();
    void pushes.push('1');
    void pushes.push('2');
    let settled = false;
    const all = pushes.answered().then(() => (settled = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    await reader.answerAll();
    await all;
    expect(settled).toBe(true);
  });

  it('a push that fails is reported to its caller and does not stop the ones after it', async () => {
    const log: string[] = [];
    let fail = true;
    const reader = (payload: string) => {
      log.push(`reader:${payload}`);
      if (fail) {
        fail = false;
        return Promise.reject(new Error('connection lost'));
      }
      return Promise.resolve(`${payload} ok`);
    };
    const other = connection('other', log);
    const pushes = new OrderedPushes(reader, other.write);
    const first = pushes.push('1');
    pushes.reading = true;
    const second = pushes.push('2');
    await expect(first).rejects.toThrow('connection lost');
    await new Promise((resolve) => setImmediate(resolve));
    expect(log).toEqual(['reader:1', 'other:2']);
    await other.answerAll();
    await expect(second).resolves.toBe('2 ok');
  });
});
