import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    pool: 'forks',
    // One PostgreSQL server per run for the PostgreSQL store's tests (skipped, with a warning, when there is none).
    globalSetup: ['test/support/postgres-global.ts'],
  },
});
