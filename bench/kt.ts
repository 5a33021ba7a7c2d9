/**
 * `npm run bench:kt -- --data <folder> [--json <file>] [--models …] [--seed N] [--train-fractions …]`
 *
 * Trains every chosen model on the train learners of a data folder and scores its predictions on the
 * test learners under the engine's shared protocol (src/engine/evaluation.ts, the one the nightly
 * retraining uses too); prints the table and writes
 * docs/benchmarks/kt-<set>.md (and the JSON when asked).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { basename, dirname, resolve } from "node:path";
import { cpus, loadavg } from "node:os";
import { initBackend, backendStatus } from "../src/engine/backend.js";
import { trainers } from "../src/engine/registry.js";
import { createRng } from "../src/engine/math.js";
import type { Trace, TrainingSet } from "../src/engine/types.js";
import { parseKtArgs } from "./lib/args.js";
import { loadKtDataset } from "./lib/data.js";
import { predictSequences, scorePredictions } from "../src/engine/evaluation.js";
import { createProgressBar } from "./lib/progress.js";
import { gitCommit } from "./lib/git.js";
import type { StartChoice } from "../src/engine/meta/index.js";
import { renderMarkdown, resultsTable, toJson, type BenchReport, type ModelResult, type ScalingRow } from "./lib/report.js";

const seconds = (start: bigint) => Number(process.hrtime.bigint() - start) / 1e9;
const count = (set: TrainingSet) => [...set.sequences.values()].reduce((n, s) => n + s.length, 0);

/** A seeded random fraction of the train learners (the same learners for every model). */
function subsample(train: TrainingSet, fraction: number, seed: number): TrainingSet {
  if (fraction >= 1) return train;
  const ids = createRng(seed).shuffle([...train.sequences.keys()]);
  const keep = new Set(ids.slice(0, Math.max(1, Math.round(fraction * ids.length))));
  const sequences = new Map<string, readonly Trace[]>();
  for (const [id, seq] of train.sequences) if (keep.has(id)) sequences.set(id, seq);
  return { catalog: train.catalog, sequences };
}

/** Epochs of each run of a model that reports them (Meta and its ablation), for the report. */
interface EpochRow {
  readonly run: string;
  readonly attempts: number;
  readonly epochs: number;
  readonly bestEpoch: number;
}
const epochRows: EpochRow[] = [];

/** What Meta's start guard chose in each run (src/engine/meta/start-guard.ts), for the report. */
interface StartRow {
  readonly run: string;
  readonly start: StartChoice;
}
const startRows: StartRow[] = [];

async function trainAndScore(name: string, train: TrainingSet, test: TrainingSet, seed: number, label: string): Promise<ModelResult> {
  const trainer = trainers[name]!;
  const bar = createProgressBar(`${label} train`);
  const t0 = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const model = await trainer.fit(train, { seed, onProgress: (f, m) => bar.update(f, m) });
  const train_s = seconds(t0);
  const cpu = process.cpuUsage(cpu0);
  const train_cpu_s = (cpu.user + cpu.system) / 1e6; // CPU time: steadier than wall time on a shared machine
  bar.done(`${train_s.toFixed(1)}s`);
  const report = (model as { report?: { epochs?: number; bestEpoch?: number } }).report;
  const start = (model as { start?: StartChoice }).start;
  if (name === "meta" && start) startRows.push({ run: label, start });
  if (report?.epochs !== undefined)
    epochRows.push({ run: label, attempts: count(train), epochs: report.epochs, bestEpoch: report.bestEpoch ?? report.epochs });
  const pbar = createProgressBar(`${label} predict`);
  const t1 = process.hrtime.bigint();
  const [predictions] = predictSequences([model], test.sequences, (f) => pbar.update(f));
  const predict_s = seconds(t1);
  pbar.done(`${predict_s.toFixed(1)}s`);
  return { ...scorePredictions(predictions!), train_s, train_cpu_s, predict_s };
}

async function main(): Promise<void> {
  const args = parseKtArgs(process.argv.slice(2));
  const names = args.models ?? Object.keys(trainers);
  const unknown = names.filter((n) => !(n in trainers));
  if (unknown.length) throw new Error(`unknown model(s) ${unknown.join(", ")}; available: ${Object.keys(trainers).join(", ")}`);
  const folder = resolve(args.data);
  const dataset = basename(folder);
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(", ");
  const backend = await initBackend();
  const status = backendStatus();
  for (const w of status.warnings) process.stderr.write(`backend: ${w}\n`);
  process.stderr.write(`backend: ${backend}\n`);

  const data = loadKtDataset(folder, dataset);
  process.stderr.write(
    `${dataset}: ${data.train.sequences.size} train learners, ${data.test.sequences.size} test learners, ${data.catalog.tasks.length} tasks, ${data.catalog.skillIds.length} skills\n`,
  );

  // Untimed warm-up: the first training in a process also pays for compiling the wasm kernels and the
  // JIT; a fit of every model on a few learners takes that one-time cost out of the timed figures.
  const warmUp = subsample(data.train, 0.02, args.seed + 1);
  for (const name of names) await trainers[name]!.fit(warmUp, { seed: args.seed });
  process.stderr.write(`warm-up: every model fitted once on ${warmUp.sequences.size} learners (untimed)\n`);

  const models: Record<string, ModelResult> = {};
  for (const name of names) {
    models[name] = await trainAndScore(name, data.train, data.test, args.seed, name);
    process.stderr.write(`${name}: AUC ${models[name]!.auc.toFixed(4)}\n`);
  }

  const scaling: ScalingRow[] = [];
  for (const name of args.fractionModels.filter((n) => names.includes(n))) {
    for (const fraction of args.trainFractions) {
      const train = subsample(data.train, fraction, args.seed);
      const r = fraction >= 1 ? models[name]! : await trainAndScore(name, train, data.test, args.seed, `${name} @${fraction}`);
      scaling.push({
        model: name,
        fraction,
        learners: train.sequences.size,
        attempts: count(train),
        train_s: r.train_s,
        train_cpu_s: r.train_cpu_s,
        auc: r.auc,
      });
    }
  }

  const cpu = cpus();
  const report: BenchReport = {
    dataset,
    backend,
    backendWarnings: status.warnings,
    command: `npm run bench:kt -- ${process.argv.slice(2).join(" ")}`,
    commit: gitCommit(),
    date: new Date().toISOString(),
    machine: `${cpu.length} cores (${cpu[0]?.model ?? "unknown cpu"}), Node ${process.version}, ${process.platform}/${process.arch}`,
    seed: args.seed,
    trainLearners: data.train.sequences.size,
    trainAttempts: count(data.train),
    testLearners: data.test.sequences.size,
    testAttempts: count(data.test),
    tasks: data.catalog.tasks.length,
    skills: data.catalog.skillIds.length,
    qMatrix: data.hasQMatrix,
    models,
    scaling,
  };
  process.stdout.write(`\n${dataset} (backend ${backend})\n\n${resultsTable(models)}\n`);
  const reportPath = args.report ?? `docs/benchmarks/kt-${dataset}.md`;
  if (reportPath !== "none") {
    mkdirSync(dirname(reportPath), { recursive: true });
    writeFileSync(reportPath, renderMarkdown(report) + runNotes(load));
    process.stdout.write(`\nreport: ${reportPath}\n`);
  }
  if (args.json) {
    mkdirSync(dirname(resolve(args.json)), { recursive: true });
    writeFileSync(args.json, `${JSON.stringify(toJson(report), null, 2)}\n`);
    process.stdout.write(`json: ${args.json}\n`);
  }
}

/** What the shared report renderer does not show: the machine's load and the epochs of each run. */
function runNotes(load: string): string {
  const rows = epochRows.map((r) => `| ${r.run} | ${r.attempts} | ${r.epochs} | ${r.bestEpoch} |`);
  return [
    "",
    `Load average (1, 5, 15 min) when the benchmark started: ${load} (${cpus().length} cores). Before the timed runs every model was fitted once, untimed, on 2 % of the train learners (the first training in a process otherwise also pays for compiling the wasm kernels).`,
    "",
    ...(rows.length
      ? [
          "Epochs of the Meta and ablation trainings (at most `maxEpochs`; early stopping on held-out train learners may end sooner):",
          "",
          "| run | train attempts | epochs | best epoch |",
          "|---|---|---|---|",
          ...rows,
          "",
        ]
      : []),
    ...(startRows.length
      ? [
          "Meta's start guard ([kt-start-guard.md](kt-start-guard.md)): the start kept after training, chosen on the early-stopping validation split of the train learners (mean log loss on their attempts 2–10; gain: Σ over learners of the loss saved against the learned start, with its standard error):",
          "",
          "| run | validation learners | chosen | learned | no-boost | shrunk | neutral | fixed-step |",
          "|---|---|---|---|---|---|---|---|",
          ...startRows.map(
            (r) =>
              `| ${r.run} | ${r.start.validationLearners} | ${r.start.chosen} | ${r.start.candidates
                .map((c) =>
                  c.kind === "learned"
                    ? c.earlyLoss.toFixed(4)
                    : `${c.earlyLoss.toFixed(4)} (gain ${c.earlyGain.toFixed(1)} ± ${c.earlyGainSe.toFixed(1)})`,
                )
                .join(" | ")} |`,
          ),
          "",
        ]
      : []),
  ].join("\n");
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 1;
});
