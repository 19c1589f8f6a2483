#!/usr/bin/env node
// The futures-redis-worker command. It loads the built CLI, so that npm can link this bin
// at install time, before the package is built.
await import('../dist/cli.js');
