import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const quiet = fileURLToPath(new URL('./quiet.mjs', import.meta.url));
const node = process.execPath;

function quietly(script: string) {
  return run(node, [quiet, node, '-e', script]).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

describe('scripts/quiet.mjs (how npm test and npm run bench build)', () => {
  it('prints nothing when the command succeeds', async () => {
    expect(await quietly('console.log("built"); console.error("cached")')).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it("prints the command's whole output and passes its exit code on when it fails", async () => {
    const result = await quietly('console.log("step 1"); console.error("src/a.ts: error TS2322"); process.exit(3)');
    expect(result.code).toBe(3);
    expect(result.stderr).toMatch(/step 1\n[^]*src\/a\.ts: error TS2322\n[^]*failed \(exit code 3\)/);
  });

  it('says so when the command cannot start', async () => {
    const result = await run(node, [quiet, 'no-such-command-futures']).catch((e: { code: number; stderr: string }) => e);
    expect(result).toMatchObject({ code: 1, stderr: expect.stringMatching(/no-such-command-futures: spawn .*ENOENT/) });
  });
});
