/** Command-line options of `npm run bench:api`. */
export type DbKind = "pglite" | "postgres";
export type ScaleName = "full" | "small";

export interface ApiBenchArgs {
  readonly dbs: DbKind[];
  readonly scale: ScaleName;
  /** Target rate of the open-loop phases (recordAttempt, recommendations), requests/s. */
  readonly rps: number;
  /** Measured seconds of each open-loop phase (a warm-up precedes it). */
  readonly seconds: number;
  readonly json?: string;
  /** Rebuild the prepared database even if a cached one exists. */
  readonly fresh: boolean;
  /** Learners whose traces the model is trained on (default: 1,000 at full scale, all at small). */
  readonly trainLearners?: number;
  /** PostgreSQL server (no database part); default postgres://postgres@127.0.0.1:5432. */
  readonly pgUrl: string;
  /** Full Markdown report path (default .bench/api-report.md), "none" to skip. */
  readonly report: string;
  /** Also time every SQL statement of the operations (and of a batched recordAttempts) in-process (profile), after the HTTP run. */
  readonly profile: boolean;
  readonly seed: number;
  /** Only build (or check) the prepared database(s); no server, no load. */
  readonly prepareOnly: boolean;
  /** Only re-write the Markdown report from the stored results (no run). */
  readonly render: boolean;
  /**
   * Also measure recommendations(strategy: POLICY): a learned policy is trained on the run's copy before
   * the server starts (a small training put live over its gate: the latency does not depend on its quality).
   */
  readonly policy: boolean;
  /** Suffix of the PostgreSQL databases' names (another helper's runs use other databases). */
  readonly pgTag?: string;
}

export const USAGE = `usage: npm run bench:api -- [--db pglite|postgres|both] [--scale full|small] [--rps 200] [--seconds 20]
                          [--json <file>] [--fresh] [--prepare-only] [--render] [--train-learners N] [--profile] [--seed N] [--policy] [--pg-tag x]
                          [--pg-url postgres://postgres@127.0.0.1:5432] [--report .bench/api-report.md|none]`;

/**
 * `--name value`, `--name=value` and the given value-less flags (as "true") into a map; throws with
 * the usage on an unknown option or a missing value. Shared by the benchmarks that build on this one.
 */
export function readOptions(
  argv: readonly string[],
  known: readonly string[],
  flags: readonly string[],
  usage: string,
): Record<string, string> {
  const opts: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) throw new Error(`unexpected argument ${a}\n${usage}`);
    const eq = a.indexOf("=");
    if (eq > 0) opts[a.slice(2, eq)] = a.slice(eq + 1);
    else if (flags.includes(a.slice(2))) opts[a.slice(2)] = "true";
    else {
      const v = argv[i + 1];
      if (v === undefined || v.startsWith("--")) throw new Error(`${a} needs a value\n${usage}`);
      opts[a.slice(2)] = v;
      i++;
    }
  }
  for (const k of Object.keys(opts)) if (!known.includes(k) && !flags.includes(k)) throw new Error(`unknown option --${k}\n${usage}`);
  return opts;
}

/** A numeric option ≥ `min`, or the fallback when absent. */
export function numberOption(opts: Record<string, string>, name: string, fallback: number, min: number, usage: string): number {
  const v = opts[name] === undefined ? fallback : Number(opts[name]);
  if (!Number.isFinite(v) || v < min) throw new Error(`--${name} must be a number ≥ ${min}\n${usage}`);
  return v;
}

/** The options that choose the databases and the prepared school: --db, --scale, --pg-url, --seed, --fresh, --train-learners. */
export const SCHOOL_OPTIONS = ["db", "scale", "pg-url", "seed", "train-learners"] as const;

export function schoolOptions(
  opts: Record<string, string>,
  usage: string,
): Pick<ApiBenchArgs, "dbs" | "scale" | "pgUrl" | "seed" | "fresh" | "trainLearners"> {
  const db = opts.db ?? "both";
  if (!["pglite", "postgres", "both"].includes(db)) throw new Error(`--db must be pglite, postgres or both\n${usage}`);
  const scale = opts.scale ?? "full";
  if (scale !== "full" && scale !== "small") throw new Error(`--scale must be full or small\n${usage}`);
  const pgUrl = opts["pg-url"] ?? "postgres://postgres@127.0.0.1:5432";
  const host = new URL(pgUrl).hostname;
  if (host !== "127.0.0.1" && host !== "localhost")
    throw new Error("--pg-url must point at 127.0.0.1 (the benchmark loads only the local machine)");
  return {
    dbs: db === "both" ? ["pglite", "postgres"] : [db as DbKind],
    scale,
    pgUrl: pgUrl.replace(/\/+$/, ""),
    seed: Math.floor(numberOption(opts, "seed", 7, 0, usage)),
    fresh: opts.fresh === "true",
    trainLearners: opts["train-learners"] === undefined ? undefined : Math.floor(numberOption(opts, "train-learners", 0, 1, usage)),
  };
}

export function parseApiArgs(argv: readonly string[]): ApiBenchArgs {
  const opts = readOptions(
    argv,
    [...SCHOOL_OPTIONS, "rps", "seconds", "json", "report", "pg-tag"],
    ["fresh", "profile", "prepare-only", "render", "policy"],
    USAGE,
  );
  const pgTag = opts["pg-tag"];
  if (pgTag !== undefined && !/^[a-z0-9_]{1,20}$/.test(pgTag)) throw new Error(`--pg-tag must be 1–20 of a-z, 0-9, _\n${USAGE}`);
  return {
    ...(pgTag !== undefined ? { pgTag } : {}),
    policy: opts.policy === "true",
    ...schoolOptions(opts, USAGE),
    rps: numberOption(opts, "rps", 200, 1, USAGE),
    seconds: numberOption(opts, "seconds", 20, 1, USAGE),
    json: opts.json,
    report: opts.report ?? ".bench/api-report.md",
    profile: opts.profile === "true",
    prepareOnly: opts["prepare-only"] === "true",
    render: opts.render === "true",
  };
}
