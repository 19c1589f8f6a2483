/**
 * Task references that work on another machine (API.md "Task modules on
 * another machine"). A `defineTasks` module is known by its file URL, which
 * means nothing on another host. When the module lies in a package (the
 * nearest `package.json` with a `name`), the executor sends it as
 * `futures-package:<name>/<path inside the package>`; the worker finds that
 * package from its `--cwd` (the project itself, or `node_modules/<name>` in
 * it or any directory above) and imports the same path there. A package or
 * file that is not there fails the call with an error naming it.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TaskRef, ToWorker } from '@futures/core/transport';

const SCHEME = 'futures-package:';

/** Rewrites module URLs in messages to the engine's workers; caches what it learned about each module. */
export class PortableRefs {
  readonly #modules = new Map<string, string>();
  readonly #packages = new Map<string, { name: string; dir: string } | null>();

  /** `message` with its task references made portable (the same object when there is nothing to rewrite). */
  outgoing(message: ToWorker): ToWorker {
    if (message.t === 'run' && message.defs !== undefined) {
      const defs = message.defs.slice();
      for (let i = 1; i < defs.length; i += 2) defs[i] = this.ref(defs[i] as TaskRef);
      return { t: 'run', defs, calls: message.calls };
    }
    if (message.t === 'init' && message.initializer !== undefined) return { ...message, initializer: this.ref(message.initializer) };
    return message;
  }

  ref(ref: TaskRef): TaskRef {
    if (ref.kind !== 'module' || !ref.module.startsWith('file:')) return ref;
    let portable = this.#modules.get(ref.module);
    if (portable === undefined) {
      portable = this.#portable(ref.module);
      this.#modules.set(ref.module, portable);
    }
    return portable === ref.module ? ref : { kind: 'module', module: portable, name: ref.name };
  }

  #portable(url: string): string {
    let file: string;
    try {
      file = fileURLToPath(url);
    } catch {
      return url;
    }
    const pkg = this.#packageOf(dirname(file));
    if (pkg === null) return url;
    return `${SCHEME}${pkg.name}/${relative(pkg.dir, file).split(sep).join('/')}`;
  }

  #packageOf(dir: string): { name: string; dir: string } | null {
    const known = this.#packages.get(dir);
    if (known !== undefined) return known;
    let found: { name: string; dir: string } | null = null;
    const manifest = join(dir, 'package.json');
    const name = existsSync(manifest) ? packageName(manifest) : undefined;
    if (name !== undefined) found = { name, dir };
    else if (dirname(dir) !== dir) found = this.#packageOf(dirname(dir));
    this.#packages.set(dir, found);
    return found;
  }
}

function packageName(manifest: string): string | undefined {
  try {
    const name = (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name;
    return typeof name === 'string' && name !== '' ? name : undefined;
  } catch {
    return undefined;
  }
}

/** Resolves portable references on the worker, from its `--cwd`. */
export class RefResolver {
  readonly #cwd: string;
  readonly #bases = new Map<string, string | null>();

  constructor(cwd: string) {
    this.#cwd = resolve(cwd);
  }

  /** `message` with portable references turned into file URLs under `cwd`. */
  incoming(message: ToWorker): ToWorker {
    if (message.t === 'run' && message.defs !== undefined) {
      const defs = message.defs;
      for (let i = 1; i < defs.length; i += 2) defs[i] = this.ref(defs[i] as TaskRef);
      return message;
    }
    if (message.t === 'init' && message.initializer !== undefined) return { ...message, initializer: this.ref(message.initializer) };
    return message;
  }

  ref(ref: TaskRef): TaskRef {
    if (ref.kind !== 'module' || !ref.module.startsWith(SCHEME)) return ref;
    const spec = ref.module.slice(SCHEME.length);
    const parts = spec.split('/');
    const nameLength = parts[0].startsWith('@') ? 2 : 1;
    const name = parts.slice(0, nameLength).join('/');
    const path = parts.slice(nameLength).join('/');
    const base = this.#base(name);
    if (base === null) {
      return failing(ref.name, `cannot find package '${name}' (for task '${ref.name}' in ${name}/${path}) from the worker's --cwd ${this.#cwd}: check out or install the project there`);
    }
    const file = join(base, ...path.split('/'));
    if (!existsSync(file)) {
      return failing(ref.name, `module ${name}/${path} (for task '${ref.name}') does not exist under ${base}: the worker's copy of '${name}' is not the executor's version`);
    }
    // The real path, as Node gives it to the module's import.meta.url (defineTasks registers under that URL).
    return { kind: 'module', module: pathToFileURL(realpathSync(file)).href, name: ref.name };
  }

  /** The directory of package `name` as seen from cwd: cwd or a parent named so, or node_modules/<name> in one. */
  #base(name: string): string | null {
    const known = this.#bases.get(name);
    if (known !== undefined) return known;
    let found: string | null = null;
    for (let dir = this.#cwd; ; dir = dirname(dir)) {
      if (packageName(join(dir, 'package.json')) === name) {
        found = dir;
        break;
      }
      const installed = join(dir, 'node_modules', ...name.split('/'));
      if (packageName(join(installed, 'package.json')) === name) {
        found = installed;
        break;
      }
      if (dirname(dir) === dir) break;
    }
    this.#bases.set(name, found);
    return found;
  }
}

/** A reference whose import fails with `message`, so that only the calls to it fail. */
function failing(name: string, message: string): TaskRef {
  const source = `throw new Error(${JSON.stringify(message)});`;
  return { kind: 'module', module: `data:text/javascript,${encodeURIComponent(source)}`, name };
}
