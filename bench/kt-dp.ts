/**
 * `npm run bench:kt-dp -- --data <folder> [--epsilons inf,8,4,1] [--seed N] [--clip C] [--sampling-rate q]
 *                        [--epochs E] [--task-offsets true|false] [--offset-floor k] [--validate true] [--rounds R] [--report <file>|none]`
 *
 * Meta trained with user-level differential privacy (DP-SGD, src/engine/meta/dp-sgd.ts) at each ε, against
 * the same model trained without privacy, on the train learners of a data folder; scored on its test
 * learners under the protocol of bench:kt (src/engine/evaluation.ts). "inf" is DP-SGD with clipping and no
 * noise (σ = 0). Paired bootstrap intervals over test learners: non-private minus each private model.
 * Prints the markdown section of one data set, and writes it to the --report file when given.
 */
import { writeFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { cpus } from "node:os";
import { initBackend } from "../src/engine/backend.js";
import { predictSequences, type Predictions, scorePredictions } from "../src/engine/evaluation.js";
import { metaTrainer, type MetaModel, type MetaOptions } from "../src/engine/meta/index.js";
import type { TrainingSet } from "../src/engine/types.js";
import { createRng } from "../src/engine/math.js";
import { bootstrapTable, pairedBootstrap, SLICES } from "./lib/bootstrap.js";
import { loadKtDataset } from "./lib/data.js";
import { gitCommit } from "./lib/git.js";
import { createProgressBar } from "./lib/progress.js";

const USAGE =
  "usage: npm run bench:kt-dp -- --data <folder> [--epsilons inf,8,4,1] [--seed N] [--clip C] [--sampling-rate q] [--epochs E] [--task-offsets true|false] [--offset-floor k] [--validate true] [--rounds R] [--report <file>|none]";

function parseArgs(argv: readonly string[]): Record<string, string> {
  const opts: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const k = argv[i]!,
      v = argv[i + 1];
    if (!k.startsWith("--") || v === undefined) throw new Error(USAGE);
    opts[k.slice(2)] = v;
  }
  const known = new Set([
    "data",
    "epsilons",
    "seed",
    "clip",
    "sampling-rate",
    "epochs",
    "task-offsets",
    "offset-floor",
    "validate",
    "rounds",
    "report",
  ]);
  for (const k of Object.keys(opts)) if (!known.has(k)) throw new Error(`unknown option --${k}\n${USAGE}`);
  if (!opts.data) throw new Error(`--data is required\n${USAGE}`);
  return opts;
}

interface Run {
  readonly name: string;
  readonly epsilon: number | null;
  readonly sigma: number | null;
  readonly steps: number | null;
  readonly clippedShare: number | null;
  readonly auc: number;
  readonly trainSeconds: number;
  readonly cpuSeconds: number;
  readonly predictions: Predictions;
}

async function run(name: string, train: TrainingSet, test: TrainingSet, options: Partial<MetaOptions> & { seed: number }): Promise<Run> {
  const bar = createProgressBar(`${name} train`);
  const model = (await metaTrainer.fit(train, { ...options, onProgress: (f, m) => bar.update(f, m) })) as MetaModel;
  const report = model.report!;
  bar.done(`${report.seconds.toFixed(1)}s`);
  const [predictions] = predictSequences([model], test.sequences);
  const auc = scorePredictions(predictions!).auc;
  const p = report.privacy;
  process.stderr.write(
    `${name}: AUC ${auc.toFixed(4)}, ${report.seconds.toFixed(1)} s${p ? `, ε ${p.epsilon.toFixed(3)} σ ${p.noiseMultiplier.toFixed(3)} T ${p.steps} clipped ${(100 * p.clippedShare).toFixed(0)} %` : ""}\n`,
  );
  return {
    name,
    epsilon: p ? p.epsilon : null,
    sigma: p ? p.noiseMultiplier : null,
    steps: p ? p.steps : null,
    clippedShare: p ? p.clippedShare : null,
    auc,
    trainSeconds: report.seconds,
    cpuSeconds: report.cpuSeconds,
    predictions: predictions!,
  };
}

function validationSplit(train: TrainingSet, seed: number): { train: TrainingSet; test: TrainingSet } {
  const ids = createRng(seed + 7).shuffle([...train.sequences.keys()].sort());
  const cut = Math.round(0.2 * ids.length);
  const pick = (part: string[]) => ({ catalog: train.catalog, sequences: new Map(part.map((id) => [id, train.sequences.get(id)!])) });
  return { test: pick(ids.slice(0, cut)), train: pick(ids.slice(cut)) };
}

async function main(): Promise<void> {
  const opts = parseArgs(process.argv.slice(2));
  const seed = Number(opts.seed ?? 0);
  const rounds = Number(opts.rounds ?? 200);
  const epsilons = (opts.epsilons ?? "inf,8,4,1").split(",").map((s) => (s.trim() === "inf" ? Infinity : Number(s)));
  if (epsilons.some((e) => !(e > 0))) throw new Error(`--epsilons must be positive numbers or inf\n${USAGE}`);
  const folder = resolve(opts.data!);
  const dataset = basename(folder);
  const backend = await initBackend();
  const loaded = loadKtDataset(folder, dataset);
  // --validate true: scored on a seeded 20 % of the train learners, trained on the rest (for choosing
  // the privacy options without looking at the test learners).
  const data = opts.validate === "true" ? { ...loaded, ...validationSplit(loaded.train, seed) } : loaded;
  const N = data.train.sequences.size;
  process.stderr.write(`${dataset}: ${N} train learners, ${data.test.sequences.size} test learners (backend ${backend})\n`);
  const privacy = {
    ...(opts.clip ? { clipNorm: Number(opts.clip) } : {}),
    ...(opts["sampling-rate"] ? { samplingRate: Number(opts["sampling-rate"]) } : {}),
    ...(opts.epochs ? { epochs: Number(opts.epochs) } : {}),
    ...(opts["task-offsets"] ? { trainTaskOffsets: opts["task-offsets"] === "true" } : {}),
    ...(opts["offset-floor"] ? { offsetNoiseFloor: Number(opts["offset-floor"]) } : {}),
  };

  const runs: Run[] = [await run("non-private", data.train, data.test, { seed })];
  for (const e of epsilons) {
    const name = Number.isFinite(e) ? `DP ε = ${e}` : "DP ε = ∞ (σ = 0)";
    const p = Number.isFinite(e) ? { ...privacy, targetEpsilon: e } : { ...privacy, noiseMultiplier: 0 };
    runs.push(await run(name, data.train, data.test, { seed, privacy: p as MetaOptions["privacy"] }));
  }
  const boot = pairedBootstrap(
    runs.map((r) => r.name),
    runs.map((r) => r.predictions),
    SLICES,
    rounds,
    seed,
  );
  const f = (x: number | null, d = 3) => (x === null ? "—" : Number.isFinite(x) ? x.toFixed(d) : "∞");
  const table = [
    "| training | ε (δ = 1/N) | σ | steps | clipped learners | AUC (excl. 1st) | train s (wall) | train s (CPU) |",
    "|---|---|---|---|---|---|---|---|",
    ...runs.map(
      (r) =>
        `| ${r.name} | ${r.epsilon === null ? "—" : f(r.epsilon, 2)} | ${f(r.sigma)} | ${r.steps ?? "—"} | ${r.clippedShare === null ? "—" : `${(100 * r.clippedShare).toFixed(0)} %`} | ${r.auc.toFixed(4)} | ${r.trainSeconds.toFixed(1)} | ${r.cpuSeconds.toFixed(1)} |`,
    ),
  ].join("\n");
  const cpu = cpus();
  const section = [
    `## ${dataset}${opts.validate === "true" ? " (validation split of the train learners)" : ""}`,
    "",
    `${N} train learners (N), ${data.test.sequences.size} test learners; seed ${seed}; privacy options ${JSON.stringify(privacy)} over the defaults.`,
    "",
    table,
    "",
    `Paired bootstrap over test learners (${rounds} rounds), non-private minus each:`,
    "",
    ...Object.entries(boot).flatMap(([slice, rows]) => [`Attempts ${slice}:`, "", bootstrapTable(rows, "non-private"), ""]),
    `Command: \`npm run bench:kt-dp -- ${process.argv.slice(2).join(" ")}\`; commit ${gitCommit()}; ${cpu.length} cores, Node ${process.version}; ${new Date().toISOString().slice(0, 10)}.`,
    "",
  ].join("\n");
  process.stdout.write(`\n${section}\n`);
  if (opts.report && opts.report !== "none") writeFileSync(opts.report, section);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
