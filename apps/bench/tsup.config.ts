import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/main.ts', 'src/workers/*.ts'],
  format: ['esm'],
  dts: false,
  clean: true,
  target: 'node20',
  platform: 'node',
  splitting: true,
});
