// A minimal stand-in for tsx, used with `node --import ./ts-loader.mjs`: registers module hooks that
// compile .ts files with TypeScript. Whatever inherits the execArgv (worker threads, forked children)
// gets the hooks too, which is how task modules written in TypeScript reach workers.
import { register } from 'node:module';

const hooks = `
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
const ts = createRequire(${JSON.stringify(import.meta.url)})('typescript');
export async function load(url, context, next) {
  if (!url.endsWith('.ts')) return next(url, context);
  const source = await readFile(new URL(url), 'utf8');
  const out = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } });
  return { format: 'module', source: out.outputText, shortCircuit: true };
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
