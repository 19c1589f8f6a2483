import { describe, expect, it } from 'vitest';
import { loaderFlags } from './loader-flags.js';

describe('loaderFlags: the node flags a spawned worker gets', () => {
  it('keeps the flags that decide how modules load, in both spellings', () => {
    const flags = ['--import', 'tsx', '--require=./setup.cjs', '-r', 'dotenv/config', '--loader', 'ts-node/esm', '-C', 'dev', '--conditions=custom', '--enable-source-maps'];
    expect(loaderFlags(flags)).toEqual(flags);
  });

  it('drops the ones that would make a worker run the parent\'s code, refuse its entry, or stop for a debugger', () => {
    expect(
      loaderFlags(['-e', 'new Pool()', '--input-type=module', '--inspect-brk=0', '--import', 'tsx', '-p', '1+1', '--max-old-space-size=512', '--expose-gc']),
    ).toEqual(['--import', 'tsx']);
  });
});
