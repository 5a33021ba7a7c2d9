/** Command-line options of `npm run bench:faults`. */
import type { DbKind } from "../api/args.js";

export type PhaseName = "kill" | "outage" | "worker";
export const PHASES: readonly PhaseName[] = ["kill", "outage", "worker"];

export interface FaultsArgs {
  readonly dbs: DbKind[];
  readonly phases: PhaseName[];
  /** kill -9 cycles per database, with the server started directly. */
  readonly cycles: number;
  /** kill -9 cycles per database with the server as pid 1 of a fresh pid namespace (0: skip that variant). */
  readonly pid1Cycles: number;
  /** kill -9 cycles per database while the batches go through ingestAttempts (the deferred path; 0: skip). */
  readonly deferredCycles: number;
  /** How long PostgreSQL stays stopped in the outage phase, seconds. */
  readonly outageSeconds: number;
  readonly quick: boolean;
  readonly seed: number;
  /** The JSON of figures (default .bench/faults.json). */
  readonly json: string;
  /** The Markdown report (default .bench/faults-report.md). */
  readonly report: string;
  /** Keep the scratch folder (databases, logs) instead of removing it at the end. */
  readonly keep: boolean;
}

export const USAGE = `usage: npm run bench:faults -- [--db pglite|postgres|both] [--phase kill|outage|worker|all[,…]] [--quick]
                             [--cycles 20] [--pid1-cycles 20] [--deferred-cycles 20] [--outage-seconds 10] [--seed 7]
                             [--json .bench/faults.json] [--report .bench/faults-report.md] [--keep]
  --quick: 4 + 4 kill cycles and a 5 s outage (development). The outage and worker phases are PostgreSQL's
  only (embedded PGlite has no separate database server or worker process).`;

export function parseFaultsArgs(argv: readonly string[]): FaultsArgs {
  const opts: Record<string, string> = {};
  const flags = new Set(["quick", "keep"]);
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
    "phase",
    "quick",
    "cycles",
    "pid1-cycles",
    "deferred-cycles",
    "outage-seconds",
    "seed",
    "json",
    "report",
    "keep",
  ]);
  for (const k of Object.keys(opts)) if (!known.has(k)) throw new Error(`unknown option --${k}\n${USAGE}`);
  const db = opts.db ?? "both";
  if (!["pglite", "postgres", "both"].includes(db)) throw new Error(`--db must be pglite, postgres or both\n${USAGE}`);
  const phaseList = (opts.phase ?? "all").split(",").map((p) => p.trim());
  const phases = phaseList.includes("all") ? [...PHASES] : (phaseList as PhaseName[]);
  for (const p of phases) if (!PHASES.includes(p)) throw new Error(`--phase: unknown phase ${p}\n${USAGE}`);
  const quick = opts.quick === "true";
  const int = (name: string, fallback: number, min: number) => {
    const v = opts[name] === undefined ? fallback : Number(opts[name]);
    if (!Number.isInteger(v) || v < min) throw new Error(`--${name} must be a whole number ≥ ${min}\n${USAGE}`);
    return v;
  };
  return {
    dbs: db === "both" ? ["pglite", "postgres"] : [db as DbKind],
    phases: PHASES.filter((p) => phases.includes(p)),
    cycles: int("cycles", quick ? 4 : 20, 1),
    pid1Cycles: int("pid1-cycles", quick ? 4 : 20, 0),
    deferredCycles: int("deferred-cycles", quick ? 4 : 20, 0),
    outageSeconds: int("outage-seconds", quick ? 5 : 10, 1),
    quick,
    seed: int("seed", 7, 0),
    json: opts.json ?? ".bench/faults.json",
    report: opts.report ?? ".bench/faults-report.md",
    keep: opts.keep === "true",
  };
}
