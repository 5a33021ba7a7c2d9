/**
 * `npm run bench:kt-features -- --data <folder>/assist2009,<folder>/assist2015 [--sim sim-retry]
 *                               [--variants repeat,taskCounts,lastOutcome,skillGap,lastOutcome+skillGap]
 *                               [--base none] [--rounds 500] [--seed 0] [--task-memory 8]`
 *
 * Meta's history features (src/engine/meta/equations.ts, "History features"), measured one by one: on
 * each set, Meta is trained on the train learners with a base set of features (--base: "none", or
 * features joined by +) and with each variant (features joined by +; "-f" removes f from the base), all
 * with the same seed and options otherwise, and every test attempt predicted online (the benchmark's
 * protocol, docs/benchmarks/datasets.md). Each variant's AUC minus the base's, overall (first attempt
 * excluded) and on attempts 2–5 and 6–10, with a 95 % paired bootstrap interval over the test learners
 * (bench/lib/bootstrap.ts), and the training's CPU seconds. The interval covers the test learners'
 * sampling, not the training's seed.
 *
 * --sim adds the simulator's development sets (bench/meta-dev-start.ts's shapes): sim-retry (70 %
 * immediate retries of a failed task, 40 % multi-skill tasks) and sim-short (no retries).
 * Prints markdown; the record is docs/benchmarks/kt-features.md.
 */
import { cpus } from "node:os";
import { basename, resolve } from "node:path";
import { initBackend } from "../src/engine/backend.js";
import { predictSequences } from "../src/engine/evaluation.js";
import { HISTORY_FEATURES, type HistoryFeature } from "../src/engine/meta/equations.js";
import { type MetaModel, metaTrainer } from "../src/engine/meta/index.js";
import { pairedBootstrap, SLICES } from "./lib/bootstrap.js";
import { loadKtDataset } from "./lib/data.js";
import { attemptsOf, type DevSet, SIM_DEV_SETS, simDevSet } from "./lib/dev-sets.js";
import { gitCommit } from "./lib/git.js";

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

/** "a+b" → [a, b] over `base` ("-a" removes a); each name checked. */
function featureSet(spec: string, base: readonly HistoryFeature[]): HistoryFeature[] {
  const out = new Set<HistoryFeature>(base);
  for (const part of spec.split("+").filter((s) => s && s !== "none")) {
    const name = part.replace(/^-/, "") as HistoryFeature;
    if (!HISTORY_FEATURES.includes(name)) throw new Error(`unknown history feature ${name} (${HISTORY_FEATURES.join(", ")})`);
    if (part.startsWith("-")) out.delete(name);
    else out.add(name);
  }
  return HISTORY_FEATURES.filter((f) => out.has(f));
}

async function main(): Promise<void> {
  const seed = Number(arg("seed") ?? 0);
  const rounds = Number(arg("rounds") ?? 500);
  const taskMemory = Number(arg("task-memory") ?? 8);
  const base = featureSet(arg("base") ?? "none", []);
  const variants = (arg("variants") ?? [...HISTORY_FEATURES, "lastOutcome+skillGap"].join(",")).split(",").filter(Boolean);
  const folders = (arg("data") ?? "").split(",").filter(Boolean);
  const sims = (arg("sim") ?? "").split(",").filter(Boolean);
  await initBackend();
  const cpu = cpus();
  console.log(`# History features of Meta\n`);
  console.log(`- command: \`npm run bench:kt-features -- ${process.argv.slice(2).join(" ")}\``);
  console.log(`- code: commit ${gitCommit()}`);
  console.log(`- date: ${new Date().toISOString()}`);
  console.log(
    `- machine: ${cpu.length} cores (${cpu[0]?.model ?? "unknown cpu"}), Node ${process.version}, ${process.platform}/${process.arch}`,
  );
  console.log(`- seed ${seed}, ${rounds} paired bootstrap rounds over the test learners, taskMemory ${taskMemory}`);
  console.log(`- base: Meta with ${base.length === 0 ? "no history feature" : base.join(" + ")}`);

  const sets: (() => DevSet)[] = [];
  for (const folder of folders) {
    sets.push(() => {
      const data = loadKtDataset(resolve(folder), basename(folder));
      return { name: basename(folder), train: data.train, test: data.test };
    });
  }
  for (const name of sims) {
    if (!SIM_DEV_SETS[name]) throw new Error(`unknown simulated set ${name} (${Object.keys(SIM_DEV_SETS).join(", ")})`);
    sets.push(() => simDevSet(name, seed));
  }

  for (const make of sets) {
    const set = make();
    console.log(
      `\n## ${set.name}: ${set.train.sequences.size} train learners (${attemptsOf(set.train)} attempts), ${set.test.sequences.size} test learners (${attemptsOf(set.test)})\n`,
    );
    const train = async (features: readonly HistoryFeature[]) => {
      const model = (await metaTrainer.fit(set.train, { seed, historyFeatures: features, taskMemory })) as MetaModel;
      process.stderr.write(
        `${set.name} [${features.join("+") || "none"}]: cpu ${model.report!.cpuSeconds.toFixed(1)} s, epochs ${model.report!.epochs}\n`,
      );
      return model;
    };
    const baseModel = await train(base);
    const runs: { name: string; model: MetaModel }[] = [];
    for (const v of variants) runs.push({ name: v, model: await train(featureSet(v, base)) });
    const preds = predictSequences([baseModel, ...runs.map((r) => r.model)], set.test.sequences);
    const f = (x: number) => x.toFixed(4);
    const sliceNames = Object.keys(SLICES);
    console.log(`| features | ${sliceNames.map((s) => `AUC ${s} | Δ [95 %]`).join(" | ")} | train CPU s | epochs | weights ω |`);
    console.log(`|---|${sliceNames.map(() => "---|---|").join("")}---|---|---|`);
    const weights = (m: MetaModel) => [...m.params.history].map((w) => w.toFixed(3)).join(", ");
    const row = (name: string, m: MetaModel, cells: string[]) =>
      console.log(`| ${name} | ${cells.join(" | ")} | ${m.report!.cpuSeconds.toFixed(1)} | ${m.report!.epochs} | ${weights(m)} |`);
    // Each variant first: its diff is variant − base, the interval from the same resampled learners.
    const tables = runs.map((r, i) => pairedBootstrap([r.name, "base"], [preds[i + 1]!, preds[0]!], SLICES, rounds, seed + 7));
    if (tables.length > 0) {
      row(
        `base (${base.join("+") || "none"})`,
        baseModel,
        sliceNames.flatMap((s) => [f(tables[0]![s]![1]!.auc), "—"]),
      );
    }
    runs.forEach((r, i) => {
      row(
        r.name,
        r.model,
        sliceNames.flatMap((s) => {
          const [v, b] = tables[i]![s]!;
          return [f(v!.auc), `${b!.diff >= 0 ? "+" : ""}${f(b!.diff)} [${f(b!.lo)}, ${f(b!.hi)}]`];
        }),
      );
    });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
