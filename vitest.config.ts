import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  // Tests run the protocol package from source, like the server's own modules.
  resolve: {
    alias: { '@livegate/protocol': fileURLToPath(new URL('./packages/protocol/src/index.ts', import.meta.url)) },
  },
  test: {
    include: ['test/**/*.test.ts', 'packages/**/test/**/*.test.ts'],
    // Generous: tests assert behaviour with their own deadlines; this only ends a broken run, and a
    // loaded 2-core machine runs a browser or a spawned CLI test several times slower.
    testTimeout: 90_000,
    hookTimeout: 120_000,
    pool: 'forks',
    fileParallelism: true,
    maxWorkers: 2,
  },
});
