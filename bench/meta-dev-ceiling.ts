/**
 * DEV TOOL: how much can ANY model gain on the cold-start slice (attempts 2–5) from a learner's earlier
 * attempts, over Best-LR-style counts? A logistic regression on that slice alone, fitted on train
 * learners and scored on a validation split of the train learners (the same split as meta-dev --tune;
 * the test learners are never read), with three feature sets:
 *
 *   counts   item and skill difficulty (smoothed logits of the fit learners' success rates), attempt
 *            position, log(1+successes) and log(1+failures) overall and on the attempt's skill
 *   history  + the order and surprise of the earlier answers: last answer, last answer on this skill,
 *            the one before, residuals (answer − item success rate) summed overall and on this skill
 *            and the last one (the Elo / Meta update's information)
 *   oracle   + the learner's success rate on their LATER attempts (not available to any model: the
 *            upper bound of knowing the learner perfectly)
 *
 *   npm run build && node dist/bench/meta-dev-ceiling.js --data <folder>/assist2009 [--seed 0]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createRng } from "../src/engine/math.js";
import { auc } from "../src/engine/metrics/index.js";

interface Attempt {
  readonly item: string;
  readonly skill: string;
  readonly y: number;
}

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const logit = (p: number) => Math.log(p / (1 - p));
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

function load(dir: string): { sequences: Map<string, Attempt[]>; test: Set<string> } {
  const sequences = new Map<string, Attempt[]>();
  for (const line of readFileSync(join(dir, "attempts.csv"), "utf8").trim().split("\n").slice(1)) {
    const [u, item, skill, c] = line.split(",");
    let seq = sequences.get(u!);
    if (!seq) {
      seq = [];
      sequences.set(u!, seq);
    }
    seq.push({ item: item!, skill: skill!, y: c === "1" ? 1 : 0 });
  }
  return { sequences, test: new Set(readFileSync(join(dir, "test_users.txt"), "utf8").trim().split("\n")) };
}

type FeatureSet = "counts" | "history" | "oracle";

function main(): void {
  const dir = arg("data");
  if (!dir) throw new Error("--data <folder> is required: a data set in the format of docs/benchmarks/datasets.md");
  const seed = Number(arg("seed") ?? 0);
  const { sequences, test } = load(dir);
  const train = [...sequences.keys()].filter((u) => !test.has(u)).sort();
  const shuffled = createRng(seed + 1000).shuffle(train);
  const cut = Math.floor(shuffled.length * 0.2);
  const validation = shuffled.slice(0, cut).sort(),
    fit = shuffled.slice(cut).sort();

  const rate = (key: (a: Attempt) => string) => {
    const wins = new Map<string, number>(),
      n = new Map<string, number>();
    for (const u of fit)
      for (const a of sequences.get(u)!) {
        wins.set(key(a), (wins.get(key(a)) ?? 0) + a.y);
        n.set(key(a), (n.get(key(a)) ?? 0) + 1);
      }
    return { wins, n };
  };
  const items = rate((a) => a.item),
    skills = rate((a) => a.skill);
  const skillRate = (s: string) => ((skills.wins.get(s) ?? 0) + 1) / ((skills.n.get(s) ?? 0) + 2);
  const itemRate = (a: Attempt) => ((items.wins.get(a.item) ?? 0) + 5 * skillRate(a.skill)) / ((items.n.get(a.item) ?? 0) + 5);

  const rows = (learners: string[], set: FeatureSet) => {
    const X: number[][] = [],
      y: number[] = [];
    for (const u of learners) {
      const seq = sequences.get(u)!;
      for (let t = 1; t < Math.min(5, seq.length); t++) {
        const a = seq[t]!,
          before = seq.slice(0, t);
        const same = before.filter((h) => h.skill === a.skill);
        const wins = before.reduce((s, h) => s + h.y, 0),
          sameWins = same.reduce((s, h) => s + h.y, 0);
        const x = [
          1,
          logit(itemRate(a)),
          logit(skillRate(a.skill)),
          Math.log1p(wins),
          Math.log1p(t - wins),
          Math.log1p(sameWins),
          Math.log1p(same.length - sameWins),
          t,
        ];
        if (set !== "counts") {
          const residual = before.map((h) => h.y - itemRate(h));
          x.push(
            before[t - 1]!.y - 0.5,
            same.length ? same[same.length - 1]!.y - 0.5 : 0,
            t >= 2 ? before[t - 2]!.y - 0.5 : 0,
            same.length === 0 ? 1 : 0,
            residual.reduce((s, r) => s + r, 0),
            residual.reduce((s, r, j) => s + (before[j]!.skill === a.skill ? r : 0), 0),
            residual[t - 1]!,
          );
        }
        if (set === "oracle") {
          const later = seq.slice(t + 1);
          x.push(logit((later.reduce((s, h) => s + h.y, 0) + 1) / (later.length + 2)));
        }
        X.push(x);
        y.push(a.y);
      }
    }
    return { X, y };
  };

  console.log(`${fit.length} fit learners, ${validation.length} validation learners (train learners only); AUC on attempts 2–5`);
  for (const set of ["counts", "history", "oracle"] as const) {
    const tr = rows(fit, set),
      va = rows(validation, set);
    const w = fitLogistic(tr.X, tr.y);
    const score = (X: number[][]) => X.map((x) => sigmoid(x.reduce((s, v, j) => s + v * w[j]!, 0)));
    console.log(`${set.padEnd(8)} ${auc(score(va.X), va.y).toFixed(4)}  (${va.y.length} attempts)`);
  }
}

/** Plain logistic regression by Newton's method (a few features, a few thousand rows). */
function fitLogistic(X: number[][], y: number[], iterations = 25, ridge = 1e-3): number[] {
  const d = X[0]!.length;
  const w = new Array<number>(d).fill(0);
  for (let it = 0; it < iterations; it++) {
    const g = new Array<number>(d).fill(0);
    const H = Array.from({ length: d }, (_, i) => Array.from({ length: d }, (_, j) => (i === j ? ridge : 0)));
    X.forEach((x, n) => {
      const p = sigmoid(x.reduce((s, v, j) => s + v * w[j]!, 0));
      for (let i = 0; i < d; i++) {
        g[i]! += (p - y[n]!) * x[i]!;
        for (let j = 0; j < d; j++) H[i]![j]! += p * (1 - p) * x[i]! * x[j]!;
      }
    });
    for (let i = 0; i < d; i++) g[i]! += ridge * w[i]!;
    const step = solve(H, g);
    for (let i = 0; i < d; i++) w[i]! -= step[i]!;
  }
  return w;
}

/** Gaussian elimination with partial pivoting: H x = g. */
function solve(H: number[][], g: number[]): number[] {
  const n = g.length;
  const A = H.map((row, i) => [...row, g[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(A[r]![c]!) > Math.abs(A[p]![c]!)) p = r;
    [A[c], A[p]] = [A[p]!, A[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = A[r]![c]! / A[c]![c]!;
      for (let k = c; k <= n; k++) A[r]![k]! -= f * A[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = A[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= A[r]![k]! * x[k]!;
    x[r] = s / A[r]![r]!;
  }
  return x;
}

main();
