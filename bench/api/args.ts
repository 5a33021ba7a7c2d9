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
  /** Also time every SQL statement of the three operations in-process (profile), after the HTTP run. */
  readonly profile: boolean;
  readonly seed: number;
  /** Only build (or check) the prepared database(s); no server, no load. */
  readonly prepareOnly: boolean;
  /** Only re-write the Markdown report from the stored results (no run). */
  readonly render: boolean;
}

export const USAGE = `usage: npm run bench:api -- [--db pglite|postgres|both] [--scale full|small] [--rps 200] [--seconds 20]
                          [--json <file>] [--fresh] [--prepare-only] [--render] [--train-learners N] [--profile] [--seed N]
                          [--pg-url postgres://postgres@127.0.0.1:5432] [--report .bench/api-report.md|none]`;

export function parseApiArgs(argv: readonly string[]): ApiBenchArgs {
  const opts: Record<string, string> = {};
  const flags = new Set(["fresh", "profile", "prepare-only", "render"]);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) throw new Error(`unexpected argument ${a}\n${USAGE}`);
    const eq = a.indexOf("=");
    if (eq > 0) opts[a.slice(2, eq)] = a.slice(eq + 1);
    else if (flags.has(a.slice(2))) opts[a.slice(2)] = "true";
    else {
      const v = argv[i + 1];
      if (v === undefined || v.startsWith("--")) throw new Error(`${a} needs a value\n${USAGE}`);
      opts[a.slice(2)] = v;
      i++;
    }
  }
  const known = new Set([
    "db",
    "scale",
    "rps",
    "seconds",
    "json",
    "fresh",
    "train-learners",
    "pg-url",
    "report",
    "profile",
    "seed",
    "prepare-only",
    "render",
  ]);
  for (const k of Object.keys(opts)) if (!known.has(k)) throw new Error(`unknown option --${k}\n${USAGE}`);
  const db = opts.db ?? "both";
  if (!["pglite", "postgres", "both"].includes(db)) throw new Error(`--db must be pglite, postgres or both\n${USAGE}`);
  const scale = opts.scale ?? "full";
  if (scale !== "full" && scale !== "small") throw new Error(`--scale must be full or small\n${USAGE}`);
  const num = (name: string, fallback: number, min: number) => {
    const v = opts[name] === undefined ? fallback : Number(opts[name]);
    if (!Number.isFinite(v) || v < min) throw new Error(`--${name} must be a number ≥ ${min}\n${USAGE}`);
    return v;
  };
  const pgUrl = opts["pg-url"] ?? "postgres://postgres@127.0.0.1:5432";
  const host = new URL(pgUrl).hostname;
  if (host !== "127.0.0.1" && host !== "localhost")
    throw new Error("--pg-url must point at 127.0.0.1 (the benchmark loads only the local machine)");
  return {
    dbs: db === "both" ? ["pglite", "postgres"] : [db as DbKind],
    scale,
    rps: num("rps", 200, 1),
    seconds: num("seconds", 20, 1),
    json: opts.json,
    fresh: opts.fresh === "true",
    trainLearners: opts["train-learners"] === undefined ? undefined : Math.floor(num("train-learners", 0, 1)),
    pgUrl: pgUrl.replace(/\/+$/, ""),
    report: opts.report ?? ".bench/api-report.md",
    profile: opts.profile === "true",
    seed: Math.floor(num("seed", 7, 0)),
    prepareOnly: opts["prepare-only"] === "true",
    render: opts.render === "true",
  };
}
