import { expectTypeOf, test } from 'vitest';
import { asCompleted, InlineExecutor, wait, type AsCompletedOptions, type DoneAndNotDone, type DoneCallback, type Future, type WaitOptions } from './index.js';

test("wait's, asCompleted's and addDoneCallback's types are importable by name from the package", () => {
  const pool = new InlineExecutor();
  const fs = [pool.submit((x: number) => x + 1, 1)];
  const options: WaitOptions = { timeout: 1_000, returnWhen: 'FIRST_COMPLETED' };
  expectTypeOf(wait(fs, options)).toEqualTypeOf<Promise<DoneAndNotDone<number>>>();
  const later: AsCompletedOptions = { timeout: 1_000 };
  expectTypeOf(asCompleted(fs, later)).toEqualTypeOf<AsyncIterableIterator<Future<number>>>();
  const callback: DoneCallback<number> = (f) => expectTypeOf(f).toEqualTypeOf<Future<number>>();
  fs[0].addDoneCallback(callback);
});
