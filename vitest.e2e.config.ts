import { defineConfig } from 'vitest/config';

// Real Chromium against a real headless daemon: one file at a time, generous timeouts.
export default defineConfig({
  test: {
    name: 'e2e',
    environment: 'node',
    include: ['test/e2e/**/*.e2e.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    fileParallelism: false,
  },
});
