/**
 * Every ```ts block in every README type-checks as written, against the
 * built packages (as a user's program would see them after `npm install`).
 *
 * How blocks become files, per README:
 * - a line `// name.ts` (alone on its line) starts a file of that name, so
 *   one block can show `tasks.ts` and `main.ts`, and a later block can
 *   `import { fib } from './tasks.js'`;
 * - a block without such a line is a file of its own;
 * - a block right after `<!-- not-compiled -->` is an outline, not a program,
 *   and is skipped (keep them rare).
 * Package READMEs are also published on npm, where relative links break: they
 * may only link to absolute URLs and anchors.
 */
import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));

interface ExampleFile {
  /** Where the file lives in the virtual project (inside the repo, so node_modules resolves). */
  path: string;
  text: string;
  /** README line of each line of `text`. */
  lines: number[];
}

interface Readme {
  path: string;
  files: ExampleFile[];
  links: string[];
}

function readmes(): string[] {
  const found = [join(root, 'README.md')];
  for (const group of ['packages', 'apps']) {
    for (const name of readdirSync(join(root, group))) {
      const path = join(root, group, name, 'README.md');
      if (existsSync(path)) found.push(path);
    }
  }
  return found;
}

function parse(path: string, markdown = readFileSync(path, 'utf8')): Readme {
  const dir = join(root, '.readme-examples', relative(root, dirname(path)) || 'root');
  const source = markdown.split('\n');
  const files = new Map<string, ExampleFile>();
  let block = 0;
  for (let i = 0; i < source.length; i++) {
    if (!/^\s*```ts\s*$/.test(source[i])) continue;
    const skipped = /<!--\s*not-compiled\s*-->/.test(source[i - 1] ?? '') || /<!--\s*not-compiled\s*-->/.test(source[i - 2] ?? '');
    block++;
    let current: ExampleFile | undefined;
    for (i++; i < source.length && !/^\s*```\s*$/.test(source[i]); i++) {
      if (skipped) continue;
      const line = source[i].replace(/^ {0,2}/, '');
      const name = /^\/\/ ([\w.-]+\.ts)(?:\s*$|:)/.exec(line)?.[1];
      if (name) {
        current = files.get(name) ?? { path: join(dir, name), text: '', lines: [] };
        files.set(name, current);
      } else if (!current) {
        current = { path: join(dir, `block-${block}.ts`), text: '', lines: [] };
        files.set(`block-${block}.ts`, current);
      }
      current.text += `${line}\n`;
      current.lines.push(i + 1);
    }
  }
  const links = [...markdown.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]);
  return { path, files: [...files.values()], links };
}

const options: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2023.d.ts', 'lib.esnext.disposable.d.ts'],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  strict: true,
  noEmit: true,
  skipLibCheck: true,
  types: ['node'],
};

function typeCheck(readme: Readme): string[] {
  const virtual = new Map(readme.files.map((f) => [f.path, f]));
  const host = ts.createCompilerHost(options);
  const { fileExists, readFile, getSourceFile, directoryExists } = host;
  host.fileExists = (p) => virtual.has(p) || fileExists.call(host, p);
  host.readFile = (p) => virtual.get(p)?.text ?? readFile.call(host, p);
  host.directoryExists = (p) => p.startsWith(join(root, '.readme-examples')) || (directoryExists?.call(host, p) ?? true);
  host.getSourceFile = (p, language, ...rest) => {
    const file = virtual.get(p);
    return file ? ts.createSourceFile(p, file.text, language) : getSourceFile.call(host, p, language, ...rest);
  };
  const program = ts.createProgram([...virtual.keys()], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    const file = d.file && virtual.get(d.file.fileName);
    if (!file || d.start === undefined) return text;
    const { line } = d.file!.getLineAndCharacterOfPosition(d.start);
    return `${relative(root, readme.path)}:${file.lines[line]} (${relative(root, file.path)}): ${text}`;
  });
}

describe('README examples', () => {
  for (const path of readmes()) {
    const readme = parse(path);
    const name = relative(root, path);
    it(`${name}: every ts block type-checks against the built packages`, { timeout: 60_000 }, () => {
      expect(typeCheck(readme)).toEqual([]);
    });
    if (name !== 'README.md') {
      it(`${name}: links work on npm (absolute URLs or anchors only)`, () => {
        expect(readme.links.filter((link) => !/^(https?:\/\/|#)/.test(link))).toEqual([]);
      });
    }
  }

  it('reports a wrong example with its README line, and skips only marked outlines', () => {
    const markdown = [
      '```ts', '// tasks.ts', "import { defineTasks } from '@futures/core';",
      'export const { fib } = defineTasks(import.meta.url, { fib: (n: number): number => n });', '```',
      '<!-- not-compiled -->', '```ts', 'this is not TypeScript', '```',
      '```ts', "import { InlineExecutor } from '@futures/core';", "import { fib } from './tasks.js';",
      "await new InlineExecutor().submit(fib, 'x');", '```',
    ].join('\n');
    const errors = typeCheck(parse(join(root, 'packages', 'example', 'README.md'), markdown));
    expect(errors).toEqual([expect.stringMatching(/^packages\/example\/README\.md:13 .*'string' is not assignable to parameter of type 'number'/)]);
  });

  it('finds the examples it checks', () => {
    expect(parse(join(root, 'README.md')).files.map((f) => relative(root, f.path))).toEqual([
      join('.readme-examples', 'root', 'tasks.ts'),
      join('.readme-examples', 'root', 'main.ts'),
    ]);
  });
});
