/**
 * DEV TOOL: how sure is a cold-start difference? Trains the chosen models like bench:kt (train learners,
 * the same protocol and the same attempts through src/engine/evaluation.ts), then a paired bootstrap over
 * the test learners (bench/lib/bootstrap.ts): each round resamples learners with replacement and scores
 * every model on the same resample, giving a 95 % interval of "Meta minus model" for the AUC on attempts
 * 2–5 and 6–10. It measures the uncertainty of figures already reported; it chooses nothing (no tuning on
 * test learners).
 *
 *   npm run build && node dist/bench/meta-dev-coldstart.js --data <folder>/assist2009 [--rounds 1000] [--models …]
 */
import { resolve, basename } from "node:path";
import { initBackend } from "../src/engine/backend.js";
import { predictSequences } from "../src/engine/evaluation.js";
import { trainers } from "../src/engine/registry.js";
import { bootstrapTable, pairedBootstrap, SLICES } from "./lib/bootstrap.js";
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
  const slices = { "2–5": SLICES["2–5"]!, "6–10": SLICES["6–10"]! };
  const tables = pairedBootstrap(names, preds, slices, rounds, seed + 7);
  for (const [slice, rows] of Object.entries(tables)) {
    console.log(`\nAUC ${slice}, ${data.test.sequences.size} test learners, ${rounds} bootstrap rounds (paired, over learners)`);
    console.log(bootstrapTable(rows, "Meta"));
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
