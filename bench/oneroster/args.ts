/** Command-line options of `npm run bench:oneroster`. */

export type RosterBenchDb = "pglite" | "postgres";

export interface RosterBenchArgs {
  readonly learners: number;
  readonly schools: number;
  readonly seed: number;
  readonly dbs: readonly RosterBenchDb[];
  /** A PostgreSQL server's URL (any database on it: the bench creates its own beside it and drops it). */
  readonly pgUrl: string;
  readonly demographics: boolean;
  readonly json?: string;
  /** Keep the generated packages (their folder is printed). */
  readonly keep: boolean;
}

export const USAGE = `usage: npm run bench:oneroster -- [--learners 10000] [--schools 1] [--seed 7] [--db pglite|postgres|both]
                               [--pg-url postgres://postgres@127.0.0.1:5432/postgres] [--demographics] [--json <file>] [--keep]`;

const FLAGS = ["demographics", "keep"];
const VALUED = ["learners", "schools", "seed", "db", "pg-url", "json"];

export function parseRosterBenchArgs(argv: readonly string[]): RosterBenchArgs {
  const opts = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) throw new Error(`unexpected argument ${a}\n${USAGE}`);
    const k = a.slice(2);
    if (FLAGS.includes(k)) opts.set(k, true);
    else if (VALUED.includes(k)) {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`${a} needs a value\n${USAGE}`);
      opts.set(k, v);
    } else throw new Error(`unknown option ${a}\n${USAGE}`);
  }
  const int = (k: string, d: number, min: number, max: number) => {
    const raw = opts.get(k);
    const v = raw === undefined ? d : Number(String(raw).replace(/_/g, ""));
    if (!Number.isInteger(v) || v < min || v > max) throw new Error(`--${k} must be an integer in [${min}, ${max}]\n${USAGE}`);
    return v;
  };
  const db = (opts.get("db") as string | undefined) ?? "both";
  if (!["pglite", "postgres", "both"].includes(db)) throw new Error(`--db must be pglite, postgres or both\n${USAGE}`);
  const learners = int("learners", 10_000, 1, 1_000_000);
  return {
    learners,
    schools: int("schools", 1, 1, learners),
    seed: int("seed", 7, 0, 2 ** 31),
    dbs: db === "both" ? ["pglite", "postgres"] : [db as RosterBenchDb],
    pgUrl: (opts.get("pg-url") as string | undefined) ?? "postgres://postgres@127.0.0.1:5432/postgres",
    demographics: opts.has("demographics"),
    json: opts.get("json") as string | undefined,
    keep: opts.has("keep"),
  };
}
