/** Command-line options of `npm run bench:xapi`. */
import { type DbKind, numberOption, readOptions } from "../api/args.js";

/**
 * The phases, by name: statements that are not attempts one per request (`single`) and in batches
 * (`batch`), answers that become attempts one per request (`answers`) and in batches (`answer-batches`),
 * all closed loops; and answers one per request at a fixed rate (`open`), the latency target's phase.
 */
export const PHASES = ["open", "single", "batch", "answers", "answer-batches"] as const;
export type XapiPhase = (typeof PHASES)[number];

export interface XapiBenchArgs {
  readonly dbs: DbKind[];
  /** The PostgreSQL server's URL of a database to create the bench's own from. */
  readonly pgUrl: string;
  /** The phases to run, in the order given. */
  readonly phases: XapiPhase[];
  /** Train and publish a model for the bench school before the timed phases (production schools have one). */
  readonly model: boolean;
  /** Seconds of quiet before each phase (the database's background work from the one before settles). */
  readonly settle: number;
  readonly seconds: number;
  readonly clients: number;
  readonly batch: number;
  readonly rps: number;
  readonly learners: number;
  /** Answers per learner sent before the timed phases (its link, its state, the model's training data). */
  readonly warmup: number;
  readonly json?: string;
}

export const USAGE = `usage: npm run bench:xapi -- [--db pglite|postgres|both] [--phases ${PHASES.join(",")}] [--no-model]
                          [--settle 10] [--seconds 15] [--clients 8] [--batch 100] [--rps 200] [--learners 1000] [--warmup 3]
                          [--pg-url <postgres url of a database to create the bench's own from>] [--json <file>]`;

export function parseXapiBenchArgs(argv: readonly string[]): XapiBenchArgs {
  const opts = readOptions(
    argv,
    ["db", "pg-url", "phases", "settle", "seconds", "clients", "batch", "rps", "learners", "warmup", "json"],
    ["model", "no-model"],
    USAGE,
  );
  const int = (k: string, d: number, min: number, max: number) => {
    const v = numberOption(opts, k, d, min, USAGE);
    if (!Number.isInteger(v) || v > max) throw new Error(`--${k} must be an integer in [${min}, ${max}]\n${USAGE}`);
    return v;
  };
  const db = opts.db ?? "both";
  if (!["pglite", "postgres", "both"].includes(db)) throw new Error(`--db must be pglite, postgres or both\n${USAGE}`);
  const phases = (opts.phases ?? PHASES.join(",")).split(",").map((p) => p.trim());
  for (const p of phases) if (!(PHASES as readonly string[]).includes(p)) throw new Error(`--phases: unknown phase ${p}\n${USAGE}`);
  if (new Set(phases).size !== phases.length) throw new Error(`--phases names a phase twice\n${USAGE}`);
  if (opts.model && opts["no-model"]) throw new Error(`--model and --no-model together\n${USAGE}`);
  return {
    dbs: db === "both" ? ["pglite", "postgres"] : [db as DbKind],
    pgUrl: opts["pg-url"] ?? "postgres://postgres@127.0.0.1:5432/postgres",
    phases: phases as XapiPhase[],
    model: opts["no-model"] !== "true",
    settle: int("settle", 10, 0, 600),
    seconds: int("seconds", 15, 1, 600),
    clients: int("clients", 8, 1, 256),
    batch: int("batch", 100, 2, 500),
    rps: int("rps", 200, 1, 5_000),
    learners: int("learners", 1_000, 1, 100_000),
    warmup: int("warmup", 3, 1, 100),
    json: opts.json,
  };
}
