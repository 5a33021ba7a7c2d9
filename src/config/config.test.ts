import { ConfigError, loadConfig } from "./config.js";

const SECRET = "s".repeat(32);

describe("configuration", () => {
  test("defaults: port 4000, embedded database in ./.zpd, page size 100", () => {
    const c = loadConfig({}, { jwtSecret: SECRET });
    expect(c).toMatchObject({ port: 4000, databaseUrl: undefined, maxPageSize: 100, seedDemo: true, jwtSecretGenerated: true });
    expect(c.dataDir.endsWith(".zpd")).toBe(true);
  });

  test.each([
    ["PORT", { PORT: "http" }],
    ["PORT", { PORT: "70000" }],
    ["DATABASE_URL", { DATABASE_URL: "mysql://x" }],
    ["LOG_LEVEL", { LOG_LEVEL: "loud" }],
    ["ZPD_JWT_SECRET", { ZPD_JWT_SECRET: "short" }],
    ["ZPD_SEED_DEMO", { ZPD_SEED_DEMO: "maybe" }],
    ["ZPD_MAX_PAGE_SIZE", { ZPD_MAX_PAGE_SIZE: "0" }],
    ["ZPD_PROFILE_KEY", { ZPD_PROFILE_KEY: "dG9vIHNob3J0" }],
    ["ZPD_PROFILE_KEYS_OLD", { ZPD_PROFILE_KEY: Buffer.alloc(32, 1).toString("base64"), ZPD_PROFILE_KEYS_OLD: "dG9vIHNob3J0" }],
    ["ZPD_PROFILE_KEYS_OLD", { ZPD_PROFILE_KEYS_OLD: Buffer.alloc(32, 1).toString("base64") }],
    ["ZPD_GRAPHIQL", { ZPD_GRAPHIQL: "sometimes" }],
    ["ZPD_MAX_QUERY_DEPTH", { ZPD_MAX_QUERY_DEPTH: "0" }],
    ["ZPD_MAX_QUERY_ALIASES", { ZPD_MAX_QUERY_ALIASES: "-1" }],
    ["ZPD_MAX_QUERY_COST", { ZPD_MAX_QUERY_COST: "lots" }],
    ["ZPD_MAX_QUERY_BYTES", { ZPD_MAX_QUERY_BYTES: "3000000" }],
    ["ZPD_MAX_QUERY_TOKENS", { ZPD_MAX_QUERY_TOKENS: "0" }],
    ["ZPD_MAX_QUERY_COST_LEARNER", { ZPD_MAX_QUERY_COST_LEARNER: "0" }],
    ["ZPD_MAX_QUERY_COST_TEACHER", { ZPD_MAX_QUERY_COST_TEACHER: "60000" }],
    ["ZPD_MAX_QUERY_COST_ANALYST", { ZPD_MAX_QUERY_COST: "1000", ZPD_MAX_QUERY_COST_ANALYST: "1001" }],
    ["ZPD_RATE_LIMIT_TOKEN", { ZPD_RATE_LIMIT_TOKEN: "fast" }],
    ["ZPD_RATE_LIMIT_TOKEN_BURST", { ZPD_RATE_LIMIT_TOKEN_BURST: "-1" }],
    ["ZPD_RATE_LIMIT_ANONYMOUS", { ZPD_RATE_LIMIT_ANONYMOUS: "1.5" }],
    ["ZPD_RATE_LIMIT_ANONYMOUS_BURST", { ZPD_RATE_LIMIT_ANONYMOUS_BURST: "x" }],
    ["ZPD_RATE_LIMIT_BURST_SECONDS", { ZPD_RATE_LIMIT_BURST_SECONDS: "0" }],
    ["ZPD_RATE_LIMIT_COST_UNIT", { ZPD_RATE_LIMIT_COST_UNIT: "-5" }],
    ["ZPD_TRUST_PROXY", { ZPD_TRUST_PROXY: "maybe" }],
    ["ZPD_TRUST_PROXY", { ZPD_TRUST_PROXY: "10.0.0.0/33" }],
    ["ZPD_TRUST_PROXY", { ZPD_TRUST_PROXY: "loopback, 300.1.1.1" }],
    ["ZPD_APQ_CACHE_MB", { ZPD_APQ_CACHE_MB: "lots" }],
    ["ZPD_APQ_TTL_SECONDS", { ZPD_APQ_TTL_SECONDS: "-1" }],
  ])("a bad %s is refused with a message naming it", (variable, env) => {
    expect(() => loadConfig({ ZPD_JWT_SECRET: SECRET, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ZPD_JWT_SECRET: SECRET, ...env })).toThrow(new RegExp(variable));
  });

  test("query limits: defaults, and configured values", () => {
    expect(loadConfig({ ZPD_JWT_SECRET: SECRET })).toMatchObject({
      maxQueryDepth: 20,
      maxQueryAliases: 50,
      maxQueryCost: 50000,
      maxQueryBytes: 100000,
      maxQueryTokens: 2000,
    });
    const c = loadConfig({
      ZPD_JWT_SECRET: SECRET,
      ZPD_MAX_QUERY_DEPTH: "12",
      ZPD_MAX_QUERY_ALIASES: "0",
      ZPD_MAX_QUERY_COST: "5000",
      ZPD_MAX_QUERY_BYTES: "20000",
      ZPD_MAX_QUERY_TOKENS: "500",
    });
    expect(c).toMatchObject({ maxQueryDepth: 12, maxQueryAliases: 0, maxQueryCost: 5000, maxQueryBytes: 20000, maxQueryTokens: 500 });
  });

  test("cost budgets by role: defaults below ZPD_MAX_QUERY_COST, configurable, lowered with it, never above it", () => {
    expect(loadConfig({ ZPD_JWT_SECRET: SECRET }).maxQueryCostByRole).toEqual({ LEARNER: 10000, TEACHER: 20000, ANALYST: 20000 });
    expect(
      loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_MAX_QUERY_COST_LEARNER: "2000", ZPD_MAX_QUERY_COST_ANALYST: "50000" }).maxQueryCostByRole,
    ).toEqual({ LEARNER: 2000, TEACHER: 20000, ANALYST: 50000 });
    expect(loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_MAX_QUERY_COST: "15000" }).maxQueryCostByRole).toEqual({
      LEARNER: 10000,
      TEACHER: 15000,
      ANALYST: 15000,
    });
    expect(() => loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_MAX_QUERY_COST_TEACHER: "50001" })).toThrow(
      /^invalid configuration: ZPD_MAX_QUERY_COST_TEACHER: 50001 is above ZPD_MAX_QUERY_COST \(50000\)/,
    );
  });

  test("rate limits: defaults, configured values, 0 turns one off", () => {
    expect(loadConfig({ ZPD_JWT_SECRET: SECRET }).rateLimit).toEqual({
      tokenPerSecond: 500,
      tokenBurst: 1000,
      anonymousPerSecond: 20,
      anonymousBurst: 40,
      burstSeconds: 10,
      costUnit: 1000,
    });
    const c = loadConfig({
      ZPD_JWT_SECRET: SECRET,
      ZPD_RATE_LIMIT_TOKEN: "0",
      ZPD_RATE_LIMIT_TOKEN_BURST: "5",
      ZPD_RATE_LIMIT_ANONYMOUS: "3",
      ZPD_RATE_LIMIT_ANONYMOUS_BURST: "0",
      ZPD_RATE_LIMIT_BURST_SECONDS: "60",
      ZPD_RATE_LIMIT_COST_UNIT: "0",
    });
    expect(c.rateLimit).toEqual({
      tokenPerSecond: 0,
      tokenBurst: 5,
      anonymousPerSecond: 3,
      anonymousBurst: 0,
      burstSeconds: 60,
      costUnit: 0,
    });
  });

  test("trust proxy: off by default; true, a number of hops, or addresses, subnets and Express's names", () => {
    const trust = (v?: string) => loadConfig({ ZPD_JWT_SECRET: SECRET, ...(v === undefined ? {} : { ZPD_TRUST_PROXY: v }) }).trustProxy;
    expect(trust()).toBe(false);
    expect(trust("false")).toBe(false);
    expect(trust("0")).toBe(false);
    expect(trust("true")).toBe(true);
    expect(trust("2")).toBe(2);
    expect(trust("loopback, 10.0.0.0/8,fd00::/8 , 192.0.2.7")).toBe("loopback,10.0.0.0/8,fd00::/8,192.0.2.7");
  });

  test("automatic persisted queries: a 16 MB cache of a day's entries by default; 0 MB turns them off", () => {
    expect(loadConfig({ ZPD_JWT_SECRET: SECRET }).persistedQueries).toEqual({ maxBytes: 16_000_000, ttlSeconds: 86400 });
    expect(loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_APQ_CACHE_MB: "2", ZPD_APQ_TTL_SECONDS: "0" }).persistedQueries).toEqual({
      maxBytes: 2_000_000,
      ttlSeconds: 0,
    });
    expect(loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_APQ_CACHE_MB: "0" }).persistedQueries).toBeNull();
  });

  test("retention: unset keeps every attempt; a whole number of days ≥ 1; a period that would delete everything is refused, naming the variable", () => {
    expect(loadConfig({ ZPD_JWT_SECRET: SECRET }).retentionDays).toBeNull();
    expect(loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_RETENTION_DAYS: "" }).retentionDays).toBeNull();
    expect(loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_RETENTION_DAYS: "365" }).retentionDays).toBe(365);
    expect(loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_RETENTION_DAYS: "1" }).retentionDays).toBe(1);
    for (const bad of ["0", "-5", "-0", "1.5", "a year", "100001"]) {
      expect(() => loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_RETENTION_DAYS: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_RETENTION_DAYS: bad })).toThrow(/^invalid configuration: ZPD_RETENTION_DAYS: /);
    }
    expect(() => loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_RETENTION_DAYS: "0" })).toThrow(/would delete every attempt/);
  });

  test("privacy audits: threshold 0.05, 4 shadows, soft NOT_AUDITABLE passes by default, Meta's κ ladder 0, 100, 250, 1000; an odd shadow count or a threshold out of 0..0.5 is refused, naming the variable", () => {
    expect(loadConfig({ ZPD_JWT_SECRET: SECRET }).privacy).toEqual({
      advantageThreshold: 0.05,
      shadows: 4,
      requireAuditable: false,
      taskInfluenceLadder: [0, 100, 250, 1000],
    });
    const c = loadConfig({
      ZPD_JWT_SECRET: SECRET,
      ZPD_PRIVACY_MIA_THRESHOLD: "0.1",
      ZPD_PRIVACY_SHADOWS: "0",
      ZPD_PRIVACY_REQUIRE_AUDITABLE: "true",
      ZPD_PRIVACY_TASK_INFLUENCE: "250",
    });
    expect(c.privacy).toEqual({ advantageThreshold: 0.1, shadows: 0, requireAuditable: true, taskInfluenceLadder: [250] });
    for (const bad of ["100,0", "a", "1,,2", "-1"])
      expect(() => loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_PRIVACY_TASK_INFLUENCE: bad })).toThrow(
        /^invalid configuration: ZPD_PRIVACY_TASK_INFLUENCE: /,
      );
    expect(() => loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_PRIVACY_SHADOWS: "3" })).toThrow(/ZPD_PRIVACY_SHADOWS: must be even/);
    for (const bad of ["0.6", "-0.1", "a lot"])
      expect(() => loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_PRIVACY_MIA_THRESHOLD: bad })).toThrow(
        /^invalid configuration: ZPD_PRIVACY_MIA_THRESHOLD: /,
      );
  });

  test("analytics k: default 10, configurable, and k < 2 refused at start naming ZPD_ANALYTICS_K", () => {
    expect(loadConfig({ ZPD_JWT_SECRET: SECRET }).analyticsK).toBe(10);
    expect(loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_ANALYTICS_K: "2" }).analyticsK).toBe(2);
    expect(loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_ANALYTICS_K: "25" }).analyticsK).toBe(25);
    for (const bad of ["1", "0", "-3", "ten", "2.5"]) {
      expect(() => loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_ANALYTICS_K: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_ANALYTICS_K: bad })).toThrow(/ZPD_ANALYTICS_K/);
    }
    expect(() => loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_ANALYTICS_K: "1" })).toThrow(/at least 2/);
  });

  test("a real database requires a configured secret", () => {
    expect(() => loadConfig({ DATABASE_URL: "postgres://u@h/db" })).toThrow(/ZPD_JWT_SECRET/);
    expect(loadConfig({ DATABASE_URL: "postgres://u@h/db", ZPD_JWT_SECRET: SECRET }).databaseUrl).toBe("postgres://u@h/db");
  });

  test("personal-data keys: the current one, older ones (comma- or space-separated), key files in the data folder unless ZPD_KEY_DIR says otherwise", () => {
    const [k1, k2, k3] = [1, 2, 3].map((b) => Buffer.alloc(32, b));
    const c = loadConfig({
      ZPD_JWT_SECRET: SECRET,
      ZPD_PROFILE_KEY: k1!.toString("base64"),
      ZPD_PROFILE_KEYS_OLD: `${k2!.toString("base64")}, ${k3!.toString("base64")}`,
    });
    expect(c.profileKey).toEqual(k1);
    expect(c.profileKeysOld).toEqual([k2, k3]);
    expect(c.keyDir).toBe(c.dataDir);
    expect(loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_DATA_DIR: "/srv/zpd", ZPD_KEY_DIR: "/etc/zpd/keys" }).keyDir).toBe("/etc/zpd/keys");
  });

  test("GraphiQL is served in development, not in production, unless ZPD_GRAPHIQL says otherwise", () => {
    const env = { ZPD_JWT_SECRET: SECRET };
    expect(loadConfig(env).graphiql).toBe(true);
    expect(loadConfig({ ...env, NODE_ENV: "test" }).graphiql).toBe(true);
    expect(loadConfig({ ...env, NODE_ENV: "production" }).graphiql).toBe(false);
    expect(loadConfig({ ...env, NODE_ENV: "production", ZPD_GRAPHIQL: "true" }).graphiql).toBe(true);
    expect(loadConfig({ ...env, ZPD_GRAPHIQL: "off" }).graphiql).toBe(false);
  });
});
