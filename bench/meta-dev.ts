/**
 * DEV TOOL (not the benchmark): a quick evaluation of the Meta model and its ablation on a data folder
 * in the benchmark format, under the benchmark's protocol (train on the train learners; predict each
 * test attempt from the learner's earlier attempts; shared parameters frozen). `npm run bench:kt` is
 * the real harness; this exists to iterate on the model.
 *
 *   npm run build && node dist/bench/meta-dev.js --data <folder>/assist2009 [--models meta,ablation]
 *     [--fraction 0.5] [--seed 0] [--tune] [--opt key=value ...]
 *
 * --tune evaluates on a validation split of the TRAIN learners instead of the test learners.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { backendStatus, initBackend } from "../src/engine/backend.js";
import { createRng } from "../src/engine/math.js";
import { ablationTrainer, metaTrainer, type MetaModel } from "../src/engine/meta/index.js";
import { auc, logLoss } from "../src/engine/metrics/index.js";
import type { Catalog, Trace, TrainingSet } from "../src/engine/types.js";

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

function load(dir: string): { catalog: Catalog; sequences: Map<string, Trace[]>; test: Set<string> } {
  const lines = readFileSync(join(dir, "attempts.csv"), "utf8").trim().split("\n").slice(1);
  const sequences = new Map<string, Trace[]>();
  const attemptSkill = new Map<string, string>();
  for (const line of lines) {
    const [u, i, s, c] = line.split(",");
    let seq = sequences.get(u!);
    if (!seq) {
      seq = [];
      sequences.set(u!, seq);
    }
    seq.push({ learnerId: u!, taskId: i!, correct: c === "1" ? 1 : 0 });
    attemptSkill.set(i!, s!);
  }
  const skills = new Map<string, string[]>();
  try {
    for (const line of readFileSync(join(dir, "items.csv"), "utf8").trim().split("\n").slice(1)) {
      const [i, s] = line.split(",");
      skills.set(i!, s!.split(";"));
    }
  } catch {
    for (const [i, s] of attemptSkill) skills.set(i, [s]);
  }
  const skillIds = [...new Set([...skills.values()].flat())].sort();
  const catalog: Catalog = {
    skillIds,
    tasks: [...skills].map(([taskId, ss]) => ({ taskId, skills: ss.map((skillId) => ({ skillId, weight: 1 })) })),
  };
  const test = new Set(readFileSync(join(dir, "test_users.txt"), "utf8").trim().split("\n"));
  return { catalog, sequences, test };
}

function evaluate(model: MetaModel, sequences: Map<string, Trace[]>, learners: string[]) {
  const p: number[] = [],
    y: number[] = [],
    pos: number[] = [];
  const started = Date.now();
  for (const u of learners) {
    let state = model.initialState();
    sequences.get(u)!.forEach((trace, n) => {
      p.push(model.predict(state, trace.taskId));
      y.push(trace.correct);
      pos.push(n + 1);
      state = model.update(state, trace);
    });
  }
  const pick = (f: (n: number) => boolean) => {
    const pp: number[] = [],
      yy: number[] = [];
    pos.forEach((n, j) => {
      if (f(n)) {
        pp.push(p[j]!);
        yy.push(y[j]!);
      }
    });
    return [pp, yy] as const;
  };
  const [pe, ye] = pick((n) => n > 1);
  return {
    auc: auc(pe, ye),
    logloss: logLoss(pe, ye),
    auc_all: auc(p, y),
    auc_2_5: auc(...pick((n) => n >= 2 && n <= 5)),
    auc_6_10: auc(...pick((n) => n >= 6 && n <= 10)),
    predict_s: (Date.now() - started) / 1000,
  };
}

async function main() {
  const dir = arg("data");
  if (!dir) throw new Error("--data <folder> is required: a data set in the format of docs/benchmarks/datasets.md");
  const seed = Number(arg("seed") ?? 0);
  const fraction = Number(arg("fraction") ?? 1);
  const models = (arg("models") ?? "meta,ablation").split(",");
  const opts: Record<string, number | string> = {};
  process.argv.forEach((a, i) => {
    if (process.argv[i - 1] === "--opt") {
      const [k, v] = a.split("=");
      opts[k!] = Number.isNaN(Number(v)) ? v! : Number(v);
    }
  });
  await initBackend();
  const { catalog, sequences, test } = load(dir);
  let train = [...sequences.keys()].filter((u) => !test.has(u)).sort();
  let evalSet = [...test].filter((u) => sequences.has(u)).sort();
  if (process.argv.includes("--tune")) {
    const shuffled = createRng(seed + 1000).shuffle(train);
    const cut = Math.floor(shuffled.length * 0.2);
    evalSet = shuffled.slice(0, cut).sort();
    train = shuffled.slice(cut).sort();
  }
  if (fraction < 1)
    train = createRng(seed)
      .shuffle(train)
      .slice(0, Math.round(train.length * fraction))
      .sort();
  const data: TrainingSet = { catalog, sequences: new Map(train.map((u) => [u, sequences.get(u)!])) };
  console.log(
    `backend ${backendStatus().name}; ${train.length} train learners, ${evalSet.length} ${process.argv.includes("--tune") ? "validation" : "test"} learners; options ${JSON.stringify(opts)}`,
  );
  for (const name of models) {
    const trainer = name === "meta" ? metaTrainer : ablationTrainer;
    const t0 = Date.now();
    const model = (await trainer.fit(data, { seed, ...opts })) as MetaModel;
    const train_s = (Date.now() - t0) / 1000;
    const r = evaluate(model, sequences, evalSet);
    const f = (x: number) => x.toFixed(4);
    console.log(
      `${name.padEnd(9)} auc ${f(r.auc)} auc_all ${f(r.auc_all)} ll ${f(r.logloss)} 2-5 ${f(r.auc_2_5)} 6-10 ${f(r.auc_6_10)} train ${train_s.toFixed(1)}s (cpu ${model.report!.cpuSeconds.toFixed(1)}s, epochs ${model.report!.epochs}, best ${model.report!.bestEpoch}) predict ${r.predict_s.toFixed(1)}s`,
    );
    if (name === "meta")
      console.log(
        `  start guard: ${model.start.chosen} (${model.start.candidates.map((c) => `${c.kind} ${c.earlyLoss.toFixed(4)}`).join(", ")})`,
      );
    const p = model.params;
    console.log(
      `  global ${[...p.global].map(f)} decay ${[...p.decay].map(f)} alpha0 ${f(p.alpha[0]!)} alpha_k mean ${f(p.alpha.slice(1).reduce((a, b) => a + b, 0) / (p.alpha.length - 1))} phi0_0 ${f(p.phi0[0]!)} boost ${[...p.boost].map(f)} recent ${[...p.recent].map(f)}`,
    );
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
