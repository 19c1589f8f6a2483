import { mkdirSync, mkdtempSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskRef } from '@futures/core/transport';
import { PortableRefs, RefResolver } from './task-refs.js';

describe('portable task references', () => {
  // Made in beforeAll, not while the file is collected: a run that skips every test here (-t) skips afterAll too.
  let root = '';
  beforeAll(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'futures-refs-')));
    write(join(root, 'here', 'package.json'), JSON.stringify({ name: '@acme/jobs' }));
    write(join(root, 'here', 'lib', 'deep', 'tasks.mjs'), 'export const x = 1;');
    write(join(root, 'loose', 'tasks.mjs'), 'export const x = 1;');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const write = (path: string, text: string) => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
  };
  type ModuleRef = Extract<TaskRef, { kind: 'module' }>;
  const ref = (path: string): ModuleRef => ({ kind: 'module', module: pathToFileURL(path).href, name: 'resize' });
  /** The module URL of a reference that must still be a module reference. */
  const moduleOf = (r: TaskRef): string => {
    if (r.kind !== 'module') throw new Error('not a module reference');
    return r.module;
  };

  it('sends a module inside a named package as package name + path inside it; others unchanged', () => {
    const refs = new PortableRefs();
    expect(refs.ref(ref(join(root, 'here', 'lib', 'deep', 'tasks.mjs')))).toEqual({ kind: 'module', module: 'futures-package:@acme/jobs/lib/deep/tasks.mjs', name: 'resize' });
    const source: TaskRef = { kind: 'source', source: '(x) => x', name: 'anonymous' };
    expect(refs.ref(source)).toBe(source);
    const loose = ref(join(root, 'loose', 'tasks.mjs'));
    // No named package between it and the file system root: it travels by file URL.
    expect(refs.ref(loose)).toBe(loose);
  });

  it('resolves it from the worker cwd: the package itself, or node_modules/<name> in it or above', () => {
    const portable = new PortableRefs().ref(ref(join(root, 'here', 'lib', 'deep', 'tasks.mjs')));
    expect(moduleOf(new RefResolver(join(root, 'here', 'lib')).ref(portable))).toBe(pathToFileURL(join(root, 'here', 'lib', 'deep', 'tasks.mjs')).href);
    write(join(root, 'app', 'node_modules', '@acme', 'jobs', 'package.json'), JSON.stringify({ name: '@acme/jobs' }));
    write(join(root, 'app', 'node_modules', '@acme', 'jobs', 'lib', 'deep', 'tasks.mjs'), 'export const x = 2;');
    mkdirSync(join(root, 'app', 'src'), { recursive: true });
    expect(moduleOf(new RefResolver(join(root, 'app', 'src')).ref(portable))).toBe(
      pathToFileURL(join(root, 'app', 'node_modules', '@acme', 'jobs', 'lib', 'deep', 'tasks.mjs')).href,
    );
  });

  it('a package or module missing on the worker becomes a module whose import fails naming it', async () => {
    const portable = new PortableRefs().ref(ref(join(root, 'here', 'lib', 'deep', 'tasks.mjs')));
    mkdirSync(join(root, 'empty'), { recursive: true });
    const missing = new RefResolver(join(root, 'empty')).ref(portable);
    await expect(import(moduleOf(missing))).rejects.toThrow(/cannot find package '@acme\/jobs' \(for task 'resize' in @acme\/jobs\/lib\/deep\/tasks\.mjs\)/);
    write(join(root, 'old', 'package.json'), JSON.stringify({ name: '@acme/jobs' }));
    const stale = new RefResolver(join(root, 'old')).ref(portable);
    await expect(import(moduleOf(stale))).rejects.toThrow(/module @acme\/jobs\/lib\/deep\/tasks\.mjs \(for task 'resize'\) does not exist/);
  });
});
