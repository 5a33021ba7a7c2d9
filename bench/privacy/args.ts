/** Command-line options of `npm run bench:privacy`. */
import type { DbKind, ScaleName } from "../api/args.js";

export interface PrivacyArgs {
  /** Phase 1: erasures under live load on the benchmark school. */
  readonly erasure: boolean;
  /** The erasure phase's three windows with no erasure in them: what the windows differ by without it. */
  readonly control: boolean;
  /** Run the server without its in-process job worker (ZPD_WORKER=false; with PGlite it runs inside by default). */
  readonly noWorker: boolean;
  /** Phase 2: the membership-inference audit of Meta and of the memoriser on a data set. */
  readonly mia: boolean;
  /** The data set's folder (--mia). */
  readonly data?: string;
  readonly db: DbKind;
  readonly pgUrl: string;
  readonly scale: ScaleName;
  /** Rate of the mixed open-loop load, requests/s. */
  readonly rps: number;
  /** Length of each load window (before, during and after the erasures), seconds. */
  readonly seconds: number;
  /** One erasure every this many seconds during the erasure window. */
  readonly eraseEvery: number;
  readonly fresh: boolean;
  /** Seed of the school, the load and the choice of learners to erase. */
  readonly seed: number;
  /** Seed of Meta's training (--mia), as bench:kt's --seed. */
  readonly trainSeed: number;
  /** The results file: this run's phases are merged into it (the other phase kept). */
  readonly json?: string;
  /** Markdown report made from the results (the file's phases when --json is given); "none" to skip. The record, docs/benchmarks/privacy.md, is kept by hand from it. */
  readonly report: string;
}

export const USAGE = `usage: npm run bench:privacy -- [--erasure [--control] [--no-worker]] [--mia --data <folder>/assist2009]
    [--db pglite|postgres] [--pg-url postgres://postgres@127.0.0.1:5432] [--scale full|small] [--fresh]
    [--rps 200] [--seconds 30] [--erase-every 2] [--seed 7] [--train-seed 0]
    [--json <file>] [--report .bench/privacy-report.md|none]
  At least one of --erasure and --mia. --control: the erasure phase's windows without erasures.
  --no-worker: the server without its in-process job worker (ZPD_WORKER=false).`;

export function parsePrivacyArgs(argv: readonly string[]): PrivacyArgs {
  const flags = new Set(["erasure", "control", "no-worker", "mia", "fresh"]);
  const valued = new Set(["data", "db", "pg-url", "scale", "rps", "seconds", "erase-every", "seed", "train-seed", "json", "report"]);
  const opts: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const name = a.slice(2);
    if (!a.startsWith("--")) throw new Error(`unexpected argument ${a}\n${USAGE}`);
    if (flags.has(name)) opts[name] = "true";
    else if (valued.has(name)) {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`${a} needs a value\n${USAGE}`);
      opts[name] = v;
    } else throw new Error(`unknown option ${a}\n${USAGE}`);
  }
  const num = (name: string, fallback: number, min: number, integer = false) => {
    const v = opts[name] === undefined ? fallback : Number(opts[name]);
    if (!Number.isFinite(v) || v < min || (integer && !Number.isInteger(v)))
      throw new Error(`--${name} must be ${integer ? "an integer" : "a number"} ≥ ${min}\n${USAGE}`);
    return v;
  };
  const erasure = opts.erasure === "true";
  const mia = opts.mia === "true";
  if (!erasure && !mia) throw new Error(`choose a phase: --erasure, --mia or both\n${USAGE}`);
  if (opts.control === "true" && !erasure) throw new Error(`--control goes with --erasure\n${USAGE}`);
  if (mia && !opts.data) throw new Error(`--mia needs --data <folder>\n${USAGE}`);
  const db = opts.db ?? "pglite";
  if (db !== "pglite" && db !== "postgres") throw new Error(`--db must be pglite or postgres\n${USAGE}`);
  const scale = opts.scale ?? "full";
  if (scale !== "full" && scale !== "small") throw new Error(`--scale must be full or small\n${USAGE}`);
  const pgUrl = opts["pg-url"] ?? "postgres://postgres@127.0.0.1:5432";
  const host = new URL(pgUrl).hostname;
  if (host !== "127.0.0.1" && host !== "localhost")
    throw new Error("--pg-url must point at 127.0.0.1 (the benchmark loads only the local machine)");
  const seconds = num("seconds", 30, 5);
  const eraseEvery = num("erase-every", 2, 0.1);
  if (Math.floor((seconds - 1) / eraseEvery) + 1 < 2) throw new Error(`--seconds / --erase-every leave fewer than 2 erasures\n${USAGE}`);
  return {
    erasure,
    control: opts.control === "true",
    noWorker: opts["no-worker"] === "true",
    mia,
    data: opts.data,
    db,
    pgUrl: pgUrl.replace(/\/+$/, ""),
    scale,
    rps: num("rps", 200, 1),
    seconds,
    eraseEvery,
    fresh: opts.fresh === "true",
    seed: num("seed", 7, 0, true),
    trainSeed: num("train-seed", 0, 0, true),
    json: opts.json,
    report: opts.report ?? ".bench/privacy-report.md",
  };
}
