/**
 * `npm run bench:policy -- [--seeds N] [--episodes-per-type K] [--tune-seeds N] [--tune-episodes K] [--train-iterations N] [--train-episodes K] [--rounds R] [--stop-penalty X,…] [--stop-penalty-on expected|realized] [--imitate tuned-zpd|lowest-mastery] [--quick] [--report <file>|none]`
 * `npm run bench:policy -- --ope [--ope-epsilon E,…] [--ope-logged K] [--ope-truth K] [--seeds N] [--quick] …`
 *
 * The sequencing policies (src/engine/policy) on held-out simulator families: the heuristics and the
 * learned policy (POLICY, trained with PPO on the training families; POLICY_TRANSFER, trained on one
 * training family only): attempts to reach the goal's mastery (median, 90th percentile, censored
 * episodes ranked last), true mastery gained in a fixed budget, the share of learners engaged to its
 * end, by learner type, with 95 % intervals over schools; the ZPD band tuned on the training families
 * first; training time and decision time. Writes docs/benchmarks/policy.md.
 *
 * With --ope, only the off-policy evaluation (policy/ope.ts): POLICY trained as above, traffic logged
 * under ε-greedy ZPD on the held-out schools, the values of POLICY and ZPD estimated from the logs and
 * set next to their true on-policy values; its section of docs/benchmarks/policy.md is replaced, the
 * rest of the file kept (and the full run keeps that section).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname } from "node:path";
import { backendStatus, initBackend } from "../src/engine/backend.js";
import { DEFAULT_POLICY_TRAINING, LOWEST_MASTERY_POLICY, tuneZpdBand } from "../src/engine/policy/index.js";
import { gitCommit } from "./lib/git.js";
import { renderPolicyReport } from "./policy/report.js";
import { atTemperature, choosePenalty, chooseTemperature } from "./policy/choose.js";
import { type PolicyBenchArgs, runPolicyBench } from "./policy/run.js";
import { trainingEnvironments, validationEnvironments } from "./policy/training.js";
import { type OpeArgs, runOpe } from "./policy/ope.js";
import { keptOpeSection, renderOpeSection, withOpeSection } from "./policy/ope-report.js";

const USAGE = `usage: npm run bench:policy -- [--seeds N] [--episodes-per-type K] [--tune-seeds N] [--tune-episodes K] [--train-iterations N] [--train-episodes K] [--rounds R] [--stop-penalty X,…] [--stop-penalty-on expected|realized] [--imitate tuned-zpd|lowest-mastery] [--quick] [--report <file>|none]
       npm run bench:policy -- --ope [--ope-epsilon E,…] [--ope-logged K] [--ope-truth K] [--seeds N] [--tune-seeds N] [--train-iterations N] [--train-episodes K] [--quick] [--report <file>|none]
  --ope: off-policy evaluation only (default ε 0.3,0.5 — one log each —, 16 logged and 8 on-policy episodes per learner type and school; --quick: 4 and 2)
  defaults: 20 seeds, 8 episodes per type, 4 tuning (and training) schools per training family, 16 tuning episodes,
            ${DEFAULT_POLICY_TRAINING.iterations} PPO iterations of ${DEFAULT_POLICY_TRAINING.episodesPerIteration} episodes, 1,000 rounds
  --stop-penalty: the stop penalties tried (default 3,6,10), one policy each: the one that best meets the targets on
    validation schools of the training families is kept (fast enough, then the most engaging)
  --imitate: the rule the learned policy imitates before PPO (default tuned-zpd, as the train-policy job does)
  --quick: 5 seeds, 4 episodes per type, 2 tuning schools, 8 tuning episodes, 10 PPO iterations of 32 episodes, 200 rounds`;

function parseArgs(argv: readonly string[]): PolicyBenchArgs & { ope: OpeArgs | null } {
  const opts: Record<string, string> = {};
  let quick = false;
  let ope = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--quick" || a === "--ope") {
      if (a === "--quick") quick = true;
      else ope = true;
      continue;
    }
    const v = argv[i + 1];
    if (!a.startsWith("--") || v === undefined || v.startsWith("--")) throw new Error(`bad argument ${a}\n${USAGE}`);
    opts[a.slice(2)] = v;
    i++;
  }
  const known = new Set([
    "seeds",
    "episodes-per-type",
    "tune-seeds",
    "tune-episodes",
    "train-iterations",
    "train-episodes",
    "rounds",
    "stop-penalty",
    "stop-penalty-on",
    "imitate",
    "report",
    "ope-epsilon",
    "ope-logged",
    "ope-truth",
  ]);
  for (const k of Object.keys(opts)) if (!known.has(k)) throw new Error(`unknown option --${k}\n${USAGE}`);
  const int = (k: string, full: number, fast: number) => {
    const v = opts[k] === undefined ? (quick ? fast : full) : Number(opts[k]);
    if (!Number.isInteger(v) || v < 1) throw new Error(`--${k} must be a positive integer\n${USAGE}`);
    return v;
  };
  const epsilons = (opts["ope-epsilon"] ?? "0.3,0.5").split(",").map(Number);
  if (epsilons.some((e) => !(e > 0 && e <= 1))) throw new Error(`--ope-epsilon must be values in (0, 1], comma-separated\n${USAGE}`);
  const seeds = int("seeds", 20, 5);
  return {
    ope: ope
      ? {
          seeds,
          loggedPerType: int("ope-logged", 16, 4),
          truthPerType: int("ope-truth", 8, 2),
          epsilons,
          horizons: [1, 5, 15, 40],
          lambda: 1,
        }
      : null,
    seeds,
    episodesPerType: int("episodes-per-type", 8, 4),
    tuneSeeds: int("tune-seeds", 4, 2),
    tuneEpisodes: int("tune-episodes", 16, 8),
    trainIterations: int("train-iterations", DEFAULT_POLICY_TRAINING.iterations, 10),
    trainEpisodes: int("train-episodes", DEFAULT_POLICY_TRAINING.episodesPerIteration, 32),
    rounds: int("rounds", 1000, 200),
    stopPenalties: penalties(opts["stop-penalty"] ?? "3,6,10"),
    stopPenaltyOn: stopPenaltyOn(opts["stop-penalty-on"] ?? DEFAULT_POLICY_TRAINING.stopPenaltyOn),
    imitate: imitate(opts.imitate ?? "tuned-zpd"),
    quick,
    report: opts.report ?? "docs/benchmarks/policy.md",
  };
}

function penalties(v: string): number[] {
  const list = v.split(",").map((x) => nonNegative(x));
  if (list.length === 0) throw new Error(`--stop-penalty must list at least one number\n${USAGE}`);
  return list;
}

function nonNegative(v: string): number {
  const x = Number(v);
  if (!Number.isFinite(x) || x < 0) throw new Error(`--stop-penalty must be a number ≥ 0\n${USAGE}`);
  return x;
}

function imitate(v: string): "tuned-zpd" | "lowest-mastery" {
  if (v !== "tuned-zpd" && v !== "lowest-mastery") throw new Error(`--imitate must be tuned-zpd or lowest-mastery\n${USAGE}`);
  return v;
}

function stopPenaltyOn(v: string): "expected" | "realized" {
  if (v !== "expected" && v !== "realized") throw new Error(`--stop-penalty-on must be expected or realized\n${USAGE}`);
  return v;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const began = process.hrtime.bigint();
  const load = loadavg()
    .map((x) => x.toFixed(2))
    .join(", ");
  const backend = await initBackend();
  for (const w of backendStatus().warnings) process.stderr.write(`backend: ${w}\n`);
  const log = (m: string) => process.stderr.write(`${m}\n`);
  const cpu = cpus();
  const info = () => ({
    command: `npm run bench:policy${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
    commit: gitCommit(),
    machine: `${cpu.length} cores (${cpu[0]?.model.trim() ?? "unknown cpu"}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, TensorFlow.js ${backend}`,
    date: `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`,
    load,
    seconds: Number(process.hrtime.bigint() - began) / 1e9,
  });
  const existing = args.report !== "none" && existsSync(args.report) ? readFileSync(args.report, "utf8") : null;
  let markdown: string;
  let file: string;
  if (args.ope) {
    // The same POLICY as the full run's: the same training schools, recipe and seed.
    const envs = await trainingEnvironments(args);
    const tunedRule = tuneZpdBand(envs, { episodesPerEnvironment: args.tuneEpisodes, seed: 1 }).policy;
    const teacher = args.imitate === "tuned-zpd" ? tunedRule : LOWEST_MASTERY_POLICY;
    const validation = await validationEnvironments(args);
    const penalty = await choosePenalty(envs, validation, teacher, tunedRule, args, log);
    const { temperature } = chooseTemperature(validation, penalty.training.trained.policy, penalty.tuned, log);
    const runs = await runOpe(atTemperature(penalty.training, temperature, "POLICY").trained.policy, args.ope, log);
    markdown = renderOpeSection(runs, info());
    file = withOpeSection(existing, markdown);
  } else {
    const runs = await runPolicyBench(args, log);
    markdown = renderPolicyReport(args, runs, info());
    file = `${markdown.trimEnd()}\n${keptOpeSection(existing)}`;
  }
  process.stdout.write(markdown);
  if (args.report !== "none") {
    mkdirSync(dirname(args.report), { recursive: true });
    writeFileSync(args.report, file);
    process.stdout.write(`\nreport: ${args.report}\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
