/** The policy benchmark's markdown report (docs/benchmarks/policy.md). */
import { DEFAULT_POLICY_ENV_OPTIONS, DEFAULT_LEARNER_TYPES } from "../../src/engine/policy/index.js";
import type { EpisodeRow, PolicyBenchArgs, PolicyRuns } from "./run.js";
import { clusteredQuantile, type Interval, meanInterval } from "./stats.js";

export interface RunInfo {
  readonly command: string;
  readonly commit: string;
  readonly machine: string;
  readonly date: string;
  readonly load: string;
  readonly seconds: number;
}

const CAP = DEFAULT_POLICY_ENV_OPTIONS.maxAttempts;
const atm = (x: number) => (Number.isFinite(x) ? String(x) : `>${CAP}`);
const f3 = (x: number) => x.toFixed(3);
/** A share; its t interval's ends are clipped to [0, 1]. */
const pct = (x: number) => `${(100 * Math.min(1, Math.max(0, x))).toFixed(0)} %`;
const quantileCell = (i: Interval) => `${atm(i.value)} [${atm(i.lo)}, ${atm(i.hi)}]`;
const meanCell = (i: Interval, f: (x: number) => string) => `${f(i.value)} [${f(i.lo)}, ${f(i.hi)}]`;

/** Rows grouped by cluster (family, seed), in a stable order. */
function clusters(rows: readonly EpisodeRow[]): EpisodeRow[][] {
  const by = new Map<string, EpisodeRow[]>();
  for (const r of rows) {
    const k = `${r.family}#${r.seed}`;
    const list = by.get(k);
    if (list) list.push(r);
    else by.set(k, [r]);
  }
  return [...by.values()];
}

interface Summary {
  readonly episodes: number;
  readonly median: Interval;
  readonly p90: Interval;
  readonly censored: number;
  readonly gain: Interval;
  readonly engaged: Interval;
  readonly reward: Interval;
}

function summarise(rows: readonly EpisodeRow[], rounds: number): Summary {
  const cs = clusters(rows);
  const times = cs.map((c) => c.map((r) => r.attemptsToMastery ?? Number.POSITIVE_INFINITY));
  const mean = (c: readonly EpisodeRow[], f: (r: EpisodeRow) => number) => c.reduce((s, r) => s + f(r), 0) / c.length;
  return {
    episodes: rows.length,
    median: clusteredQuantile(times, 0.5, rounds, 11),
    p90: clusteredQuantile(times, 0.9, rounds, 12),
    censored: rows.filter((r) => r.attemptsToMastery === null).length / rows.length,
    gain: meanInterval(cs.map((c) => mean(c, (r) => r.masteryGainAtBudget))),
    engaged: meanInterval(cs.map((c) => mean(c, (r) => (r.engagedAtBudget ? 1 : 0)))),
    reward: meanInterval(cs.map((c) => mean(c, (r) => r.totalReward))),
  };
}

function table(runs: PolicyRuns, rows: readonly EpisodeRow[], rounds: number): string {
  const out = [
    `| policy | attempts to mastery: median [95 % CI] | 90th percentile [95 % CI] | never reached | mastery gained in ${DEFAULT_POLICY_ENV_OPTIONS.budget} attempts [95 % CI] | engaged to the end [95 % CI] | episode return [95 % CI] |`,
    "|---|---|---|---|---|---|---|",
  ];
  for (const policy of runs.policies) {
    const s = summarise(
      rows.filter((r) => r.policy === policy),
      rounds,
    );
    out.push(
      `| ${policy} | ${quantileCell(s.median)} | ${quantileCell(s.p90)} | ${pct(s.censored)} | ${meanCell(s.gain, f3)} | ${meanCell(s.engaged, pct)} | ${meanCell(s.reward, f3)} |`,
    );
  }
  return out.join("\n");
}

function byType(runs: PolicyRuns, rounds: number): string {
  const out = [
    "| learner type | policy | attempts to mastery: median [95 % CI] | 90th percentile [95 % CI] | never reached | mastery gained [95 % CI] | engaged to the end [95 % CI] |",
    "|---|---|---|---|---|---|---|",
  ];
  for (const type of DEFAULT_LEARNER_TYPES) {
    for (const policy of runs.policies) {
      const s = summarise(
        runs.rows.filter((r) => r.policy === policy && r.learnerType === type.name),
        rounds,
      );
      out.push(
        `| ${type.name} | ${policy} | ${quantileCell(s.median)} | ${quantileCell(s.p90)} | ${pct(s.censored)} | ${meanCell(s.gain, f3)} | ${meanCell(s.engaged, pct)} |`,
      );
    }
  }
  return out.join("\n");
}

export function renderPolicyReport(args: PolicyBenchArgs, runs: PolicyRuns, run: RunInfo): string {
  const o = DEFAULT_POLICY_ENV_OPTIONS;
  const e = o.engagement;
  const b = runs.tuned.band;
  const perCluster = args.episodesPerType * DEFAULT_LEARNER_TYPES.length;
  return `# Sequencing policies in simulation (issue 19 items 1 and 3, heuristics)

Record of \`npm run bench:policy\`: the heuristic sequencing policies of \`src/engine/policy\` on schools of the
**held-out** simulator families (${runs.families.map((f) => `\`${f.name}\`: ${f.description}`).join("; ")}).
The learned policy (POLICY) is not built yet; its row will join these.

- command: \`${run.command}\`${args.quick ? " (**quick**: fewer seeds and episodes, not a record)" : ""}
- commit: ${run.commit}
- machine: ${run.machine}; load average at start ${run.load}
- date: ${run.date}; ${run.seconds.toFixed(0)} s in all (tuning ${runs.tuneSeconds.toFixed(0)} s, evaluation ${runs.evalSeconds.toFixed(0)} s)

## Set-up

- ${args.seeds} schools (seeds) per held-out family, each with its own Meta model trained on its ${o.historyLearners} history
  learners; per school ${perCluster} episodes per policy (${args.episodesPerType} per learner type, learners drawn from the
  ${o.poolLearners} pool learners never in the history). Every policy meets the same learners, goals and environment seeds.
- Episode: a goal of ${o.goalSkills} skill(s) among the curriculum's later two thirds, mastered when its TRUE mastery
  σ(level − skill difficulty) ≥ ${o.masteryThreshold}; sessions of ${o.attemptsPerSession} attempts; the episode ends at ${o.maxAttempts} attempts,
  at a drop-out, or once the goal is mastered and ${o.budget} attempts are made.
- Engagement: stop probability after an attempt of true success p:
  min(${e.maxStop}, d · (${e.baseStop} + ${e.hardWeight} · max(0, (${e.tooHardBelow} − p)/${e.tooHardBelow}) + ${e.easyWeight} · max(0, (p − ${e.tooEasyAbove})/(1 − ${e.tooEasyAbove}))));
  after a stop the learner returns with their type's probability, else drops out.
- Learner types (a quarter each): ${DEFAULT_LEARNER_TYPES.map((t) => `${t.name} (rate × ${t.rateMultiplier}, forgetting ${t.forgetting} a session, discouragement × ${t.discouragement}, returns ${t.returnAfterStop})`).join("; ")}.
- **Attempts to mastery**: quantiles over all episodes; an episode that never reached the goal (it hit ${o.maxAttempts}
  attempts, or the learner dropped out) is **censored**: ranked after every episode that did, so a quantile that
  falls on one reads \`>${o.maxAttempts}\`. Intervals: cluster bootstrap over schools (${args.rounds} rounds).
- **Mastery gained**: Σ over the goal's skills of the true mastery gained in the first ${o.budget} attempts (at the
  drop-out if earlier). **Engaged to the end**: the learner made the ${o.budget} attempts. **Return**: the environment's
  reward summed over the episode (mastery gained − ${o.costPerAttempt} an attempt + ${o.sessionBonus} a completed session).
  Intervals: mean ± t over the schools' means (a share's clipped to [0, 100 %]).
- ZPD is the recommender's rule with its band [0.65, 0.85] (target 0.75); ZPD_TUNED the band of the highest mean return
  on ${runs.trainingFamilies.length * args.tuneSeeds} schools of the training families (${runs.trainingFamilies.map((f) => `\`${f.name}\``).join(", ")}), ${args.tuneEpisodes} episodes each:
  **[${b.bandLow}, ${b.bandHigh}], target ${b.bandTarget.toFixed(3)}**.

## Held-out families together (${runs.families.length * args.seeds} schools)

${table(runs, runs.rows, args.rounds)}

${runs.families
  .map(
    (f) => `## ${f.name} (${args.seeds} schools)

${table(
  runs,
  runs.rows.filter((r) => r.family === f.name),
  args.rounds,
)}`,
  )
  .join("\n\n")}

## By learner type (held-out families together)

${byType(runs, args.rounds)}

## The band's grid search (training families)

| band | target | mean return | standard error |
|---|---|---|---|
${runs.tuned.scores.map((s) => `| [${s.band.bandLow}, ${s.band.bandHigh}] | ${s.band.bandTarget.toFixed(3)} | ${f3(s.meanReturn)} | ${f3(s.standardError)} |`).join("\n")}
`;
}
