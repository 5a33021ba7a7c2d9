/**
 * Configuration from the environment, validated once at start. A bad value stops the process with
 * a message naming the variable; nothing reads `process.env` anywhere else.
 */
import { isIP } from "node:net";
import path from "node:path";
import { formatDuration, parseDuration } from "../shared/duration.js";
import { weakKey, weakPassphrase } from "./secret-strength.js";
import { DEFAULT_MAX_CLOCK_SKEW_SECONDS, MAX_CLOCK_SKEW_SETTING } from "../services/common/input-bounds.js";
import { type AttemptVerbs, DEFAULT_ATTEMPT_VERBS, parseAttemptVerbs } from "../services/xapi/statement-attempt.js";
import { DEFAULT_JOB_TIMING, type JobTiming, MIN_HEARTBEAT_SECONDS } from "../services/jobs/queues.js";

export interface Config {
  /** Where the HTTP server listens. */
  readonly port: number;
  readonly host: string;
  /** A real PostgreSQL server; when absent the embedded PGlite database in `dataDir` is used. */
  readonly databaseUrl?: string;
  /** Folder of the embedded database (and its lock and generated keys). */
  readonly dataDir: string;
  /**
   * Embedded: PGlite runs on a worker thread of its own (default no: with the hot paths at two SQL
   * statements a request, the thread hop costs more than it frees: recordAttempt's p99 at 200 requests/s
   * was 8.2–8.5 ms on the main thread, 22.8–34.0 ms on a worker thread; docs/architecture.md).
   */
  readonly pgliteThread: boolean;
  /**
   * HS256 secret for bearer tokens (≥ 32 bytes, not weak: secret-strength.ts). Empty in a process that
   * neither signs nor verifies tokens (`uses.jwtSecret: false`) when none is configured.
   */
  readonly jwtSecret: string;
  /** Whether the secret was generated for the embedded demo rather than configured. */
  readonly jwtSecretGenerated: boolean;
  /**
   * The longest a token may live, in seconds (ZPD_MAX_TOKEN_LIFETIME, default 90 days): a token whose
   * `exp` lies further from its `iat` (or from now) is refused, and `npm run token` signs none longer.
   */
  readonly maxTokenLifetimeSeconds: number;
  /** 32-byte AES-256-GCM key for personal data, base64; generated into `keyDir` when embedded. */
  readonly profileKey?: Buffer;
  /** Older personal-data keys, which only decrypt (during a rotation); with `profileKey` only. */
  readonly profileKeysOld: readonly Buffer[];
  /** Where the embedded database's generated keys live (default: `dataDir`; docs/operations.md, "Personal data at rest"). */
  readonly keyDir: string;
  /** Seed demo data into an empty embedded database (never in production). */
  readonly seedDemo: boolean;
  readonly logLevel: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** Largest page a connection returns. */
  readonly maxPageSize: number;
  /**
   * How far ahead of the server's clock a client may date an attempt (seconds, default 300): a later
   * occurredAt is BAD_USER_INPUT, as one before 2000-01-01 (services/common/input-bounds.ts).
   */
  readonly maxClockSkewSeconds: number;
  /** The xAPI verbs whose statements become attempts (ZPD_XAPI_ATTEMPT_VERBS; default ADL's five; docs/xapi.md). */
  readonly xapiAttemptVerbs: AttemptVerbs;
  /**
   * Per-operation limits, checked before execution (api/common/query-limits.ts). The defaults leave a
   * clear margin above what legitimate clients send: measured, the heaviest operation in
   * docs/api-guide.md and docs/model-lifecycle.md and GraphiQL's introspection query (see the figures
   * at QUERY_LIMIT_DEFAULTS).
   */
  readonly maxQueryDepth: number;
  readonly maxQueryAliases: number;
  readonly maxQueryCost: number;
  readonly maxQueryBytes: number;
  readonly maxQueryTokens: number;
  /**
   * The cost budgets of the roles below ADMIN and SERVICE (ZPD_MAX_QUERY_COST_<ROLE>, each at most
   * maxQueryCost, which stays the budget of ADMIN, SERVICE and the platform admin). A caller without a
   * valid token has the LEARNER's. See QUERY_COST_BY_ROLE_DEFAULTS.
   */
  readonly maxQueryCostByRole: { readonly LEARNER: number; readonly TEACHER: number; readonly ANALYST: number };
  /** Request rates per token and per client address (api/common/rate-limit.ts); see RATE_LIMIT_DEFAULTS. */
  readonly rateLimit: {
    /** Requests a second one token may send, sustained (ZPD_RATE_LIMIT_TOKEN); 0: tokens are not limited. */
    readonly tokenPerSecond: number;
    /** Requests above that rate a token may send in a burst window (ZPD_RATE_LIMIT_TOKEN_BURST). */
    readonly tokenBurst: number;
    /** The same per client address, for requests without a valid token (ZPD_RATE_LIMIT_ANONYMOUS[_BURST]). */
    readonly anonymousPerSecond: number;
    readonly anonymousBurst: number;
    /** The burst window in seconds (ZPD_RATE_LIMIT_BURST_SECONDS). */
    readonly burstSeconds: number;
    /** An operation of cost c counts as 1 + floor(c / costUnit) requests (ZPD_RATE_LIMIT_COST_UNIT); 0: as one. */
    readonly costUnit: number;
  };
  /**
   * Express's `trust proxy` (ZPD_TRUST_PROXY): which hops' X-Forwarded-For to believe for the client's
   * address (the per-address rate limit). false (default): the TCP peer is the client; a number: that
   * many proxies in front; else a list of proxy addresses, subnets or Express's names (loopback, …).
   */
  readonly trustProxy: boolean | number | string;
  /** Automatic persisted queries' cache (ZPD_APQ_CACHE_MB, ZPD_APQ_TTL_SECONDS); null: APQ off. */
  readonly persistedQueries: { readonly maxBytes: number; readonly ttlSeconds: number } | null;
  /**
   * NODE_ENV; "production" (docs/operations.md, "Production mode"): every secret configured, none
   * generated; no demo school seeded and no token printed; introspection needs a token; GraphiQL off.
   */
  readonly nodeEnv: string;
  /**
   * Timeouts of the API server's database pool on PostgreSQL (docs/operations.md, "Outages and
   * timeouts"): waiting for a connection, free or new (ZPD_DB_CONNECT_TIMEOUT_MS, default 5000), and one
   * statement (ZPD_DB_STATEMENT_TIMEOUT_MS, default 15000). 0 turns one off. Batch processes (the worker,
   * `npm run job`, imports, erasure) and migrations are not bound by the statement timeout.
   */
  readonly dbConnectTimeoutMs: number;
  readonly dbStatementTimeoutMs: number;
  /** A GraphQL request is abandoned with REQUEST_TIMEOUT after this long (ZPD_REQUEST_TIMEOUT_MS, default 30000; 0: never). */
  readonly requestTimeoutMs: number;
  /**
   * How long attempts of the deferred path (ingestAttempts) wait before the server's applier takes them
   * (ZPD_APPLY_DELAY_MS, default 1000): the attempts of a learner arriving meanwhile are applied together.
   */
  readonly applyDelayMs: number;
  /**
   * Serve the browser pages for developers: GraphiQL at GET /graphql (from node_modules, no CDN), the
   * README and the SDL. Default: on unless NODE_ENV=production.
   */
  readonly graphiql: boolean;
  /** Run the job worker inside the server process (default: yes when embedded, no with DATABASE_URL). */
  readonly worker: boolean;
  /** The retraining schedule, a cron expression read in each school's time zone; null = off. */
  readonly retrainCron: string | null;
  /** The weekly fairness audit of every active model, a cron expression in UTC; null = off. */
  readonly auditCron: string | null;
  /**
   * Attempts older than this many days are deleted by the daily `retention` job, after being folded into
   * `attempt_daily_rollup`; null (unset) keeps every attempt. At least 1: a period that would delete
   * everything is refused at start.
   */
  readonly retentionDays: number | null;
  /**
   * How soon a job whose worker died runs again (services/jobs/queues.ts): its heartbeat lapses after
   * ZPD_JOB_HEARTBEAT_SECONDS (default 60, at least 10: pg-boss's least), supervision looks every
   * ZPD_JOB_SUPERVISE_SECONDS (default 5), and the first retry waits ZPD_JOB_RETRY_DELAY_SECONDS (default
   * 5, then doubling). Every process that sends or runs jobs reads them: they are the queues' options.
   */
  readonly jobTiming: JobTiming;
  /** Access-log rows older than this many days are deleted by the daily `retention` job (ZPD_ACCESS_LOG_RETENTION_DAYS, default 365). */
  readonly accessLogRetentionDays: number;
  /**
   * The access log's window (ZPD_ACCESS_LOG_FLUSH_MS, default 5000): a caller's accesses to one learner
   * through one root field of one kind within it are one row (first and last time, count); a crash loses
   * at most the window's accesses.
   */
  readonly accessLogFlushMs: number;
  /**
   * ε of the ZPD strategy's exploration (ZPD_EXPLORATION_EPSILON, default 0: off; at most 0.5): with this
   * probability a ZPD answer's first unpinned task is drawn uniformly among its candidates, so that the
   * recommendation log supports off-policy evaluation of other strategies (docs/privacy.md).
   */
  readonly explorationEpsilon: number;
  /** The bearer token GET /metrics requires (ZPD_METRICS_TOKEN, ≥ 16 characters); unset: /metrics is open (docs/operations.md). */
  readonly metricsToken: string | null;
  /** Fairness audits (docs/fairness.md): minimum group size, permutation rounds, and whether NOT_AUDITABLE refuses a promotion. */
  readonly fairness: { readonly minGroupSize: number; readonly rounds: number; readonly requireAuditable: boolean };
  /**
   * The `analytics` views' small-cell threshold k (docs/analytics.md): a figure over fewer than k learners
   * is withheld. Written into analytics_private.settings at each start; at least 2 (k = 1 releases single learners).
   */
  readonly analyticsK: number;
  /**
   * Privacy audits (docs/privacy.md): the membership attack's AUC distance from chance that fails a model
   * (ZPD_PRIVACY_MIA_THRESHOLD, default 0.05), its shadow models (ZPD_PRIVACY_SHADOWS, even, default 4),
   * and whether too few learners to attack refuses a promotion (ZPD_PRIVACY_REQUIRE_AUDITABLE).
   */
  readonly privacy: {
    readonly advantageThreshold: number;
    readonly shadows: number;
    readonly requireAuditable: boolean;
    /** The κ values Meta's training tries in turn (ZPD_PRIVACY_TASK_INFLUENCE, default 0,100,250,1000). */
    readonly taskInfluenceLadder: readonly number[];
  };
}

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`invalid configuration: ${variable}: ${message}`);
    this.name = "ConfigError";
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected an integer, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `expected ${min}..${max}, got ${n}`);
  return n;
}

function attemptVerbs(env: Env): AttemptVerbs {
  const raw = env.ZPD_XAPI_ATTEMPT_VERBS;
  if (raw === undefined || raw.trim() === "") return DEFAULT_ATTEMPT_VERBS;
  try {
    return parseAttemptVerbs(raw);
  } catch (e) {
    throw new ConfigError("ZPD_XAPI_ATTEMPT_VERBS", (e as Error).message);
  }
}

function decimal(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+(\.\d+)?$/.test(raw)) throw new ConfigError(name, `expected a number such as ${fallback}, got "${raw}"`);
  const n = Number(raw);
  if (n < min || n > max) throw new ConfigError(name, `expected ${min}..${max}, got ${n}`);
  return n;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(name, `expected true or false, got "${raw}"`);
}

/**
 * A schedule: five or six cron fields, or "off" (ZPD_RETRAIN_CRON, default "0 2 * * *" in each school's
 * time zone; ZPD_AUDIT_CRON, default "0 3 * * 1", Mondays 03:00 UTC). The worker checks it fully at start.
 */
function cronSetting(env: Env, name: string, fallback: string, readIn: string): string | null {
  const raw = (env[name] ?? "").trim();
  if (raw === "") return fallback;
  if (/^off$/i.test(raw)) return null;
  const fields = raw.split(/\s+/);
  if (fields.length < 5 || fields.length > 6 || !fields.every((f) => /^[0-9A-Za-z*/,?#LW-]+$/.test(f))) {
    throw new ConfigError(name, `expected a cron expression such as "${fallback}" (read in ${readIn}), or off; got "${raw}"`);
  }
  return fields.join(" ");
}

/** ZPD_RETENTION_DAYS: unset or empty keeps every attempt; else a whole number of days, at least 1. */
function retentionDays(env: Env): number | null {
  const name = "ZPD_RETENTION_DAYS";
  const raw = (env[name] ?? "").trim();
  if (raw === "") return null;
  if (!/^[+-]?\d+$/.test(raw))
    throw new ConfigError(name, `expected a whole number of days (at least 1), or unset to keep every attempt; got "${raw}"`);
  const n = Number(raw);
  if (n < 1)
    throw new ConfigError(
      name,
      `${n} days would delete every attempt as it is recorded; set at least 1, or unset it to keep every attempt`,
    );
  if (n > 100_000) throw new ConfigError(name, `expected 1..100000 days, got ${n} (unset it to keep every attempt)`);
  return n;
}

/** ZPD_METRICS_TOKEN: unset or empty leaves /metrics open; else at least 16 characters, no whitespace. */
function metricsToken(env: Env): string | null {
  const raw = env.ZPD_METRICS_TOKEN ?? "";
  if (raw === "") return null;
  if (raw.length < 16 || /\s/.test(raw))
    throw new ConfigError("ZPD_METRICS_TOKEN", "must be at least 16 characters without spaces (openssl rand -hex 24), or unset");
  return raw;
}

/** ZPD_PRIVACY_TASK_INFLUENCE: whole numbers of learners, ascending, comma-separated (one: a fixed κ). */
function ladder(env: Env): readonly number[] {
  const name = "ZPD_PRIVACY_TASK_INFLUENCE";
  const raw = (env[name] ?? "").trim();
  if (raw === "") return [0, 100, 250, 1000];
  const values = raw.split(",").map((x) => x.trim());
  if (!values.every((v) => /^\d+$/.test(v)) || values.length > 8)
    throw new ConfigError(name, `expected up to 8 whole numbers of learners, comma-separated, such as "0,100,250,1000"; got "${raw}"`);
  const ns = values.map(Number);
  if (ns.some((n, i) => i > 0 && n <= ns[i - 1]!)) throw new ConfigError(name, `the values must increase, got "${raw}"`);
  return ns;
}

/** ZPD_PRIVACY_SHADOWS: an even number of shadow models, 0..64 (0: the loss-threshold attack only). */
function shadows(env: Env): number {
  const n = int(env, "ZPD_PRIVACY_SHADOWS", 4, 0, 64);
  if (n % 2 !== 0)
    throw new ConfigError("ZPD_PRIVACY_SHADOWS", `must be even (shadow models are trained in complementary pairs), got ${n}`);
  return n;
}

/** ZPD_ANALYTICS_K: an integer ≥ 2, default 10. */
function analyticsK(env: Env): number {
  const raw = env.ZPD_ANALYTICS_K;
  if (raw !== undefined && /^\d+$/.test(raw) && Number(raw) < 2)
    throw new ConfigError(
      "ZPD_ANALYTICS_K",
      `must be at least 2 (got ${raw}): with k = ${raw} the analytics views would release figures of single learners`,
    );
  return int(env, "ZPD_ANALYTICS_K", 10, 2, 1_000_000);
}

/**
 * Defaults of the per-operation limits, with their margin over what legitimate clients send, measured with
 * operationShape and operationCost (api/common/query-limits.ts) at ZPD_MAX_PAGE_SIZE=100:
 * - GraphiQL's introspection query (graphql 16's, every option on): 2,075 bytes, 184 tokens, depth 15,
 *   cost 8,638;
 * - the heaviest example in README.md, docs/api-guide.md and docs/model-lifecycle.md: 368 bytes
 *   (Recommend), 66 tokens, depth 6 (Recommend), no alias, cost 317 (Curriculum); bench/api's operations:
 *   63 tokens, depth 5, cost 90 at most; a full recordAttempts batch (500) with the load benchmark's answer
 *   per attempt: cost 17,501;
 * - the issue's attacks: the 6,000-alias bomb 353 kB, 6,000 aliases, cost 6,000 × 401; 60 nested levels;
 *   1,000 aliased learner pages are 45 kB but 17,000 tokens (their validation alone took 70–130 ms).
 * The cost's default is ~2.9× the full batch and ~5.8× introspection: a batch answering a few more fields
 * per attempt still fits, while two nested learner pages of 100 (cost ~200,000) do not.
 * query-limits.test.ts checks that every documented operation and the introspection query stay within.
 */
export const QUERY_LIMIT_DEFAULTS = { depth: 20, aliases: 50, cost: 50_000, bytes: 100_000, tokens: 2_000 } as const;

/**
 * The cost budgets of the roles below ADMIN and SERVICE (which keep ZPD_MAX_QUERY_COST, 50,000: a full
 * recordAttempts batch is 17,501). A learner's app reads one learner: its heaviest documented operation
 * costs 317, a curriculum page with two levels of prerequisites (`skills(first: 100) { nodes { id
 * prerequisites { id dependents { id } } } }`) 3,701, and GraphiQL's introspection query 8,638 — which the
 * LEARNER budget, also that of callers without a valid token (GraphiQL's schema query in development),
 * must hold. Teachers and analysts read pages of learners or figures: twice that. Each default is lowered
 * to ZPD_MAX_QUERY_COST when that is set lower.
 */
export const QUERY_COST_BY_ROLE_DEFAULTS = { LEARNER: 10_000, TEACHER: 20_000, ANALYST: 20_000 } as const;

/**
 * Defaults of the rate limits. One token: 500 requests a second sustained, 1,000 more per 10-second
 * window in bursts — about what a 2-core server answers in all (bench:api: 2–4 ms of CPU a request), so
 * one integration token (bench:api's single admin token at 200 requests/s, its sequential phases at
 * ~300/s and its warm-up's eight concurrent streams) is never refused, while one runaway client cannot
 * take a larger server. Callers without a valid token: 20 a second and 40 more per window, per address:
 * they can run nothing but `__typename` and (in development) introspection, so this only bounds floods
 * of bad tokens. An operation counts 1 + floor(cost / 1,000): every documented operation and bench
 * operation counts 1, a 500-attempt batch 18, a 50,000-cost read 51.
 */
export const RATE_LIMIT_DEFAULTS = {
  tokenPerSecond: 500,
  tokenBurst: 1_000,
  anonymousPerSecond: 20,
  anonymousBurst: 40,
  burstSeconds: 10,
  costUnit: 1_000,
} as const;

/** Defaults of the automatic persisted queries' cache: 16 MB (least recently used out first), entries kept a day. */
export const APQ_DEFAULTS = { cacheMb: 16, ttlSeconds: 86_400 } as const;

/** A 32-byte key in base64 (ZPD_PROFILE_KEY, each of ZPD_PROFILE_KEYS_OLD). */
function key32(name: string, base64: string): Buffer {
  const key = Buffer.from(base64, "base64");
  if (key.length !== 32 || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64))
    throw new ConfigError(name, "each key must be 32 bytes, base64-encoded (openssl rand -base64 32)");
  return key;
}

/** ZPD_MAX_QUERY_COST_<ROLE>: its default lowered to the ceiling; above the ceiling is refused. */
function roleCost(env: Env, role: keyof typeof QUERY_COST_BY_ROLE_DEFAULTS, ceiling: number): number {
  const name = `ZPD_MAX_QUERY_COST_${role}`;
  const n = int(env, name, Math.min(QUERY_COST_BY_ROLE_DEFAULTS[role], ceiling), 1, 1_000_000_000);
  if (n > ceiling)
    throw new ConfigError(name, `${n} is above ZPD_MAX_QUERY_COST (${ceiling}), the budget of ADMIN and SERVICE tokens and the highest`);
  return n;
}

/**
 * ZPD_TRUST_PROXY: false (default) or true, a number of proxy hops, or comma-separated proxy addresses,
 * subnets (CIDR) and Express's names loopback, linklocal, uniquelocal. Checked here: Express would only
 * throw when the first request reads the client's address.
 */
function trustProxy(env: Env): boolean | number | string {
  const name = "ZPD_TRUST_PROXY";
  const raw = (env[name] ?? "").trim();
  if (raw === "" || /^(0|false|no|off)$/i.test(raw)) return false;
  if (/^(true|yes|on)$/i.test(raw)) return true;
  if (/^\d+$/.test(raw)) return int(env, name, 0, 0, 100);
  const entries = raw.split(",").map((e) => e.trim());
  for (const e of entries) {
    const [address, bits, ...rest] = e.split("/");
    const kind = isIP(address ?? "");
    const named = ["loopback", "linklocal", "uniquelocal"].includes(e);
    const prefixOk = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (kind === 4 ? 32 : 128));
    if (!named && (kind === 0 || !prefixOk || rest.length))
      throw new ConfigError(
        name,
        `expected false, true, a number of proxies, or proxy addresses and subnets such as "10.0.0.0/8, loopback"; got "${raw}"`,
      );
  }
  return entries.join(",");
}

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const GENERATE_JWT_SECRET = "generate one with: openssl rand -base64 48";
const GENERATE_PROFILE_KEY = "generate one with: openssl rand -base64 32";

/** ZPD_MAX_TOKEN_LIFETIME's default: 90 days. */
export const DEFAULT_MAX_TOKEN_LIFETIME_SECONDS = 90 * 86_400;

/** ZPD_MAX_TOKEN_LIFETIME: a duration such as 90d or 12h, from 1 hour (the commands' own tokens to a server last 1 h) to 10 years. */
function maxTokenLifetime(env: Env): number {
  const name = "ZPD_MAX_TOKEN_LIFETIME";
  const raw = (env[name] ?? "").trim();
  if (raw === "") return DEFAULT_MAX_TOKEN_LIFETIME_SECONDS;
  const seconds = parseDuration(raw);
  if (seconds === null) throw new ConfigError(name, `expected a duration such as 90d, 12h or 2w; got "${raw}"`);
  if (seconds < 3600 || seconds > 3650 * 86_400) throw new ConfigError(name, `expected 1h..3650d, got ${formatDuration(seconds)}`);
  return seconds;
}

/**
 * Why a configured secret is required when it is unset, or null when a generated one may stand in:
 * always on a real server (several processes must share it), and in production (a secret generated
 * into the data folder lives with the data and its backups).
 */
export function secretRequiredBecause(config: Pick<Config, "databaseUrl" | "nodeEnv">): string | null {
  if (config.databaseUrl !== undefined) return "is required when DATABASE_URL is set";
  if (config.nodeEnv === "production") return "is required in production (NODE_ENV=production): secrets are configured, not generated";
  return null;
}

/** The secrets a process uses; one it does not use is not required (a migration needs neither). */
export interface SecretUses {
  /** It signs or verifies tokens (the server, `npm run token`). Default: yes. */
  readonly jwtSecret?: boolean;
  /** It reads or writes personal data (the server, the worker, jobs, erasure, reports, key rotation). Default: yes. */
  readonly profileKey?: boolean;
}

export interface LoadOptions {
  /** The embedded database's generated JWT secret (main.ts, `npm run token`), used when ZPD_JWT_SECRET is unset; never in production. */
  readonly jwtSecret?: string;
  readonly uses?: SecretUses;
}

/**
 * Reads and validates the configuration. Every secret the process uses is checked here, before any
 * connection to a database: a missing or weak one stops the process with a ConfigError naming it.
 */
export function loadConfig(env: Env = process.env, options: LoadOptions = {}): Config {
  const usesJwt = options.uses?.jwtSecret ?? true;
  const usesProfileKey = options.uses?.profileKey ?? true;
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl !== undefined) {
    try {
      const u = new URL(databaseUrl);
      if (!/^postgres(ql)?:$/.test(u.protocol)) throw new Error();
    } catch {
      throw new ConfigError("DATABASE_URL", "expected a postgres:// or postgresql:// URL");
    }
  }
  const logLevel = (env.LOG_LEVEL || "info") as Config["logLevel"];
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError("LOG_LEVEL", `expected one of ${LOG_LEVELS.join(", ")}`);
  const nodeEnv = env.NODE_ENV || "development";
  const required = secretRequiredBecause({ databaseUrl, nodeEnv });

  const configuredJwtSecret = env.ZPD_JWT_SECRET || undefined;
  if (configuredJwtSecret !== undefined) {
    const weak = weakPassphrase(configuredJwtSecret, 32);
    if (weak) throw new ConfigError("ZPD_JWT_SECRET", `${weak}; ${GENERATE_JWT_SECRET}`);
  } else if (usesJwt && required) {
    throw new ConfigError("ZPD_JWT_SECRET", `${required}; ${GENERATE_JWT_SECRET}`);
  }
  const jwtSecret = configuredJwtSecret ?? (usesJwt ? (options.jwtSecret ?? "") : "");

  const profileKey = env.ZPD_PROFILE_KEY ? key32("ZPD_PROFILE_KEY", env.ZPD_PROFILE_KEY) : undefined;
  if (profileKey) {
    const weak = weakKey(profileKey);
    if (weak) throw new ConfigError("ZPD_PROFILE_KEY", `${weak}; ${GENERATE_PROFILE_KEY}`);
  } else if (usesProfileKey && required) {
    throw new ConfigError("ZPD_PROFILE_KEY", `${required}; ${GENERATE_PROFILE_KEY}`);
  }
  // Older keys are not judged: a rotation away from a weak key must be able to read what it wrote.
  const profileKeysOld = (env.ZPD_PROFILE_KEYS_OLD ?? "")
    .split(/[\s,]+/)
    .filter((k) => k !== "")
    .map((k) => key32("ZPD_PROFILE_KEYS_OLD", k));
  if (profileKeysOld.length && !profileKey)
    throw new ConfigError(
      "ZPD_PROFILE_KEYS_OLD",
      "needs ZPD_PROFILE_KEY (the current key); embedded key files keep older keys in profile.keys.old",
    );
  const seedDemo = bool(env, "ZPD_SEED_DEMO", nodeEnv !== "production");
  if (seedDemo && nodeEnv === "production")
    throw new ConfigError("ZPD_SEED_DEMO", "the demo school is never seeded in production (NODE_ENV=production): unset it");
  const dataDir = path.resolve(env.ZPD_DATA_DIR || ".zpd");

  const maxQueryCost = int(env, "ZPD_MAX_QUERY_COST", QUERY_LIMIT_DEFAULTS.cost, 1, 1_000_000_000);
  const apqCacheMb = int(env, "ZPD_APQ_CACHE_MB", APQ_DEFAULTS.cacheMb, 0, 4096);
  const rl = RATE_LIMIT_DEFAULTS;
  return {
    port: int(env, "PORT", 4000, 0, 65535),
    host: env.HOST || "0.0.0.0",
    databaseUrl,
    dataDir,
    pgliteThread: bool(env, "ZPD_PGLITE_THREAD", false),
    jwtSecret,
    jwtSecretGenerated: configuredJwtSecret === undefined,
    maxTokenLifetimeSeconds: maxTokenLifetime(env),
    profileKey,
    profileKeysOld,
    keyDir: env.ZPD_KEY_DIR ? path.resolve(env.ZPD_KEY_DIR) : dataDir,
    seedDemo,
    logLevel,
    maxPageSize: int(env, "ZPD_MAX_PAGE_SIZE", 100, 1, 10000),
    maxClockSkewSeconds: int(env, "ZPD_MAX_CLOCK_SKEW_SECONDS", DEFAULT_MAX_CLOCK_SKEW_SECONDS, 0, MAX_CLOCK_SKEW_SETTING),
    xapiAttemptVerbs: attemptVerbs(env),
    maxQueryDepth: int(env, "ZPD_MAX_QUERY_DEPTH", QUERY_LIMIT_DEFAULTS.depth, 1, 1000),
    maxQueryAliases: int(env, "ZPD_MAX_QUERY_ALIASES", QUERY_LIMIT_DEFAULTS.aliases, 0, 100_000),
    maxQueryCost,
    maxQueryBytes: int(env, "ZPD_MAX_QUERY_BYTES", QUERY_LIMIT_DEFAULTS.bytes, 1, 2_000_000),
    maxQueryTokens: int(env, "ZPD_MAX_QUERY_TOKENS", QUERY_LIMIT_DEFAULTS.tokens, 1, 1_000_000),
    maxQueryCostByRole: {
      LEARNER: roleCost(env, "LEARNER", maxQueryCost),
      TEACHER: roleCost(env, "TEACHER", maxQueryCost),
      ANALYST: roleCost(env, "ANALYST", maxQueryCost),
    },
    rateLimit: {
      tokenPerSecond: int(env, "ZPD_RATE_LIMIT_TOKEN", rl.tokenPerSecond, 0, 1_000_000),
      tokenBurst: int(env, "ZPD_RATE_LIMIT_TOKEN_BURST", rl.tokenBurst, 0, 10_000_000),
      anonymousPerSecond: int(env, "ZPD_RATE_LIMIT_ANONYMOUS", rl.anonymousPerSecond, 0, 1_000_000),
      anonymousBurst: int(env, "ZPD_RATE_LIMIT_ANONYMOUS_BURST", rl.anonymousBurst, 0, 10_000_000),
      burstSeconds: int(env, "ZPD_RATE_LIMIT_BURST_SECONDS", rl.burstSeconds, 1, 86_400),
      costUnit: int(env, "ZPD_RATE_LIMIT_COST_UNIT", rl.costUnit, 0, 1_000_000_000),
    },
    trustProxy: trustProxy(env),
    persistedQueries:
      apqCacheMb === 0
        ? null
        : { maxBytes: apqCacheMb * 1_000_000, ttlSeconds: int(env, "ZPD_APQ_TTL_SECONDS", APQ_DEFAULTS.ttlSeconds, 0, 31_536_000) },
    nodeEnv,
    dbConnectTimeoutMs: int(env, "ZPD_DB_CONNECT_TIMEOUT_MS", 5_000, 0, 3_600_000),
    dbStatementTimeoutMs: int(env, "ZPD_DB_STATEMENT_TIMEOUT_MS", 15_000, 0, 86_400_000),
    requestTimeoutMs: int(env, "ZPD_REQUEST_TIMEOUT_MS", 30_000, 0, 86_400_000),
    applyDelayMs: int(env, "ZPD_APPLY_DELAY_MS", 1000, 0, 60_000),
    graphiql: bool(env, "ZPD_GRAPHIQL", nodeEnv !== "production"),
    worker: bool(env, "ZPD_WORKER", databaseUrl === undefined),
    retrainCron: cronSetting(env, "ZPD_RETRAIN_CRON", "0 2 * * *", "each school's time zone"),
    auditCron: cronSetting(env, "ZPD_AUDIT_CRON", "0 3 * * 1", "UTC"),
    retentionDays: retentionDays(env),
    jobTiming: {
      heartbeatSeconds: int(env, "ZPD_JOB_HEARTBEAT_SECONDS", DEFAULT_JOB_TIMING.heartbeatSeconds, MIN_HEARTBEAT_SECONDS, 3600),
      superviseIntervalSeconds: int(env, "ZPD_JOB_SUPERVISE_SECONDS", DEFAULT_JOB_TIMING.superviseIntervalSeconds, 1, 3600),
      retryDelaySeconds: int(env, "ZPD_JOB_RETRY_DELAY_SECONDS", DEFAULT_JOB_TIMING.retryDelaySeconds, 1, 3600),
    },
    accessLogRetentionDays: int(env, "ZPD_ACCESS_LOG_RETENTION_DAYS", 365, 1, 100_000),
    accessLogFlushMs: int(env, "ZPD_ACCESS_LOG_FLUSH_MS", 5_000, 100, 60_000),
    explorationEpsilon: decimal(env, "ZPD_EXPLORATION_EPSILON", 0, 0, 0.5),
    metricsToken: metricsToken(env),
    fairness: {
      minGroupSize: int(env, "ZPD_FAIRNESS_MIN_GROUP_SIZE", 30, 2, 1_000_000),
      rounds: int(env, "ZPD_FAIRNESS_ROUNDS", 1000, 100, 1_000_000),
      requireAuditable: bool(env, "ZPD_FAIRNESS_REQUIRE_AUDITABLE", false),
    },
    analyticsK: analyticsK(env),
    privacy: {
      advantageThreshold: decimal(env, "ZPD_PRIVACY_MIA_THRESHOLD", 0.05, 0, 0.5),
      shadows: shadows(env),
      requireAuditable: bool(env, "ZPD_PRIVACY_REQUIRE_AUDITABLE", false),
      taskInfluenceLadder: ladder(env),
    },
  };
}
