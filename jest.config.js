/** One test bootstrap: unit specs beside the code, end-to-end tests under test/. */
module.exports = {
  rootDir: '.',
  testEnvironment: 'node',
  testMatch: [
    '<rootDir>/src/**/*.spec.ts',
    '<rootDir>/libs/**/*.spec.ts',
    '<rootDir>/dev/**/*.spec.ts',
    '<rootDir>/test/**/*.e2e.ts',
  ],
  // The path aliases of tsconfig.json (`@libs/db`, `@src/accounts/...`).
  moduleNameMapper: { '^@(libs|src|dev|test)/(.*)$': '<rootDir>/$1/$2' },
  transform: { '^.+\\.(ts|js)$': ['@swc/jest'] },
  // Packages published as ES modules only (Node requires them natively; Jest needs them compiled).
  transformIgnorePatterns: ['/node_modules/(?!(content-disposition|openid-client|oauth4webapi|jose)/)'],
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  maxWorkers: 2,
  testTimeout: 60000,
};
