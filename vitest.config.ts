import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'docs/*.test.ts', 'scripts/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // The type tests (*.test-d.ts) are checked by each package's `typecheck`
    // task (tsc -p, which `npm test` runs before vitest), not by vitest's
    // experimental typecheck mode.
  },
});
