import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/main.ts', 'src/readme-table.ts', 'src/stats-cost.ts', 'src/workers/*.ts'],
  format: ['esm'],
  dts: false,
  clean: true,
  target: 'node20',
  platform: 'node',
  // Every entry is a file of its own: workers import tasks.js by URL, and
  // peers load their worker files by path.
  splitting: false,
  // Peers are devDependencies, which tsup would otherwise bundle; they must
  // load from node_modules (piscina finds its own worker script there).
  external: ['piscina', 'tinypool', 'workerpool', 'msgpackr', 'acorn', /^@futures\//],
});
