import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, mkdir, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { USAGE } from './cli-args.js';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../bin/futures-worker.js', import.meta.url));
const repoBin = fileURLToPath(new URL('../../../node_modules/.bin/futures-worker', import.meta.url));

describe('the futures-worker command', () => {
  it('is linked into node_modules/.bin by npm ci, to the committed bin file', async () => {
    // npm links a bin only if its target exists at install time, before any build.
    expect(await realpath(repoBin)).toBe(await realpath(bin));
  });

  it('runs the built CLI: --help prints the usage and exits 0', async () => {
    const { stdout } = await run(repoBin, ['--help']);
    expect(stdout).toBe(USAGE);
  });

  it('passes the exit code on: a usage error exits 2', async () => {
    const error = await run(process.execPath, [bin, '--connect', '/nowhere.sock'], { env: { PATH: process.env.PATH } }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(error?.code).toBe(2);
    expect(error?.stderr).toMatch(/FUTURES_TOKEN/);
  });

  it('says that the package is not built when dist/cli.js is missing', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'futures-bin-'));
    try {
      await mkdir(join(dir, 'bin'));
      await copyFile(bin, join(dir, 'bin', 'futures-worker.js'));
      await copyFile(fileURLToPath(new URL('../package.json', import.meta.url)), join(dir, 'package.json'));
      const error = await run(process.execPath, [join(dir, 'bin', 'futures-worker.js'), '--help']).then(
        () => undefined,
        (e: { code: number; stderr: string }) => e,
      );
      expect(error?.code).toBe(1);
      expect(error?.stderr).toMatch(/@futures\/socket is not built \(.*dist\/cli\.js is missing\).*npm run build/s);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
