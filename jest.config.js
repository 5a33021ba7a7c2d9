/**
 * Two projects: `unit` (pure code, no database) and `db` (anything that opens a database,
 * named `*.db.test.ts`). CI runs everything once on embedded PGlite, then `db` again against
 * a real PostgreSQL server through DATABASE_URL.
 */
// ESM-only dependencies are transpiled with their own class semantics (useDefineForClassFields),
// our sources with the project's (decorators need it off).
const transform = {
  "/node_modules/.+\\.js$": "<rootDir>/test/support/esm-deps-transformer.js",
  "^.+\\.[tj]s$": ["ts-jest", { tsconfig: "tsconfig.test.json" }],
};
const transformIgnorePatterns = ["/node_modules/(?!(pg-boss|serialize-error|non-error|jose)/)"];
// Sources import "./x.js" (module nodenext); Jest must resolve that to x.ts.
const moduleNameMapper = { "^(\\.{1,2}/.*)\\.js$": "$1" };
const common = { testEnvironment: "node", transform, transformIgnorePatterns, moduleNameMapper, setupFiles: ["reflect-metadata"] };

module.exports = {
  // Jest's default is one worker fewer than the cores, so on a 2-core machine (CI's) every file runs in one
  // process, one after another. Most of a file's time waits on PGlite, a spawned command or a server: two
  // workers on two cores took the suite from 15 to 10 minutes on a busy machine (~1,000 tests). Each file
  // has a database of its own, on a real server too (test/support/database-per-file.ts).
  maxWorkers: Math.max(2, require("node:os").availableParallelism() - 1),
  // Read at the top level only (a project's own testTimeout is ignored): PGlite starts slowly.
  testTimeout: 60000,
  // The longest files first on a clean clone (CI's), where Jest has no timings of its own yet.
  testSequencer: "<rootDir>/test/support/long-files-first-sequencer.js",
  projects: [
    {
      ...common,
      displayName: "unit",
      testMatch: ["<rootDir>/src/**/*.test.ts", "<rootDir>/test/**/*.test.ts"],
      testPathIgnorePatterns: ["\\.db\\.test\\.ts$", "/node_modules/", "/dist/"],
    },
    {
      ...common,
      displayName: "db",
      testMatch: ["<rootDir>/src/**/*.db.test.ts", "<rootDir>/test/**/*.db.test.ts"],
      testPathIgnorePatterns: ["/node_modules/", "/dist/"],
      globalSetup: "<rootDir>/test/support/global-setup.ts",
      globalTeardown: "<rootDir>/test/support/global-teardown.ts",
      setupFilesAfterEnv: ["<rootDir>/test/support/database-per-file.ts"],
    },
  ],
};
