import { describe, expect, it } from 'vitest';
import { inheritedExecArgv } from './exec-argv.js';

describe('inheritedExecArgv', () => {
  it('is undefined when no flag needs removing, so workers inherit as Node does', () => {
    expect(inheritedExecArgv([])).toBeUndefined();
    expect(inheritedExecArgv(['--import', 'tsx', '--max-old-space-size=100'])).toBeUndefined();
  });

  it('drops --input-type, in both spellings, and keeps the rest in order', () => {
    expect(inheritedExecArgv(['--import', 'tsx', '--input-type=module', '--no-warnings'])).toEqual(['--import', 'tsx', '--no-warnings']);
    expect(inheritedExecArgv(['--input-type', 'module', '--no-warnings'])).toEqual(['--no-warnings']);
  });

  it('drops the code of --eval/--print with it, which Node only does for process.execArgv itself', () => {
    expect(inheritedExecArgv(['--input-type=module', '-e', 'console.log(1)', '--no-warnings'])).toEqual(['--no-warnings']);
    expect(inheritedExecArgv(['--input-type=module', '--eval=1', '-p', '2'])).toEqual([]);
  });
});
