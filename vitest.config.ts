import { defineConfig } from 'vitest/config'

// Three tiers (issue 2): unit (pure modules), integration (real processes, sockets, ptys),
// e2e (the built renderer in Debian's Chromium via playwright-core against `spikelab serve`).
export default defineConfig({
  test: {
    reporters: ['default', './test/support/summary-reporter.ts'],
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], environment: 'node', testTimeout: 30_000 },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 60_000,
          expect: { poll: { timeout: 15_000, interval: 100 } },
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['test/e2e/**/*.test.ts'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 60_000,
          fileParallelism: false,
          // A page under a loaded 2-core machine can take seconds to show what it fetched.
          expect: { poll: { timeout: 15_000, interval: 100 } },
        },
      },
    ],
  },
})
