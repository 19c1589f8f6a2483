/**
 * The real workload: parse one JavaScript file's source with acorn, as a
 * bundler or linter would. The same function runs in every contender (our
 * workers, piscina, tinypool, workerpool, this thread); its result, the
 * number of top-level statements, is small, so the figure is the parse and
 * the trip of the source text, not of a syntax tree.
 */
import { parse } from 'acorn';

/** Top-level statements of `source` parsed as a module, else as a script (CommonJS files may `return` at the top); -1 if neither parses. */
export function parseSource(source: string): number {
  try {
    return parse(source, { ecmaVersion: 'latest', sourceType: 'module', allowHashBang: true }).body.length;
  } catch {
    try {
      return parse(source, { ecmaVersion: 'latest', sourceType: 'script', allowHashBang: true, allowReturnOutsideFunction: true }).body.length;
    } catch {
      return -1;
    }
  }
}
