import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Worker-thread and socket tests spawn their own threads; keep vitest's own pool small on 2 cores.
    pool: 'forks',
    maxWorkers: 2,
  },
});
