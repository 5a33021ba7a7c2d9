/**
 * `npm run bench:engine` — the engine's hot paths, measured on a trained Meta model:
 *
 *   - the online update per attempt (model.update: predict, gradient step, new state), target ≤ 50 µs;
 *   - predicting 2,000 candidate tasks for one learner (model.predictMany), target ≤ 5 ms.
 *
 * The model is trained on a simulated school (src/engine/simulator) with 2,000 tasks, so that the
 * candidate set is the whole catalogue. Each figure is measured in several rounds after a warm-up;
 * the table gives the median round and the slowest round. Prints the table and writes
 * docs/benchmarks/engine.md.
 *
 *   npm run bench:engine [-- --seed N --rounds R --out docs/benchmarks/engine.md]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname } from "node:path";
import { performance } from "node:perf_hooks";
import { backendStatus, initBackend } from "../src/engine/backend.js";
import { type MetaModel, metaTrainer } from "../src/engine/meta/index.js";
import { simulateSchool, splitLearners } from "../src/engine/simulator/index.js";
import type { LearnerState, Trace } from "../src/engine/types.js";

const UPDATE_TARGET_US = 50;
const PREDICT_TARGET_MS = 5;
const CANDIDATES = 2000;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main() {
  const seed = Number(arg("seed", "1"));
  const rounds = Number(arg("rounds", "7"));
  const out = arg("out", "docs/benchmarks/engine.md");
  const load = loadavg()[0]!;
  const backend = await initBackend();
  for (const w of backendStatus().warnings) console.warn(`backend: ${w}`);

  // A school with 2,000 tasks (40 skills × 50 tasks) and enough learners to calibrate them.
  const school = simulateSchool({ skills: 40, tasksPerSkill: 50, learners: 600, attemptsPerLearner: [40, 120] }, seed);
  const { train, test } = splitLearners(school, { seed, testFraction: 0.2 });
  const trainAttempts = [...train.sequences.values()].reduce((n, s) => n + s.length, 0);
  const t0 = performance.now();
  const model = (await metaTrainer.fit(train, { seed, maxEpochs: 8 })) as MetaModel;
  const trainSeconds = (performance.now() - t0) / 1000;

  // Online updates: replay every test learner's attempts, attempt by attempt, as the server would.
  const sequences = [...test.sequences.values()] as (readonly Trace[])[];
  const totalUpdates = sequences.reduce((n, s) => n + s.length, 0);
  const replay = (): number => {
    const start = performance.now();
    for (const seq of sequences) {
      let state = model.initialState();
      for (const trace of seq) state = model.update(state, trace);
    }
    return ((performance.now() - start) * 1000) / totalUpdates;
  };
  replay(); // warm-up (JIT)
  const updateUs = Array.from({ length: rounds }, replay);

  // 2,000 candidates for a learner with a realistic history (the longest test sequence).
  const longest = sequences.reduce((a, b) => (b.length > a.length ? b : a));
  let state: LearnerState = model.initialState();
  for (const trace of longest) state = model.update(state, trace);
  const candidates = school.tasks.slice(0, CANDIDATES).map((t) => t.taskId);
  if (candidates.length < CANDIDATES) throw new Error(`the simulated catalogue has only ${candidates.length} tasks`);
  const predictRound = (): number => {
    const reps = 50;
    let checksum = 0;
    const start = performance.now();
    for (let r = 0; r < reps; r++) checksum += model.predictMany(state, candidates)[r]!;
    const ms = (performance.now() - start) / reps;
    if (!Number.isFinite(checksum)) throw new Error("non-finite prediction");
    return ms;
  };
  predictRound();
  const predictMs = Array.from({ length: rounds }, predictRound);

  const cpu = cpus();
  const machine = `${cpu.length} × ${cpu[0]?.model.trim() ?? "unknown CPU"}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${process.platform}/${process.arch}`;
  const u = { median: median(updateUs), max: Math.max(...updateUs) };
  const p = { median: median(predictMs), max: Math.max(...predictMs) };
  const rows = [
    [
      "online update per attempt (µs)",
      u.median.toFixed(2),
      u.max.toFixed(2),
      `≤ ${UPDATE_TARGET_US}`,
      u.median <= UPDATE_TARGET_US ? "pass" : "FAIL",
    ],
    [
      `predictMany, ${CANDIDATES} candidates, one learner (ms)`,
      p.median.toFixed(3),
      p.max.toFixed(3),
      `≤ ${PREDICT_TARGET_MS}`,
      p.median <= PREDICT_TARGET_MS ? "pass" : "FAIL",
    ],
  ];
  const table = [
    "| measure | median of rounds | slowest round | target | |",
    "|---|---|---|---|---|",
    ...rows.map((r) => `| ${r.join(" | ")} |`),
  ].join("\n");
  const command = `npm run bench:engine${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`;
  const report = `# Engine micro-benchmark

Command: \`${command}\`
Machine: ${machine}
TensorFlow.js backend: ${backend}${backendStatus().warnings.length ? ` (${backendStatus().warnings.join("; ")})` : ""}
Date: ${new Date().toISOString().slice(0, 10)}; load average when it started: ${load.toFixed(1)} on ${cpu.length} cores

Model: Meta, trained on a simulated school (seed ${seed}: ${school.tasks.length} tasks, ${school.catalog.skillIds.length} skills,
${train.sequences.size} learners, ${trainAttempts} attempts) in ${trainSeconds.toFixed(1)} s (${model.report?.epochs} epochs).
Online update: every attempt of ${test.sequences.size} held-out learners replayed through \`model.update\`
(${totalUpdates} updates a round, JSON learner states as the server stores them). predictMany: the learner
with the longest history (${longest.length} attempts), all ${CANDIDATES} tasks as candidates, 50 calls a round.
${rounds} rounds after a warm-up round; the hot paths are typed-array code, not TensorFlow.js.

${table}

The machine is shared (2 cores, other work running): timings are noisy; the median round is the figure.
`;
  console.log(report);
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, report);
  console.log(`wrote ${out}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
