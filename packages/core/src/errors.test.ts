import { describe, expect, it, vi } from 'vitest';
import {
  BrokenExecutorError,
  brandError,
  CancelledError,
  FuturesError,
  InvalidStateError,
  RemoteError,
  ShutdownError,
  TimeoutError,
} from './errors.js';

/** A second, separately evaluated copy of errors.ts, as a bundled worker or a duplicated dependency would load. */
async function loadSecondCopy(): Promise<typeof import('./errors.js')> {
  vi.resetModules();
  const copy = await import('./errors.js');
  expect(copy.TimeoutError).not.toBe(TimeoutError);
  return copy;
}

const CLASSES = [
  [FuturesError, 'FuturesError', 'ERR_FUTURES'],
  [CancelledError, 'CancelledError', 'ERR_FUTURE_CANCELLED'],
  [TimeoutError, 'TimeoutError', 'ERR_FUTURE_TIMEOUT'],
  [InvalidStateError, 'InvalidStateError', 'ERR_FUTURE_INVALID_STATE'],
  [ShutdownError, 'ShutdownError', 'ERR_EXECUTOR_SHUTDOWN'],
  [BrokenExecutorError, 'BrokenExecutorError', 'ERR_EXECUTOR_BROKEN'],
] as const;

describe('error classes', () => {
  it.each(CLASSES)('%o has its name and stable code', (cls, name, code) => {
    const error = new cls('message');
    expect(error).toBeInstanceOf(Error);
    expect(error).toBeInstanceOf(FuturesError);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(String(error)).toBe(`${name}: message`);
    expect(error.stack!.split('\n')[0]).toBe(`${name}: message`);
    expect(Object.keys(error)).toEqual(['code']);
    expect(cls.isInstance(error)).toBe(true);
    expect(FuturesError.isInstance(error)).toBe(true);
  });

  it('give a default message where Python has one', () => {
    expect(new CancelledError().message).toBe('The future was cancelled');
    expect(new TimeoutError().message).toBe('The operation timed out');
    expect(new ShutdownError().message).toBe('cannot schedule new calls after shutdown');
  });

  it('accept a cause', () => {
    const cause = new Error('why');
    expect(new TimeoutError('t', { cause }).cause).toBe(cause);
    expect(new BrokenExecutorError('b', { cause }).cause).toBe(cause);
  });

  it('tell classes apart with isInstance', () => {
    expect(CancelledError.isInstance(new TimeoutError())).toBe(false);
    expect(TimeoutError.isInstance(new CancelledError())).toBe(false);
    expect(BrokenExecutorError.isInstance(new ShutdownError())).toBe(false);
    expect(FuturesError.isInstance(new Error('plain'))).toBe(false);
    for (const value of [undefined, null, 'TimeoutError', 1, {}, { name: 'TimeoutError' }]) {
      expect(TimeoutError.isInstance(value)).toBe(false);
    }
  });

  it('RemoteError holds the remote stack as its message and stack', () => {
    const stack = 'TypeError: bad\n    at task (file:///tasks.js:3:9)';
    const error = new RemoteError(stack);
    expect(error.message).toBe(`Remote stack:\n${stack}`);
    expect(error.stack).toBe(error.message);
    expect(error.code).toBe('ERR_REMOTE');
    expect(error.name).toBe('RemoteError');
    expect(RemoteError.isInstance(error)).toBe(true);
    expect(FuturesError.isInstance(error)).toBe(true);
  });
});

describe('brandError', () => {
  class BrokenTestPoolError extends BrokenExecutorError {
    override readonly code: string = 'ERR_BROKEN_TEST_POOL';
  }
  brandError(BrokenTestPoolError, 'BrokenTestPoolError');

  it('brands a transport subclass with its own name and its ancestors', () => {
    const error = new BrokenTestPoolError('worker died');
    expect(error.name).toBe('BrokenTestPoolError');
    expect(error.code).toBe('ERR_BROKEN_TEST_POOL');
    expect(BrokenTestPoolError.isInstance(error)).toBe(true);
    expect(BrokenExecutorError.isInstance(error)).toBe(true);
    expect(FuturesError.isInstance(error)).toBe(true);
    expect(BrokenTestPoolError.isInstance(new BrokenExecutorError('x'))).toBe(false);
    expect(TimeoutError.isInstance(error)).toBe(false);
  });

  it('sets the name even when the class name was minified', () => {
    const Minified = class extends FuturesError {};
    brandError(Minified, 'NiceName');
    expect(new Minified('m').name).toBe('NiceName');
    expect(Minified.isInstance(new Minified('m'))).toBe(true);
  });
});

describe('across two copies of the package', () => {
  it('isInstance recognises errors from the other copy, where instanceof cannot', async () => {
    const copy = await loadSecondCopy();
    const foreign = new copy.TimeoutError('from the other copy');
    expect(foreign).not.toBeInstanceOf(TimeoutError);
    expect(TimeoutError.isInstance(foreign)).toBe(true);
    expect(FuturesError.isInstance(foreign)).toBe(true);
    expect(CancelledError.isInstance(foreign)).toBe(false);
    expect(foreign.code).toBe(new TimeoutError().code);

    const local = new CancelledError();
    expect(copy.CancelledError.isInstance(local)).toBe(true);
    expect(copy.TimeoutError.isInstance(local)).toBe(false);
  });

  it('isInstance recognises a transport subclass branded by the other copy', async () => {
    const copy = await loadSecondCopy();
    class ForeignBrokenPoolError extends copy.BrokenExecutorError {}
    copy.brandError(ForeignBrokenPoolError, 'ForeignBrokenPoolError');
    const error = new ForeignBrokenPoolError('died');
    expect(error).not.toBeInstanceOf(BrokenExecutorError);
    expect(BrokenExecutorError.isInstance(error)).toBe(true);
    expect(FuturesError.isInstance(error)).toBe(true);
    expect(ShutdownError.isInstance(error)).toBe(false);
  });
});
