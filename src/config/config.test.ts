import { randomBytes } from "node:crypto";
import { ConfigError, loadConfig } from "./config.js";

/** A secret as `openssl rand -base64 48` makes one. */
const SECRET = "dDvwbBXwzjzd+OII0EGUCob+1t7vMWIEoP+S0sAiZr1303uDDOL9SS27250BFHGe";
/** A personal-data key as `openssl rand -base64 32` makes one. */
const KEY = "a8SVQQxf0FiyIHNKaz2ro5iRm3Si6XD2vUpSGlJttqs=";

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
    ["ZPD_PROFILE_KEYS_OLD", { ZPD_PROFILE_KEY: KEY, ZPD_PROFILE_KEYS_OLD: "dG9vIHNob3J0" }],
    ["ZPD_PROFILE_KEYS_OLD", { ZPD_PROFILE_KEYS_OLD: Buffer.alloc(32, 1).toString("base64") }],
    ["ZPD_GRAPHIQL", { ZPD_GRAPHIQL: "sometimes" }],
    ["ZPD_MAX_QUERY_DEPTH", { ZPD_MAX_QUERY_DEPTH: "0" }],
    ["ZPD_MAX_QUERY_ALIASES", { ZPD_MAX_QUERY_ALIASES: "-1" }],
    ["ZPD_MAX_QUERY_COST", { ZPD_MAX_QUERY_COST: "lots" }],
    ["ZPD_MAX_QUERY_BYTES", { ZPD_MAX_QUERY_BYTES: "3000000" }],
    ["ZPD_MAX_QUERY_TOKENS", { ZPD_MAX_QUERY_TOKENS: "0" }],
    ["ZPD_MAX_TOKEN_LIFETIME", { ZPD_MAX_TOKEN_LIFETIME: "forever" }],
    ["ZPD_MAX_TOKEN_LIFETIME", { ZPD_MAX_TOKEN_LIFETIME: "90" }],
    ["ZPD_MAX_TOKEN_LIFETIME", { ZPD_MAX_TOKEN_LIFETIME: "30m" }],
    ["ZPD_MAX_TOKEN_LIFETIME", { ZPD_MAX_TOKEN_LIFETIME: "3651d" }],
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
    ["ZPD_JOB_HEARTBEAT_SECONDS", { ZPD_JOB_HEARTBEAT_SECONDS: "5" }],
    ["ZPD_JOB_HEARTBEAT_SECONDS", { ZPD_JOB_HEARTBEAT_SECONDS: "10s" }],
    ["ZPD_JOB_SUPERVISE_SECONDS", { ZPD_JOB_SUPERVISE_SECONDS: "0" }],
    ["ZPD_JOB_SUPERVISE_SECONDS", { ZPD_JOB_SUPERVISE_SECONDS: "3601" }],
    ["ZPD_JOB_RETRY_DELAY_SECONDS", { ZPD_JOB_RETRY_DELAY_SECONDS: "0" }],
    ["ZPD_JOB_RETRY_DELAY_SECONDS", { ZPD_JOB_RETRY_DELAY_SECONDS: "soon" }],
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

  test("job timing: a 60 s heartbeat, supervision every 5 s, a first retry after 5 s by default; each configurable, the heartbeat down to pg-boss's least (10 s)", () => {
    expect(loadConfig({ ZPD_JWT_SECRET: SECRET }).jobTiming).toEqual({
      heartbeatSeconds: 60,
      superviseIntervalSeconds: 5,
      retryDelaySeconds: 5,
    });
    const env = { ZPD_JOB_HEARTBEAT_SECONDS: "30", ZPD_JOB_SUPERVISE_SECONDS: "1", ZPD_JOB_RETRY_DELAY_SECONDS: "60" };
    expect(loadConfig({ ZPD_JWT_SECRET: SECRET, ...env }).jobTiming).toEqual({
      heartbeatSeconds: 30,
      superviseIntervalSeconds: 1,
      retryDelaySeconds: 60,
    });
    expect(() => loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_JOB_HEARTBEAT_SECONDS: "9" })).toThrow(
      /^invalid configuration: ZPD_JOB_HEARTBEAT_SECONDS: expected 10\.\.3600, got 9/,
    );
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

  test("exploration ε: 0 (off) by default, configurable up to 0.5; outside 0..0.5 refused at start naming ZPD_EXPLORATION_EPSILON", () => {
    expect(loadConfig({ ZPD_JWT_SECRET: SECRET }).explorationEpsilon).toBe(0);
    expect(loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_EXPLORATION_EPSILON: "0.2" }).explorationEpsilon).toBe(0.2);
    for (const bad of ["0.6", "-0.1", "1", "some"])
      expect(() => loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_EXPLORATION_EPSILON: bad })).toThrow(
        /^invalid configuration: ZPD_EXPLORATION_EPSILON: /,
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

  test("a real database requires both secrets configured, unless the command does not use one", () => {
    const url = "postgres://u@h/db";
    expect(() => loadConfig({ DATABASE_URL: url })).toThrow(/ZPD_JWT_SECRET: is required when DATABASE_URL is set/);
    expect(() => loadConfig({ DATABASE_URL: url, ZPD_JWT_SECRET: SECRET })).toThrow(
      /ZPD_PROFILE_KEY: is required when DATABASE_URL is set/,
    );
    expect(() => loadConfig({ DATABASE_URL: url, ZPD_JWT_SECRET: SECRET })).toThrow(/openssl rand -base64 32/);
    expect(loadConfig({ DATABASE_URL: url, ZPD_JWT_SECRET: SECRET, ZPD_PROFILE_KEY: KEY }).databaseUrl).toBe(url);
    // `npm run token` signs tokens but reads no personal data; the worker the reverse; `npm run migrate` neither.
    expect(loadConfig({ DATABASE_URL: url, ZPD_JWT_SECRET: SECRET }, { uses: { profileKey: false } }).profileKey).toBeUndefined();
    expect(loadConfig({ DATABASE_URL: url, ZPD_PROFILE_KEY: KEY }, { uses: { jwtSecret: false } }).jwtSecret).toBe("");
    expect(() => loadConfig({ DATABASE_URL: url, ZPD_PROFILE_KEY: KEY }, { uses: { profileKey: false } })).toThrow(/ZPD_JWT_SECRET/);
    expect(loadConfig({ DATABASE_URL: url }, { uses: { jwtSecret: false, profileKey: false } }).databaseUrl).toBe(url);
  });

  test("weak JWT secrets are refused, naming the variable and how to generate one; generated ones pass", () => {
    const weak = [
      "short",
      "s".repeat(32),
      "a".repeat(64),
      "0123456789abcdef0123456789abcdef",
      "abcdefghijklmnopqrstuvwxyzABCDEF",
      "9876543210".repeat(4),
      "secret-secret-secret-secret-secret",
      "test-secret-test-secret-test-secret-0123",
    ];
    for (const secret of weak) {
      expect(() => loadConfig({ ZPD_JWT_SECRET: secret })).toThrow(ConfigError);
      expect(() => loadConfig({ ZPD_JWT_SECRET: secret })).toThrow(/^invalid configuration: ZPD_JWT_SECRET: .*openssl rand -base64 48/);
    }
    expect(() => loadConfig({ ZPD_JWT_SECRET: "s".repeat(40) })).toThrow(/too weak/);
    expect(() => loadConfig({ ZPD_JWT_SECRET: "short" })).toThrow(/at least 32 bytes/);
    for (const secret of [
      SECRET,
      randomBytes(48).toString("base64"),
      randomBytes(32).toString("hex"),
      randomBytes(32).toString("base64url"),
    ])
      expect(loadConfig({ ZPD_JWT_SECRET: secret }).jwtSecret).toBe(secret);
  });

  test("a weak personal-data key is refused; older keys are not judged (a rotation away from a weak key must read it)", () => {
    for (const key of [Buffer.alloc(32, 7), Buffer.from(Array.from({ length: 32 }, (_, i) => i)), Buffer.alloc(32)]) {
      expect(() => loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_PROFILE_KEY: key.toString("base64") })).toThrow(
        /^invalid configuration: ZPD_PROFILE_KEY: is too weak.*openssl rand -base64 32/,
      );
    }
    const weakOld = Buffer.alloc(32, 7);
    expect(
      loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_PROFILE_KEY: KEY, ZPD_PROFILE_KEYS_OLD: weakOld.toString("base64") }).profileKeysOld,
    ).toEqual([weakOld]);
  });

  test("production: both secrets configured (never generated), no demo, GraphiQL off; the embedded database is allowed", () => {
    const prod = { NODE_ENV: "production" };
    expect(() => loadConfig(prod)).toThrow(/ZPD_JWT_SECRET: is required in production \(NODE_ENV=production\)/);
    // The embedded database's generated secret does not stand in.
    expect(() => loadConfig({ ...prod, ZPD_PROFILE_KEY: KEY }, { jwtSecret: SECRET })).toThrow(/ZPD_JWT_SECRET: is required in production/);
    expect(() => loadConfig({ ...prod, ZPD_JWT_SECRET: SECRET })).toThrow(/ZPD_PROFILE_KEY: is required in production/);
    const c = loadConfig({ ...prod, ZPD_JWT_SECRET: SECRET, ZPD_PROFILE_KEY: KEY });
    expect(c).toMatchObject({ databaseUrl: undefined, seedDemo: false, graphiql: false, jwtSecret: SECRET, jwtSecretGenerated: false });
    expect(() => loadConfig({ ...prod, ZPD_JWT_SECRET: SECRET, ZPD_PROFILE_KEY: KEY, ZPD_SEED_DEMO: "true" })).toThrow(
      /ZPD_SEED_DEMO: the demo school is never seeded in production/,
    );
    expect(loadConfig({ ...prod, ZPD_JWT_SECRET: SECRET, ZPD_PROFILE_KEY: KEY, ZPD_SEED_DEMO: "false" }).seedDemo).toBe(false);
    // A command that uses neither secret (npm run migrate) runs without them.
    expect(loadConfig(prod, { uses: { jwtSecret: false, profileKey: false } }).nodeEnv).toBe("production");
    // Development keeps the quickstart: generated secrets, the demo.
    expect(loadConfig({}, { jwtSecret: SECRET })).toMatchObject({ seedDemo: true, jwtSecretGenerated: true, jwtSecret: SECRET });
  });

  test("the maximum token lifetime: 90 days by default, a duration from 1h to 3650d", () => {
    expect(loadConfig({ ZPD_JWT_SECRET: SECRET }).maxTokenLifetimeSeconds).toBe(90 * 86_400);
    expect(loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_MAX_TOKEN_LIFETIME: "12h" }).maxTokenLifetimeSeconds).toBe(43_200);
    expect(loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_MAX_TOKEN_LIFETIME: "2w" }).maxTokenLifetimeSeconds).toBe(14 * 86_400);
    expect(() => loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_MAX_TOKEN_LIFETIME: "30m" })).toThrow(/expected 1h\.\.3650d, got 30m/);
  });

  test("clock skew of attempt times: 300 s by default, 0 to a day, anything else refused naming ZPD_MAX_CLOCK_SKEW_SECONDS", () => {
    expect(loadConfig({ ZPD_JWT_SECRET: SECRET }).maxClockSkewSeconds).toBe(300);
    expect(loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_MAX_CLOCK_SKEW_SECONDS: "0" }).maxClockSkewSeconds).toBe(0);
    expect(loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_MAX_CLOCK_SKEW_SECONDS: "86400" }).maxClockSkewSeconds).toBe(86_400);
    for (const bad of ["86401", "-1", "5m", "1.5"])
      expect(() => loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_MAX_CLOCK_SKEW_SECONDS: bad })).toThrow(
        /^invalid configuration: ZPD_MAX_CLOCK_SKEW_SECONDS: /,
      );
  });

  test("xAPI attempt verbs: ADL's five by default, a configured list instead, a bad one refused naming ZPD_XAPI_ATTEMPT_VERBS", () => {
    expect([...loadConfig({ ZPD_JWT_SECRET: SECRET }).xapiAttemptVerbs.attempt]).toHaveLength(5);
    const verbs = loadConfig({
      ZPD_JWT_SECRET: SECRET,
      ZPD_XAPI_ATTEMPT_VERBS: "https://example.org/verbs/mastered=success",
    }).xapiAttemptVerbs;
    expect([...verbs.attempt]).toEqual(["https://example.org/verbs/mastered"]);
    expect([...verbs.success]).toEqual(["https://example.org/verbs/mastered"]);
    expect(() => loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_XAPI_ATTEMPT_VERBS: "mastered" })).toThrow(
      /^invalid configuration: ZPD_XAPI_ATTEMPT_VERBS: "mastered" is not a verb IRI/,
    );
  });

  test("personal-data keys: the current one, older ones (comma- or space-separated), key files in the data folder unless ZPD_KEY_DIR says otherwise", () => {
    const [k2, k3] = [randomBytes(32), randomBytes(32)];
    const k1 = Buffer.from(KEY, "base64");
    const c = loadConfig({
      ZPD_JWT_SECRET: SECRET,
      ZPD_PROFILE_KEY: KEY,
      ZPD_PROFILE_KEYS_OLD: `${k2!.toString("base64")}, ${k3!.toString("base64")}`,
    });
    expect(c.profileKey).toEqual(k1);
    expect(c.profileKeysOld).toEqual([k2, k3]);
    expect(c.keyDir).toBe(c.dataDir);
    expect(loadConfig({ ZPD_JWT_SECRET: SECRET, ZPD_DATA_DIR: "/srv/zpd", ZPD_KEY_DIR: "/etc/zpd/keys" }).keyDir).toBe("/etc/zpd/keys");
  });

  test("GraphiQL is served in development, not in production, unless ZPD_GRAPHIQL says otherwise", () => {
    const env = { ZPD_JWT_SECRET: SECRET, ZPD_PROFILE_KEY: KEY };
    expect(loadConfig(env).graphiql).toBe(true);
    expect(loadConfig({ ...env, NODE_ENV: "test" }).graphiql).toBe(true);
    expect(loadConfig({ ...env, NODE_ENV: "production" }).graphiql).toBe(false);
    expect(loadConfig({ ...env, NODE_ENV: "production", ZPD_GRAPHIQL: "true" }).graphiql).toBe(true);
    expect(loadConfig({ ...env, ZPD_GRAPHIQL: "off" }).graphiql).toBe(false);
  });

  test("timeouts: connect 5 s, statement 15 s, request 30 s by default; 0 turns one off; anything else not a whole number of ms is refused naming it", () => {
    expect(loadConfig({ ZPD_JWT_SECRET: SECRET })).toMatchObject({
      dbConnectTimeoutMs: 5000,
      dbStatementTimeoutMs: 15000,
      requestTimeoutMs: 30000,
    });
    const c = loadConfig({
      ZPD_JWT_SECRET: SECRET,
      ZPD_DB_CONNECT_TIMEOUT_MS: "0",
      ZPD_DB_STATEMENT_TIMEOUT_MS: "250",
      ZPD_REQUEST_TIMEOUT_MS: "1000",
    });
    expect(c).toMatchObject({ dbConnectTimeoutMs: 0, dbStatementTimeoutMs: 250, requestTimeoutMs: 1000 });
    for (const name of ["ZPD_DB_CONNECT_TIMEOUT_MS", "ZPD_DB_STATEMENT_TIMEOUT_MS", "ZPD_REQUEST_TIMEOUT_MS"])
      for (const bad of ["-1", "1.5", "30s", "999999999"])
        expect(() => loadConfig({ ZPD_JWT_SECRET: SECRET, [name]: bad })).toThrow(new RegExp(`^invalid configuration: ${name}: `));
  });
});
