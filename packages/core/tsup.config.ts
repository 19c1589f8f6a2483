import { defineConfig } from 'tsup';

export default defineConfig({
  // The user API, the transport SDK, and the in-memory transport for tests.
  entry: { index: 'src/index.ts', transport: 'src/transport-sdk.ts', testing: 'src/testing.ts' },
  format: ['esm'],
  // Declarations come from tsc (tsconfig.build.json), one readable file per source module,
  // rather than bundled ones whose shared types land in a hashed chunk under one-letter aliases.
  dts: false,
  clean: true,
  sourcemap: true,
  target: 'node20',
  platform: 'node',
  splitting: true,
});
