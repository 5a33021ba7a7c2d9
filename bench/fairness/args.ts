/** Command-line options of `npm run bench:fairness`. */
export interface FairnessArgs {
  /** Seeds per measurement (schools 1 … seeds). */
  readonly seeds: number;
  /** Permutation rounds of every audit. */
  readonly rounds: number;
  /** Learners per school (half trained on, half audited). */
  readonly learners: number;
  /** Attempts of the timed audit's school (the held-out 20 % of a school five times larger). */
  readonly timingAttempts: number;
  readonly quick: boolean;
  /** Markdown report path, or "none". */
  readonly report: string;
  readonly sections: ReadonlySet<Section>;
}

export const SECTIONS = ["detection", "false-alarms", "mitigation", "timing"] as const;
export type Section = (typeof SECTIONS)[number];

export const USAGE = `usage: npm run bench:fairness -- [--seeds N] [--rounds R] [--learners N] [--timing-attempts N] [--quick]
                              [--sections ${SECTIONS.join(",")}] [--report <file>|none]
  --quick: 5 seeds, 200 rounds, a 40,000-attempt timing school (defaults: 20 seeds, 1,000 rounds, 200,000 attempts)`;

export function parseFairnessArgs(argv: readonly string[]): FairnessArgs {
  const opts: Record<string, string> = {};
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--quick") {
      quick = true;
      continue;
    }
    if (!a.startsWith("--")) throw new Error(`unexpected argument ${a}\n${USAGE}`);
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new Error(`${a} needs a value\n${USAGE}`);
    opts[a.slice(2)] = v;
    i++;
  }
  const known = new Set(["seeds", "rounds", "learners", "timing-attempts", "sections", "report"]);
  for (const k of Object.keys(opts)) if (!known.has(k)) throw new Error(`unknown option --${k}\n${USAGE}`);
  const int = (name: string, fallback: number, min: number): number => {
    const v = opts[name] === undefined ? fallback : Number(opts[name]);
    if (!Number.isInteger(v) || v < min) throw new Error(`--${name} must be an integer ≥ ${min}\n${USAGE}`);
    return v;
  };
  const sections = opts.sections === undefined ? [...SECTIONS] : opts.sections.split(",").map((s) => s.trim());
  const unknown = sections.filter((s) => !(SECTIONS as readonly string[]).includes(s));
  if (unknown.length) throw new Error(`unknown section(s) ${unknown.join(", ")}\n${USAGE}`);
  return {
    seeds: int("seeds", quick ? 5 : 20, 1),
    rounds: int("rounds", quick ? 200 : 1000, 1),
    learners: int("learners", 1200, 100),
    timingAttempts: int("timing-attempts", quick ? 40_000 : 200_000, 1000),
    quick,
    report: opts.report ?? "docs/benchmarks/fairness.md",
    sections: new Set(sections as Section[]),
  };
}
