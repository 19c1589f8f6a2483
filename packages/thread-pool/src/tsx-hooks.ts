/**
 * TypeScript task modules under tsx. A thread inherits the parent's
 * `--import tsx`, but tsx registers its module hooks only on the main thread
 * of Node versions whose worker_threads lack `isInternalThread` (Node 20), so
 * a thread could not import a `.ts` task module. When the thread was started
 * under tsx on such a Node, this registers tsx's hooks in the thread, through
 * tsx's own API (`tsx/esm/api`), before any task module is imported.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as threads from 'node:worker_threads';

/**
 * The flag tsx is preloaded with. (`--loader tsx` hooks already apply in
 * threads on Node 20: registering them again would run them twice.)
 */
const IMPORT_FLAG = '--import';

/**
 * Registers tsx's hooks in this thread if the thread runs under tsx
 * (`--import tsx`, in its flags or in NODE_OPTIONS) and tsx did not do it
 * itself. Never throws: without the hooks, importing a `.ts` task module
 * fails that call with Node's own error.
 */
export async function registerTsxHooks(execArgv: readonly string[] = process.execArgv, nodeOptions = process.env.NODE_OPTIONS ?? ''): Promise<void> {
  // Where worker_threads has isInternalThread, tsx registers in every thread by itself.
  if ('isInternalThread' in threads) return;
  for (const spec of imports([...execArgv, ...nodeOptions.split(/\s+/).filter(Boolean)])) {
    const packageJson = tsxPackageJson(spec);
    if (packageJson === undefined) continue;
    try {
      // The ES module build of tsx's API, from the same copy of tsx the parent runs.
      const manifest = JSON.parse(readFileSync(packageJson, 'utf8')) as { exports?: Record<string, unknown> };
      const target = esmTarget(manifest.exports?.['./esm/api']);
      if (target === undefined) return;
      const { register } = (await import(pathToFileURL(join(dirname(packageJson), target)).href)) as { register(): unknown };
      register();
    } catch {
      // An unexpected tsx layout: leave it to Node's error on the first .ts import.
    }
    return;
  }
}

/** The file an `exports` entry gives to `import` on Node. */
function esmTarget(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry;
  if (entry === null || typeof entry !== 'object') return undefined;
  for (const condition of ['node', 'import', 'default']) {
    const target = esmTarget((entry as Record<string, unknown>)[condition]);
    if (target !== undefined) return target;
  }
  return undefined;
}

/** The modules preloaded with --import, in order. */
function imports(flags: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < flags.length; i++) {
    const arg = flags[i];
    const value = arg === IMPORT_FLAG ? flags[++i] : arg.startsWith(`${IMPORT_FLAG}=`) ? arg.slice(IMPORT_FLAG.length + 1) : undefined;
    if (value) out.push(value);
  }
  return out;
}

/** The package.json of tsx if `spec` is tsx (`tsx`, `tsx/esm`) or a file inside the tsx package. */
function tsxPackageJson(spec: string): string | undefined {
  if (spec === 'tsx' || spec.startsWith('tsx/')) {
    try {
      return createRequire(join(process.cwd(), 'index.js')).resolve('tsx/package.json');
    } catch {
      return undefined;
    }
  }
  if (!spec.startsWith('file:') && !spec.startsWith('/') && !spec.startsWith('.')) return undefined;
  let dir = dirname(spec.startsWith('file:') ? fileURLToPath(spec) : resolve(spec));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      try {
        return (JSON.parse(readFileSync(candidate, 'utf8')) as { name?: unknown }).name === 'tsx' ? candidate : undefined;
      } catch {
        return undefined;
      }
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}
