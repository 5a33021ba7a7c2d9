/** Command-line options of `npm run bench:kt`. */
export interface KtArgs {
  readonly data: string;
  readonly json?: string;
  readonly models?: string[];
  readonly seed: number;
  /** Fractions of the train learners for the training-time scaling runs (empty: none). */
  readonly trainFractions: number[];
  /** Models the scaling runs cover. */
  readonly fractionModels: string[];
  /** Markdown report path ("none" to skip); default docs/benchmarks/kt-<set>.md. */
  readonly report?: string;
}

export const USAGE = `usage: npm run bench:kt -- --data <folder> [--json <file>] [--models meta,ablation,irt,elo,pfa,bestlr,bkt,bkt-forget]
                         [--seed N] [--train-fractions 0.25,0.5,1] [--fraction-models meta] [--report <file>|none]`;

export function parseKtArgs(argv: readonly string[]): KtArgs {
  const opts: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith("--")) throw new Error(`unexpected argument ${a}\n${USAGE}`);
    const eq = a.indexOf("=");
    if (eq > 0) opts[a.slice(2, eq)] = a.slice(eq + 1);
    else {
      const v = argv[i + 1];
      if (v === undefined || v.startsWith("--")) throw new Error(`${a} needs a value\n${USAGE}`);
      opts[a.slice(2)] = v;
      i++;
    }
  }
  const known = new Set(["data", "json", "models", "seed", "train-fractions", "fraction-models", "report"]);
  for (const k of Object.keys(opts)) if (!known.has(k)) throw new Error(`unknown option --${k}\n${USAGE}`);
  if (!opts.data) throw new Error(`--data is required\n${USAGE}`);
  const list = (s: string | undefined) =>
    s
      ? s
          .split(",")
          .map((x) => x.trim())
          .filter(Boolean)
      : undefined;
  const seed = opts.seed === undefined ? 0 : Number(opts.seed);
  if (!Number.isInteger(seed)) throw new Error(`--seed must be an integer\n${USAGE}`);
  const trainFractions = (list(opts["train-fractions"]) ?? []).map(Number);
  if (trainFractions.some((f) => !(f > 0 && f <= 1))) throw new Error(`--train-fractions must be numbers in (0, 1]\n${USAGE}`);
  return {
    data: opts.data,
    json: opts.json,
    models: list(opts.models),
    seed,
    trainFractions,
    fractionModels: list(opts["fraction-models"]) ?? ["meta"],
    report: opts.report,
  };
}
