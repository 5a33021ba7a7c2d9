/**
 * DEV TOOL: does Meta's start guard (src/engine/meta/start-guard.ts) keep the meta-learned start from
 * making early predictions worse than the ablation on data unlike assist2009? Builds development sets that
 * differ from it the way issue #18's held-out sets do, trains Meta with and without the guard, the
 * ablation, IRT, Elo and Best-LR on each set's train learners, and reports AUC overall / on attempts 2–5 /
 * 6–10 with paired bootstrap intervals over the test learners (bench/lib/bootstrap.ts), plus what the
 * guard chose (on the train learners' validation split only).
 *
 * Sets:
 *   sim-long    simulator: 280 learners, 300–900 attempts each, one skill per task (few learners, long histories)
 *   sim-long-spread  the same with learners and tasks twice as spread out (first answers say more)
 *   sim-long-anywhere  few learners, long histories, 60 skills, each learner starting at a random one (so
 *               each skill's start φ₀_k is informed by the first answers of a few learners only)
 *   sim-retry   simulator: 600 learners, 30–150 attempts, 70 % immediate retries of a failed task, 40 % two-skill tasks
 *   sim-short   simulator: the default school shape at 600 learners (short histories: where a start can help)
 *   <name>-long for each --data folder: only the learners with ≥ N attempts (--min-attempts, default 150) on
 *               the folder's fixed split (a few hundred learners with long histories)
 *   <name>-few  for each --data folder: 300 train and 75 test learners drawn at random (few learners, usual histories)
 *
 *   npm run build && node dist/bench/meta-dev-start.js [--data <folder>/assist2009,<folder>/assist2015]
 *     [--sets sim-long,…,assist2015-few] [--min-attempts 150] [--rounds 500] [--seed 0]
 *     [--opt key=value …]   (Meta options for both Meta runs)
 */
import { basename, resolve } from "node:path";
import { initBackend } from "../src/engine/backend.js";
import { predictSequences } from "../src/engine/evaluation.js";
import { metaTrainer, type MetaModel } from "../src/engine/meta/index.js";
import { createRng } from "../src/engine/math.js";
import { trainers } from "../src/engine/registry.js";
import type { Catalog, Trace, TrainingSet } from "../src/engine/types.js";
import { pairedBootstrap, SLICES } from "./lib/bootstrap.js";
import { loadKtDataset } from "./lib/data.js";
import { attemptsOf, type DevSet, SIM_DEV_SETS, simDevSet } from "./lib/dev-sets.js";

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

function longOnly(set: TrainingSet, min: number, catalog: Catalog): TrainingSet {
  const sequences = new Map<string, readonly Trace[]>();
  for (const [id, seq] of set.sequences) if (seq.length >= min) sequences.set(id, seq);
  return { catalog, sequences };
}

/** `n` learners of `set` drawn by seed (all of them if it has fewer). */
function randomLearners(set: TrainingSet, n: number, seed: number): TrainingSet {
  const keep = new Set(
    createRng(seed)
      .shuffle([...set.sequences.keys()].sort())
      .slice(0, n),
  );
  return { catalog: set.catalog, sequences: new Map([...set.sequences].filter(([id]) => keep.has(id))) };
}

async function main(): Promise<void> {
  const seed = Number(arg("seed") ?? 0);
  const rounds = Number(arg("rounds") ?? 500);
  const minAttempts = Number(arg("min-attempts") ?? 150);
  const folders = (arg("data") ?? "").split(",").filter(Boolean);
  const wanted = arg("sets")?.split(",");
  await initBackend();
  const sets: (() => DevSet)[] = Object.keys(SIM_DEV_SETS).map((name) => () => simDevSet(name, seed));
  for (const folder of folders) {
    const data = loadKtDataset(resolve(folder), basename(folder));
    sets.push(() => ({
      name: `${basename(folder)}-long`,
      train: longOnly(data.train, minAttempts, data.catalog),
      test: longOnly(data.test, minAttempts, data.catalog),
    }));
    sets.push(() => ({
      name: `${basename(folder)}-few`,
      train: randomLearners(data.train, 300, seed + 1),
      test: randomLearners(data.test, 75, seed + 2),
    }));
  }
  // --opt key=value (repeatable): Meta options for both Meta runs (development of the guard's defaults).
  const opts: Record<string, number | string> = {};
  process.argv.forEach((a, i) => {
    if (process.argv[i - 1] === "--opt") {
      const [k, v] = a.split("=");
      opts[k!] = Number.isNaN(Number(v)) ? v! : Number(v);
    }
  });
  const names = ["meta", "meta-unguarded", "ablation", "irt", "elo", "bestlr"];
  for (const make of sets) {
    const set = make();
    if (wanted && !wanted.includes(set.name)) continue;
    const lengths = [...set.train.sequences.values(), ...set.test.sequences.values()].map((s) => s.length).sort((a, b) => a - b);
    console.log(
      `\n## ${set.name}: ${set.train.sequences.size} train learners (${attemptsOf(set.train)} attempts), ${set.test.sequences.size} test learners (${attemptsOf(set.test)}), median ${lengths[Math.floor(lengths.length / 2)]} attempts a learner`,
    );
    const models = [];
    for (const name of names) {
      const t0 = Date.now();
      const model =
        name === "meta-unguarded"
          ? await metaTrainer.fit(set.train, { seed, ...opts, startGuard: "off" })
          : name === "meta"
            ? await metaTrainer.fit(set.train, { seed, ...opts })
            : await trainers[name]!.fit(set.train, { seed });
      process.stderr.write(`${set.name}: ${name} trained in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
      models.push(model);
    }
    const meta = models[0] as MetaModel;
    const start = meta.start;
    const rms = (a: Float64Array) => Math.sqrt(a.reduce((t, v) => t + v * v, 0) / a.length);
    console.log(
      `\nMeta ${JSON.stringify(opts)}: φ₀_0 ${meta.params.phi0[0]!.toFixed(3)}, rms φ₀_k ${rms(meta.params.phi0.subarray(1)).toFixed(3)}, κ [${[...meta.params.boost].map((v) => v.toFixed(3))}], α_0 ${meta.params.alpha[0]!.toFixed(3)}, b [${[...meta.params.decay].map((v) => v.toFixed(3))}], ψ [${[...meta.params.recent].map((v) => v.toFixed(3))}]`,
    );
    console.log(
      `\nguard: chose **${start.chosen}** on ${start.validationLearners} validation learners (${start.earlyAttempts} attempts 2–10)`,
    );
    console.log("\n| start | early loss (2–10) | overall loss | early gain (Σ) | se |\n|---|---|---|---|---|");
    for (const c of start.candidates)
      console.log(
        `| ${c.kind} | ${c.earlyLoss.toFixed(4)} | ${c.overallLoss.toFixed(4)} | ${c.earlyGain.toFixed(2)} | ${c.earlyGainSe.toFixed(2)} |`,
      );
    const preds = predictSequences(models, set.test.sequences);
    const tables = pairedBootstrap(names, preds, SLICES, rounds, seed + 7);
    // One table: each slice's AUC, and Meta (guarded) minus the model with its 95 % paired interval.
    const f = (x: number) => x.toFixed(4);
    const sliceNames = Object.keys(tables);
    console.log(`\nAUC; meta − model [95 % interval] (${rounds} paired bootstrap rounds over the test learners)\n`);
    console.log(`| model | ${sliceNames.join(" | ")} |\n|---|${sliceNames.map(() => "---|").join("")}`);
    names.forEach((name, m) => {
      const cells = sliceNames.map((sl) => {
        const r = tables[sl]![m]!;
        return m === 0 ? f(r.auc) : `${f(r.auc)}; ${r.diff >= 0 ? "+" : ""}${f(r.diff)} [${f(r.lo)}, ${f(r.hi)}]`;
      });
      console.log(`| ${name} | ${cells.join(" | ")} |`);
    });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
