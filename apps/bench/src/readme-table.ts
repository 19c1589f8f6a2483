/**
 * Writes a bench run's results into the root README, between
 * `<!-- bench:start -->` and `<!-- bench:end -->`, so the table there always
 * comes from a real run. Usage:
 *   npm run --workspace apps/bench readme -- --json FILE [--readme PATH]
 * Without the markers it prints the table and says so.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { END, START, replaceBetweenMarkers, resultsMarkdown } from './markdown.js';
import type { BenchResults } from './results.js';

function userPath(p: string): string {
  return isAbsolute(p) ? p : resolve(process.env.INIT_CWD ?? process.cwd(), p);
}

function main(argv: string[]): number {
  let json: string | undefined;
  let readmePath = fileURLToPath(new URL('../../../README.md', import.meta.url));
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--json') json = userPath(argv[++i] ?? '');
    else if (argv[i] === '--readme') readmePath = userPath(argv[++i] ?? '');
    else {
      process.stderr.write(`readme-table: unknown option ${argv[i]}\nusage: readme-table --json FILE [--readme PATH]\n`);
      return 2;
    }
  }
  if (!json) {
    process.stderr.write('readme-table: --json FILE is required (a file written by `npm run bench -- --json FILE`)\n');
    return 2;
  }
  const results = JSON.parse(readFileSync(json, 'utf8')) as BenchResults;
  const body = resultsMarkdown(results);
  let readme: string | undefined;
  try {
    readme = readFileSync(readmePath, 'utf8');
  } catch {
    readme = undefined;
  }
  const updated = readme === undefined ? undefined : replaceBetweenMarkers(readme, body);
  if (updated === undefined) {
    process.stdout.write(body + '\n');
    process.stderr.write(`readme-table: ${readme === undefined ? `${readmePath} not found` : `no ${START} … ${END} markers in ${readmePath}`}; printed the table instead.\n`);
    return 0;
  }
  writeFileSync(readmePath, updated);
  process.stdout.write(`readme-table: updated the results between the markers in ${readmePath}\n`);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
