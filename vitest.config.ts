import { defineConfig } from 'vitest/config';

// Four tiers (issue 11 item 7), each a vitest project: `npm test` runs them all (what .ci/run runs);
// `npm run test:<tier>` runs one. Only the integration tier starts a Kafka broker (when none answers) and makes
// sure pyarrow is importable; the unit and property tiers need nothing but Node.
const shared = {
  testTimeout: 120_000,
  hookTimeout: 120_000,
  pool: 'forks' as const,
  // The heap each file ends with, in the per-file lines: which file nears V8's limit if a worker ever dies of it.
  logHeapUsage: true,
  // One seed for every fast-check property (DYADFLOW_TEST_SEED to change it).
  setupFiles: ['./test/setup/fast-check-seed.ts'],
};

export default defineConfig({
  test: {
    // unfinished-reporter names, after the summary, any file or test a dead worker left unfinished (CI keeps the tail).
    reporters: ['default', './test/setup/unfinished-reporter.ts'],
    projects: [
      {
        test: {
          ...shared,
          name: 'unit',
          include: ['test/core/**/*.test.ts', 'test/adapters/**/*.test.ts', 'test/cli/**/*.test.ts', 'test/pipelines/**/*.test.ts'],
        },
      },
      { test: { ...shared, name: 'property', include: ['test/property/**/*.test.ts'] } },
      {
        test: {
          ...shared,
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // A real Kafka broker (started from the jars when none runs, stopped after) and pyarrow.
          globalSetup: ['test/setup/kafka-broker.ts', 'test/setup/python-pyarrow.ts'],
        },
      },
      // Real processes killed or raced: they build the CLI once (test/helpers/cli-process.ts).
      { test: { ...shared, name: 'faults', include: ['test/faults/**/*.test.ts'] } },
    ],
  },
});
