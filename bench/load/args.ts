/** Command-line options of `npm run bench:load` (the school's options are bench:api's). */
import { type ApiBenchArgs, numberOption, readOptions, SCHOOL_OPTIONS, schoolOptions } from "../api/args.js";

/** In the order they run on one server; `raw` runs after the server has stopped. */
export const PHASES = ["api", "saturation", "hostile", "soak", "raw"] as const;
export type LoadPhase = (typeof PHASES)[number];

export interface LoadBenchArgs extends Pick<ApiBenchArgs, "dbs" | "scale" | "pgUrl" | "seed" | "fresh" | "trainLearners"> {
  /** Suffix of the PostgreSQL databases' names (bench/api/database.ts), to stay clear of another checkout's. */
  readonly pgTag?: string;
  readonly phases: LoadPhase[];
  readonly quick: boolean;
  /** The saturation phase's operations (each a prefix of an operation's name); empty: all of them. */
  readonly saturationOps: string[];
  /** Closed-loop clients of the saturation phase, and the raw INSERT loop's connections. */
  readonly concurrency: number[];
  /** Attempts per `recordAttempts` call and per raw INSERT statement. */
  readonly batchSize: number;
  /** Learners each batch is spread over; 0: every attempt's learner at random (bench/load/batched.ts). */
  readonly batchLearners: number;
  /** Measured seconds of each saturation level and of each raw INSERT level. */
  readonly seconds: number;
  /** bench:api's open-loop rate (the api phase) and the soak's. */
  readonly rps: number;
  /** bench:api's open-loop seconds (the api phase). */
  readonly apiSeconds: number;
  /** Open-loop rate of batched calls (requests/s; × batchSize attempts/s). */
  readonly batchRps: number;
  /** Normal traffic's rate while the hostile corpus is sent, and the length of each window (quiet, hostile). */
  readonly hostileRps: number;
  readonly hostileSeconds: number;
  /** One round of the hostile corpus every this many seconds. */
  readonly hostileEvery: number;
  readonly soakSeconds: number;
  /** Seconds between two memory samples of the soak. */
  readonly memoryEvery: number;
  /**
   * Distinct service tokens the normal load takes in turn (64 by default: enough that no one token's rate
   * limit caps a closed loop of 64 clients, so saturation is the server's; 1 shows the limit at work).
   */
  readonly tokens: number;
  /** Extra environment of the server (`--server-env K=V,K=V`), e.g. a rate limit's settings. */
  readonly serverEnv: Record<string, string>;
  /** Markdown report, "none" to skip; the results store it is made from. */
  readonly report: string;
  readonly json: string;
  /** Only re-write the report from the results store. */
  readonly render: boolean;
}

export const USAGE = `usage: npm run bench:load -- [--db pglite|postgres|both] [--scale full|small] [--quick]
    [--phase api,saturation,hostile,soak,raw] [--concurrency 1,4,16,64] [--batch-size 100] [--batch-learners 0] [--seconds 10]
    [--rps 200] [--api-seconds 20] [--batch-rps 10] [--hostile-rps 100] [--hostile-seconds 20] [--hostile-every 5]
    [--soak-seconds 300] [--memory-every 5] [--tokens 64] [--server-env K=V,K=V] [--saturation-ops recordAttempts,ingestAttempts,…]
    [--pg-url postgres://postgres@127.0.0.1:5432] [--pg-tag <suffix>] [--fresh] [--seed 7] [--train-learners N]
    [--report .bench/load-report.md|none] [--json .bench/load-results.json] [--render]
  --quick: 3 s levels at 1, 4 and 16 clients, 5 s api and hostile windows, a 30 s soak (any option given wins).`;

export function parseLoadArgs(argv: readonly string[]): LoadBenchArgs {
  const opts = readOptions(
    argv,
    [
      ...SCHOOL_OPTIONS,
      "phase",
      "concurrency",
      "batch-size",
      "batch-learners",
      "seconds",
      "rps",
      "api-seconds",
      "batch-rps",
      "hostile-rps",
      "hostile-seconds",
      "hostile-every",
      "soak-seconds",
      "memory-every",
      "tokens",
      "server-env",
      "saturation-ops",
      "pg-tag",
      "report",
      "json",
    ],
    ["fresh", "quick", "render"],
    USAGE,
  );
  const quick = opts.quick === "true";
  const num = (name: string, full: number, fast: number, min: number) => numberOption(opts, name, quick ? fast : full, min, USAGE);
  const list = (s: string) =>
    s
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean);
  const phases = opts.phase ? list(opts.phase) : [...PHASES];
  for (const p of phases) if (!(PHASES as readonly string[]).includes(p)) throw new Error(`--phase: unknown phase ${p}\n${USAGE}`);
  const concurrency = opts.concurrency ? list(opts.concurrency).map(Number) : quick ? [1, 4, 16] : [1, 4, 16, 64];
  if (concurrency.some((c) => !Number.isInteger(c) || c < 1)) throw new Error(`--concurrency must be whole numbers ≥ 1\n${USAGE}`);
  const serverEnv: Record<string, string> = {};
  for (const kv of opts["server-env"] ? list(opts["server-env"]) : []) {
    const eq = kv.indexOf("=");
    if (eq < 1) throw new Error(`--server-env takes K=V pairs\n${USAGE}`);
    serverEnv[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  const pgTag = opts["pg-tag"];
  if (pgTag !== undefined && !/^[a-z0-9_]{1,20}$/.test(pgTag)) throw new Error(`--pg-tag must be 1–20 of a-z, 0-9, _\n${USAGE}`);
  const batchSize = Math.floor(num("batch-size", 100, 100, 1));
  if (batchSize > 500) throw new Error(`--batch-size must be at most 500 (recordAttempts' cap)\n${USAGE}`);
  return {
    ...schoolOptions(opts, USAGE),
    pgTag,
    phases: PHASES.filter((p) => phases.includes(p)),
    quick,
    concurrency,
    saturationOps: opts["saturation-ops"] ? list(opts["saturation-ops"]) : [],
    batchSize,
    batchLearners: Math.floor(num("batch-learners", 0, 0, 0)),
    seconds: num("seconds", 10, 3, 1),
    rps: num("rps", 200, 200, 1),
    apiSeconds: num("api-seconds", 20, 5, 1),
    batchRps: num("batch-rps", 10, 10, 0.1),
    hostileRps: num("hostile-rps", 100, 100, 1),
    hostileSeconds: num("hostile-seconds", 20, 5, 1),
    hostileEvery: num("hostile-every", 5, 5, 0.05),
    soakSeconds: num("soak-seconds", 300, 30, 1),
    memoryEvery: num("memory-every", 5, 2, 0.5),
    tokens: Math.floor(num("tokens", 64, 64, 1)),
    serverEnv,
    report: opts.report ?? ".bench/load-report.md",
    json: opts.json ?? ".bench/load-results.json",
    render: opts.render === "true",
  };
}
