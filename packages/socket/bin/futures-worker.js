#!/usr/bin/env node
// The `futures-worker` command. npm links a bin only if its file exists at
// install time, and dist/ is made later by the build: so the bin is this
// committed file, which loads the built CLI.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/cli.js', import.meta.url);
if (!existsSync(cli)) {
  process.stderr.write(
    `futures-worker: @futures/socket is not built (${cli.pathname} is missing).\n` +
      'In a checkout of the repository, run `npm run build` first.\n',
  );
  process.exit(1);
}
await import(cli.href);
