/** Command-line options of `npm run bench:xapi`. */
export interface XapiBenchArgs {
  readonly pgUrl: string;
  readonly seconds: number;
  readonly clients: number;
  readonly batch: number;
  readonly rps: number;
  readonly learners: number;
  readonly json?: string;
}

export const USAGE = `usage: npm run bench:xapi -- [--pg-url <postgres url of a database to create the bench's own from>] [--seconds 15]
                          [--clients 8] [--batch 100] [--rps 200] [--learners 1000] [--json <file>]`;

export function parseXapiBenchArgs(argv: readonly string[]): XapiBenchArgs {
  const opts = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i]!;
    const v = argv[i + 1];
    if (!k.startsWith("--") || v === undefined) throw new Error(`${k} needs a value\n${USAGE}`);
    opts.set(k.slice(2), v);
  }
  const known = ["pg-url", "seconds", "clients", "batch", "rps", "learners", "json"];
  for (const k of opts.keys()) if (!known.includes(k)) throw new Error(`unknown option --${k}\n${USAGE}`);
  const int = (k: string, d: number, min: number, max: number) => {
    const v = opts.has(k) ? Number(opts.get(k)) : d;
    if (!Number.isInteger(v) || v < min || v > max) throw new Error(`--${k} must be an integer in [${min}, ${max}]\n${USAGE}`);
    return v;
  };
  return {
    pgUrl: opts.get("pg-url") ?? "postgres://postgres@127.0.0.1:5432/postgres",
    seconds: int("seconds", 15, 1, 600),
    clients: int("clients", 8, 1, 256),
    batch: int("batch", 100, 2, 500),
    rps: int("rps", 200, 1, 5_000),
    learners: int("learners", 1_000, 1, 100_000),
    json: opts.get("json"),
  };
}
