/**
 * DEV TOOL: how sure is a cold-start difference? Trains the chosen models like bench:kt (train learners,
 * the same protocol and the same attempts through src/engine/evaluation.ts), then a paired bootstrap over
 * the test learners: each round resamples learners with replacement and scores every model on the same
 * resample, giving a 95 % interval of "Meta minus model" for the AUC on attempts 2–5 and 6–10.
 * It measures the uncertainty of figures already reported; it chooses nothing (no tuning on test learners).
 *
 *   npm run build && node dist/bench/meta-dev-coldstart.js --data <folder>/assist2009 [--rounds 1000] [--models …]
 */
import { resolve, basename } from "node:path";
import { initBackend } from "../src/engine/backend.js";
import { predictSequences } from "../src/engine/evaluation.js";
import { createRng } from "../src/engine/math.js";
import { auc } from "../src/engine/metrics/index.js";
import { trainers } from "../src/engine/registry.js";
import { loadKtDataset } from "./lib/data.js";

const arg = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};

async function main(): Promise<void> {
  const dataArg = arg("data");
  if (!dataArg) throw new Error("--data <folder> is required: a data set in the format of docs/benchmarks/datasets.md");
  const folder = resolve(dataArg);
  const seed = Number(arg("seed") ?? 0);
  const rounds = Number(arg("rounds") ?? 1000);
  const names = (arg("models") ?? Object.keys(trainers).join(",")).split(",");
  if (names[0] !== "meta") throw new Error("--models must start with meta (the differences are Meta minus each model)");
  await initBackend();
  const data = loadKtDataset(folder, basename(folder));
  const models = [];
  for (const name of names) {
    process.stderr.write(`training ${name}\n`);
    models.push(await trainers[name]!.fit(data.train, { seed }));
  }
  const preds = predictSequences(models, data.test.sequences);
  const { position, y } = preds[0]!;
  // Attempt indices per learner (a learner's attempts are contiguous; position 1 starts a learner).
  const learners: number[][] = [];
  for (let i = 0; i < position.length; i++) {
    if (position[i] === 1) learners.push([]);
    learners[learners.length - 1]!.push(i);
  }
  const slices = { "2–5": (k: number) => k >= 2 && k <= 5, "6–10": (k: number) => k >= 6 && k <= 10 };
  const rng = createRng(seed + 7);
  for (const [slice, keep] of Object.entries(slices)) {
    const scoreOn = (ids: number[]) => {
      const idx = ids.filter((i) => keep(position[i]!));
      const yy = idx.map((i) => y[i]!);
      return preds.map((p) =>
        auc(
          idx.map((i) => p.p[i]!),
          yy,
        ),
      );
    };
    const point = scoreOn(learners.flat());
    const diffs: number[][] = names.map(() => []);
    for (let r = 0; r < rounds; r++) {
      const sample: number[] = [];
      for (let n = 0; n < learners.length; n++) sample.push(...learners[rng.int(learners.length)]!);
      const s = scoreOn(sample);
      s.forEach((v, m) => {
        diffs[m]!.push(s[0]! - v);
      });
    }
    console.log(`\nAUC ${slice}, ${learners.length} test learners, ${rounds} bootstrap rounds (paired, over learners)`);
    console.log("| model | AUC | Meta − model | 95 % interval | rounds Meta ahead |\n|---|---|---|---|---|");
    names.forEach((name, m) => {
      const d = diffs[m]!.sort((a, b) => a - b);
      const q = (f: number) => d[Math.min(d.length - 1, Math.floor(f * d.length))]!;
      const ahead = d.filter((v) => v > 0).length / d.length;
      console.log(
        `| ${name} | ${point[m]!.toFixed(4)} | ${m === 0 ? "—" : (point[0]! - point[m]!).toFixed(4)} | ${m === 0 ? "—" : `[${q(0.025).toFixed(4)}, ${q(0.975).toFixed(4)}]`} | ${m === 0 ? "—" : `${(100 * ahead).toFixed(1)} %`} |`,
      );
    });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
