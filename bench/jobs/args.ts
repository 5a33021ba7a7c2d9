/** Command-line options of `npm run bench:jobs`. */

export interface JobsBenchArgs {
  data?: string;
  attempts: number;
  json?: string;
  keep: boolean;
  out: string;
  seed: number;
  pgUrl: string;
  /** Re-render the Markdown report from a JSON of an earlier run (no measurement). */
  render?: string;
}

export const USAGE =
  "usage: npm run bench:jobs -- [--data <folder>] [--attempts 1000000] [--json <file>] [--keep] [--out .bench/jobs-report.md|none] [--seed 7] [--pg-url postgres://postgres@127.0.0.1:5432]";

export function parseJobsArgs(argv: readonly string[]): JobsBenchArgs {
  const a: JobsBenchArgs = {
    attempts: 1_000_000,
    keep: false,
    out: ".bench/jobs-report.md",
    seed: 7,
    pgUrl: process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432",
  };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]!;
    const val = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`${k} needs a value\n${USAGE}`);
      return v;
    };
    if (k === "--data") a.data = val();
    else if (k === "--attempts") a.attempts = Number(val().replace(/_/g, ""));
    else if (k === "--json") a.json = val();
    else if (k === "--keep") a.keep = true;
    else if (k === "--out") a.out = val();
    else if (k === "--seed") a.seed = Number(val());
    else if (k === "--pg-url") a.pgUrl = val().replace(/\/+$/, "");
    else if (k === "--render") a.render = val();
    else if (k === "--help") {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${k}\n${USAGE}`);
  }
  if (!Number.isInteger(a.attempts) || a.attempts < 2_500) throw new Error(`--attempts must be an integer ≥ 2500\n${USAGE}`);
  if (!Number.isInteger(a.seed)) throw new Error(`--seed must be an integer\n${USAGE}`);
  return a;
}
