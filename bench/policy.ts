/**
 * `npm run bench:policy -- [--seeds N] [--episodes-per-type K] [--tune-seeds N] [--tune-episodes K] [--train-iterations N] [--train-episodes K] [--rounds R] [--stop-penalty X] [--stop-penalty-on expected|realized] [--quick] [--report <file>|none]`
 *
 * The sequencing policies (src/engine/policy) on held-out simulator families: the heuristics and the
 * learned policy (POLICY, trained with PPO on the training families; POLICY_TRANSFER, trained on one
 * training family only): attempts to reach the goal's mastery (median, 90th percentile, censored
 * episodes ranked last), true mastery gained in a fixed budget, the share of learners engaged to its
 * end, by learner type, with 95 % intervals over schools; the ZPD band tuned on the training families
 * first; training time and decision time. Writes docs/benchmarks/policy.md.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { dirname } from "node:path";
import { backendStatus, initBackend } from "../src/engine/backend.js";
import { DEFAULT_POLICY_TRAINING } from "../src/engine/policy/index.js";
import { gitCommit } from "./lib/git.js";
import { renderPolicyReport } from "./policy/report.js";
import { type PolicyBenchArgs, runPolicyBench } from "./policy/run.js";

const USAGE = `usage: npm run bench:policy -- [--seeds N] [--episodes-per-type K] [--tune-seeds N] [--tune-episodes K] [--train-iterations N] [--train-episodes K] [--rounds R] [--stop-penalty X] [--stop-penalty-on expected|realized] [--quick] [--report <file>|none]
  defaults: 20 seeds, 8 episodes per type, 4 tuning (and training) schools per training family, 16 tuning episodes,
            ${DEFAULT_POLICY_TRAINING.iterations} PPO iterations of ${DEFAULT_POLICY_TRAINING.episodesPerIteration} episodes, 1,000 rounds
  --quick: 5 seeds, 4 episodes per type, 2 tuning schools, 8 tuning episodes, 10 PPO iterations of 32 episodes, 200 rounds`;

function parseArgs(argv: readonly string[]): PolicyBenchArgs {
  const opts: Record<string, string> = {};
  let quick = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--quick") {
      quick = true;
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
    "report",
  ]);
  for (const k of Object.keys(opts)) if (!known.has(k)) throw new Error(`unknown option --${k}\n${USAGE}`);
  const int = (k: string, full: number, fast: number) => {
    const v = opts[k] === undefined ? (quick ? fast : full) : Number(opts[k]);
    if (!Number.isInteger(v) || v < 1) throw new Error(`--${k} must be a positive integer\n${USAGE}`);
    return v;
  };
  return {
    seeds: int("seeds", 20, 5),
    episodesPerType: int("episodes-per-type", 8, 4),
    tuneSeeds: int("tune-seeds", 4, 2),
    tuneEpisodes: int("tune-episodes", 16, 8),
    trainIterations: int("train-iterations", DEFAULT_POLICY_TRAINING.iterations, 10),
    trainEpisodes: int("train-episodes", DEFAULT_POLICY_TRAINING.episodesPerIteration, 32),
    rounds: int("rounds", 1000, 200),
    stopPenalty: opts["stop-penalty"] === undefined ? DEFAULT_POLICY_TRAINING.stopPenalty : nonNegative(opts["stop-penalty"]),
    stopPenaltyOn: stopPenaltyOn(opts["stop-penalty-on"] ?? DEFAULT_POLICY_TRAINING.stopPenaltyOn),
    quick,
    report: opts.report ?? "docs/benchmarks/policy.md",
  };
}

function nonNegative(v: string): number {
  const x = Number(v);
  if (!Number.isFinite(x) || x < 0) throw new Error(`--stop-penalty must be a number ≥ 0\n${USAGE}`);
  return x;
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
  const runs = await runPolicyBench(args, (m) => process.stderr.write(`${m}\n`));
  const cpu = cpus();
  const markdown = renderPolicyReport(args, runs, {
    command: `npm run bench:policy${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}`,
    commit: gitCommit(),
    machine: `${cpu.length} cores (${cpu[0]?.model.trim() ?? "unknown cpu"}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, TensorFlow.js ${backend}`,
    date: `${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC`,
    load,
    seconds: Number(process.hrtime.bigint() - began) / 1e9,
  });
  process.stdout.write(markdown);
  if (args.report !== "none") {
    mkdirSync(dirname(args.report), { recursive: true });
    writeFileSync(args.report, markdown);
    process.stdout.write(`\nreport: ${args.report}\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exitCode = 1;
});
