/**
 * Jest on NestJS 11 (CommonJS): plain Jest, ts-jest transpiling only (types are checked by `npm run typecheck`).
 *
 * Two projects: `default` runs every spec (the HTTP ones on the embedded SQLite store), and `api-postgres`
 * runs every HTTP end-to-end spec (tests/api and every *.e2e.spec.ts but the browser suite) once more with
 * FUNDTRAIL_EVENT_STORE=postgres (tests/support/postgres-env.ts): each test app on a fresh schema of the local
 * PostgreSQL holding its events and its read models, so `npm test` proves the whole HTTP API on both stores
 * without a spec written twice. `npm run test:postgres` runs only the latter.
 */
const base = {
  testEnvironment: 'node',
  roots: ['<rootDir>/tests'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
};

module.exports = {
  testTimeout: 30_000,
  maxWorkers: 2,
  projects: [
    { ...base, displayName: 'default', testMatch: ['**/*.spec.ts'] },
    {
      ...base,
      displayName: 'api-postgres',
      testMatch: ['<rootDir>/tests/api/**/*.spec.ts', '<rootDir>/tests/**/*.e2e.spec.ts'],
      // the headless-browser suite checks rendering, not the store; once is enough
      testPathIgnorePatterns: ['/node_modules/', '<rootDir>/tests/dashboard/'],
      setupFiles: ['<rootDir>/tests/support/postgres-env.ts'],
    },
  ],
};
