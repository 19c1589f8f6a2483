/**
 * What npm publishes for each package stands on its own: the LICENSE, the
 * README, the built entry points (and the bin file the command links to), and
 * no reference to files a user of the package does not have.
 */
import { execFile } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Every package npm would publish: the directories of packages/ whose package.json is not private. */
const published = readdirSync(join(root, 'packages')).filter(
  (dir) => !(JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as { private?: boolean }).private,
);

async function packedFiles(dir: string): Promise<string[]> {
  // --dry-run still runs prepack (which copies the root LICENSE in) and lists what would be published.
  const { stdout } = await run(npm, ['pack', '--dry-run', '--json', '--workspace', `packages/${dir}`], { cwd: root });
  const [pack] = JSON.parse(stdout.slice(stdout.indexOf('['))) as { files: { path: string }[] }[];
  return pack.files.map((f) => f.path);
}

describe('published packages', () => {
  it('are found', () => {
    expect(published).toEqual(expect.arrayContaining(['core', 'thread-pool', 'process-pool', 'socket']));
    expect(published).not.toContain('executor-tests');
  });

  for (const dir of published) {
    it(`@futures/${dir} ships its LICENSE, README, entry points and bins, and no reference to API.md`, { timeout: 60_000 }, async () => {
      const files = await packedFiles(dir);
      const manifest = JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')) as {
        license: string;
        bin?: Record<string, string>;
        exports: Record<string, string | { types: string; import: string }>;
      };
      expect(manifest.license).toBe('MIT');
      expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md']));
      for (const entry of Object.values(manifest.exports)) {
        if (typeof entry === 'string') continue;
        expect(files).toEqual(expect.arrayContaining([entry.types.replace(/^\.\//, ''), entry.import.replace(/^\.\//, '')]));
      }
      for (const target of Object.values(manifest.bin ?? {})) expect(files).toContain(target.replace(/^\.\//, ''));
      const docs = files.filter((f) => f.endsWith('.md') || f.endsWith('.d.ts'));
      const mentions = docs.filter((f) => /API\.md|shared folder/.test(readFileSync(join(root, 'packages', dir, f), 'utf8')));
      expect(mentions).toEqual([]);
    });
  }
});
