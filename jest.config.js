import os from 'node:os';

/**
 * jest in native ESM mode (run through `node --experimental-vm-modules`), TypeScript through
 * esbuild (test/support/esbuild-transform.mjs: types stripped only; `npm run typecheck` checks them).
 */
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': '<rootDir>/test/support/esbuild-transform.mjs' },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testEnvironment: 'node',
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
  testTimeout: 60000,
  // Every test file has its own cloned database and free ports, so files run side by side.
  // One worker more than there are cores: files wait on PostgreSQL, spawned servers and
  // Terraform's provider, and the extra worker fills that time (2 cores, whole suite from a
  // fresh clone: 313 s with two workers, 286 s with three). JEST_MAX_WORKERS overrides.
  maxWorkers: process.env.JEST_MAX_WORKERS || os.availableParallelism() + 1,
};
