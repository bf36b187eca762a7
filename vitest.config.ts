import { defineConfig } from 'vitest/config';

// Real-peer integration tests start brokers, Modbus slaves and gateway processes on loopback;
// they are slower than unit tests but bounded: every wait in them has its own deadline.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
    reporters: ['default'],
  },
});
