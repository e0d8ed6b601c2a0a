import os from 'node:os';

/**
 * jest with jest-light-runner: test files are imported natively by long-lived worker threads,
 * so modules load once per worker, not once per file (see DESIGN.md, Test tooling). In the
 * workers TypeScript goes through tsx's hooks (test/support/typescript-hooks.mjs) and every
 * test and hook gets a time limit (test/support/test-timeouts.ts); jest's global setup and
 * teardown go through the esbuild transform below. Types are checked by `npm run typecheck`.
 */
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': '<rootDir>/test/support/esbuild-transform.mjs' },
  runner: '<rootDir>/test/support/shared-pool-runner.mjs',
  setupFiles: ['<rootDir>/test/support/typescript-hooks.mjs'],
  setupFilesAfterEnv: ['<rootDir>/test/support/test-timeouts.ts'],
};

export default {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...common,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    {
      ...common,
      displayName: 'contract',
      testMatch: ['<rootDir>/test/contract/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.ts',
      globalTeardown: '<rootDir>/test/support/global-teardown.ts',
    },
  ],
  testSequencer: '<rootDir>/test/support/test-sequencer.mjs',
  // Every test file has its own cloned database and free ports, so files run side by side.
  // One worker more than there are cores: files wait on PostgreSQL, spawned servers and
  // Terraform's provider, and the extra worker fills that time (2 cores, whole suite, fresh
  // jest cache, before the pools were shared: 310 s with two workers, 284-305 s with three,
  // 317 s with four). JEST_MAX_WORKERS overrides.
  maxWorkers: process.env.JEST_MAX_WORKERS || os.availableParallelism() + 1,
};
