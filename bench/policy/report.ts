/** The policy benchmark's markdown report (docs/benchmarks/policy.md). */
import { DEFAULT_POLICY_ENV_OPTIONS, DEFAULT_LEARNER_TYPES } from "../../src/engine/policy/index.js";
import { VALIDATION_EPISODES_PER_TYPE } from "./choose.js";
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

/** A policy's summary over some rows. */
const summaryOf = (policy: string, rows: readonly EpisodeRow[], rounds: number) =>
  summarise(
    rows.filter((r) => r.policy === policy),
    rounds,
  );

/**
 * POLICY's engagement minus the tuned rule's, paired by school (both met the same learners, goals and
 * environment seeds): the mean of the schools' differences with its t interval.
 */
function pairedEngagement(rows: readonly EpisodeRow[]): Interval {
  const share = (policy: string) => {
    const by = new Map<string, number>();
    for (const c of clusters(rows.filter((r) => r.policy === policy)))
      by.set(`${c[0]!.family}#${c[0]!.seed}`, c.filter((r) => r.engagedAtBudget).length / c.length);
    return by;
  };
  const mine = share("POLICY");
  const theirs = share("ZPD_TUNED");
  return meanInterval([...mine].map(([k, v]) => v - (theirs.get(k) ?? Number.NaN)));
}
const points = (x: number) => `${x >= 0 ? "+" : "−"}${(100 * Math.abs(x)).toFixed(1)}`;

const penaltySeconds = (runs: PolicyRuns) => runs.penalty.trials.reduce((a, t) => a + t.seconds, 0);

/** The stop penalty's choice on the validation schools (choosePenalty). */
function penaltyTable(runs: PolicyRuns): string {
  const chosen = runs.policy.options.stopPenalty;
  const v = runs.penalty.tuned;
  return [
    "| stop penalty | engaged | median attempts to mastery | mean return | training s | kept |",
    "|---|---|---|---|---|---|",
    `| ZPD_TUNED (the bar) | ${pct(v.engaged)} | ${atm(v.medianAttempts)} | ${f3(v.meanReturn)} | | |`,
    ...runs.penalty.trials.map(
      (t) =>
        `| ${t.stopPenalty} | ${pct(t.engaged)} | ${atm(t.medianAttempts)} | ${f3(t.meanReturn)} | ${t.seconds.toFixed(0)} | ${t.stopPenalty === chosen ? "**kept**" : ""} |`,
    ),
  ].join("\n");
}

/** The temperature's choice on the validation schools (chooseTemperature). */
function temperatureTable(runs: PolicyRuns): string {
  const v = runs.penalty.tuned;
  return [
    "| temperature | engaged | median attempts to mastery | mean return | kept |",
    "|---|---|---|---|---|",
    `| ZPD_TUNED (the bar) | ${pct(v.engaged)} | ${atm(v.medianAttempts)} | ${f3(v.meanReturn)} | |`,
    ...runs.temperature.trials.map(
      (t) =>
        `| ${t.temperature} | ${pct(t.engaged)} | ${atm(t.medianAttempts)} | ${f3(t.meanReturn)} | ${t.temperature === runs.temperature.temperature ? "**kept**" : ""} |`,
    ),
  ].join("\n");
}

const ratio = (a: number, b: number) => (Number.isFinite(a) && Number.isFinite(b) ? (a / b).toFixed(2) : "n/a (censored)");
const verdict = (ok: boolean) => (ok ? "**met**" : "**not met**");

/** The issue's targets, read off the held-out figures. */
function targets(runs: PolicyRuns, rounds: number): string {
  const all = runs.rows;
  const policy = summaryOf("POLICY", all, rounds);
  const curriculum = summaryOf("CURRICULUM", all, rounds);
  const zpd = summaryOf("ZPD_TUNED", all, rounds);
  const paired = pairedEngagement(all);
  const lines = [
    "| target | figure | verdict |",
    "|---|---|---|",
    `| median attempts ≤ 0.6 × CURRICULUM's | ${atm(policy.median.value)} / ${atm(curriculum.median.value)} = ${ratio(policy.median.value, curriculum.median.value)} | ${verdict(policy.median.value <= 0.6 * curriculum.median.value)} |`,
    `| median attempts ≤ 0.85 × tuned ZPD's | ${atm(policy.median.value)} / ${atm(zpd.median.value)} = ${ratio(policy.median.value, zpd.median.value)} | ${verdict(policy.median.value <= 0.85 * zpd.median.value)} |`,
    `| engagement not lower than tuned ZPD's | ${pct(policy.engaged.value)} [${pct(policy.engaged.lo)}, ${pct(policy.engaged.hi)}] against ${pct(zpd.engaged.value)} [${pct(zpd.engaged.lo)}, ${pct(zpd.engaged.hi)}]; paired by school: ${points(paired.value)} points [${points(paired.lo)}, ${points(paired.hi)}] | ${verdict(policy.engaged.value >= zpd.engaged.value)}${policy.engaged.value < zpd.engaged.value && paired.hi >= 0 ? " (lower by its point estimate; the paired interval contains 0)" : ""} |`,
  ];
  for (const type of DEFAULT_LEARNER_TYPES) {
    const rows = all.filter((r) => r.learnerType === type.name);
    const p = summaryOf("POLICY", rows, rounds);
    const z = summaryOf("ZPD_TUNED", rows, rounds);
    const slower = p.median.value > z.median.hi;
    const lessGain = p.gain.value < z.gain.lo;
    const lessEngaged = p.engaged.value < z.engaged.lo;
    const worse = [slower ? "slower" : "", lessGain ? "less mastery gained" : "", lessEngaged ? "less engaged" : ""].filter(
      (x) => x !== "",
    );
    lines.push(
      `| ${type.name}: not worse off than under tuned ZPD beyond its interval | attempts ${atm(p.median.value)} against ${quantileCell(z.median)}; gained ${f3(p.gain.value)} against ${meanCell(z.gain, f3)}; engaged ${pct(p.engaged.value)} against ${meanCell(z.engaged, pct)} | ${worse.length === 0 ? verdict(true) : `${verdict(false)} (${worse.join(", ")})`} |`,
    );
  }
  const t = runs.policy.trained;
  lines.push(
    `| training ≤ 10 minutes on 2 cores | ${t.seconds.toFixed(0)} s (POLICY; ${penaltySeconds(runs).toFixed(0)} s for the ${runs.penalty.trials.length} stop penalties tried), ${runs.transfer.trained.seconds.toFixed(0)} s (POLICY_TRANSFER) | ${verdict(t.seconds <= 600)} |`,
    `| one decision ≤ 1 ms for ${runs.decision.candidates} candidates | median ${runs.decision.medianMs.toFixed(3)} ms, p99 ${runs.decision.p99Ms.toFixed(3)} ms | ${verdict(runs.decision.p99Ms <= 1)} |`,
  );
  return lines.join("\n");
}

/** The transfer test: POLICY_TRANSFER (one training family) against the tuned ZPD rule on each held-out family. */
function transfer(runs: PolicyRuns, rounds: number): string {
  const lines = [
    "| held-out family | POLICY_TRANSFER: attempts (median) / mastery gained / engaged | ZPD_TUNED | not below tuned ZPD |",
    "|---|---|---|---|",
  ];
  for (const f of runs.families) {
    const rows = runs.rows.filter((r) => r.family === f.name);
    const p = summaryOf("POLICY_TRANSFER", rows, rounds);
    const z = summaryOf("ZPD_TUNED", rows, rounds);
    const ok = p.median.value <= z.median.value && p.gain.value >= z.gain.value;
    lines.push(
      `| ${f.name} | ${atm(p.median.value)} / ${f3(p.gain.value)} / ${pct(p.engaged.value)} | ${atm(z.median.value)} / ${f3(z.gain.value)} / ${pct(z.engaged.value)} | ${verdict(ok)} (attempts ${p.median.value <= z.median.value ? "≤" : ">"}, gain ${p.gain.value >= z.gain.value ? "≥" : "<"}) |`,
    );
  }
  return lines.join("\n");
}

function trainingCurve(runs: PolicyRuns): string {
  const curves = [runs.policy.trained.curve, runs.transfer.trained.curve];
  const n = curves[0]!.length;
  const step = Math.max(1, Math.round(n / 10));
  const lines = ["| iteration | POLICY: mean return, entropy (nats) | POLICY_TRANSFER: mean return, entropy |", "|---|---|---|"];
  for (let i = step - 1; i < n; i += step) {
    const [a, b] = curves.map((c) => c[i]);
    const cell = (x: typeof a) => (x ? `${f3(x.meanReturn)}, ${x.meanEntropy.toFixed(2)}` : "");
    lines.push(`| ${i + 1} | ${cell(a)} | ${cell(b)} |`);
  }
  return lines.join("\n");
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
  const pt = runs.policy.trained;
  const tt = runs.transfer.trained;
  return `# Sequencing policies in simulation (issue 19 items 1–3)

Record of \`npm run bench:policy\`: the sequencing policies of \`src/engine/policy\` — the heuristics and the learned
policy — on schools of the **held-out** simulator families (${runs.families.map((f) => `\`${f.name}\`: ${f.description}`).join("; ")}).

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
- POLICY is the learned policy (\`trainPolicy\`, docs/policy-environment.md): a softmax over the candidates of a
  scoring network (${pt.policy.actor.hidden} hidden units) on features read from the observation only, warm-started by imitating
  ${args.imitate === "tuned-zpd" ? "the tuned ZPD rule" : "LOWEST_MASTERY"}, then PPO on the same ${runs.policy.schools} training schools as the band's tuning (${runs.policy.families.map((f) => `\`${f}\``).join(", ")}):
  stop penalty ${runs.policy.options.stopPenalty} and served at temperature ${runs.temperature.temperature} (both chosen on validation schools: below), ${pt.policy.training.iterations} iterations, ${pt.policy.training.episodes} episodes, ${pt.policy.training.steps.toLocaleString("en")} decisions, seed ${pt.policy.training.seed}, in **${pt.seconds.toFixed(0)} s** (${pt.backend}).
  It chooses by drawing from its softmax (the propensity it logs). POLICY_TRANSFER is the same recipe on the
  ${runs.transfer.schools} schools of \`${runs.transfer.families.join("`, `")}\` alone (${tt.seconds.toFixed(0)} s): the sim-to-sim transfer test.
  The policy file is ${(runs.fileBytes / 1024).toFixed(1)} KiB of JSON.
- Decision time of POLICY (features, network, draw) on ${runs.decision.candidates} candidates (a school of 20 skills × 10 tasks,
  every task a candidate), ${runs.decision.decisions} decisions: median **${runs.decision.medianMs.toFixed(3)} ms**, p99 **${runs.decision.p99Ms.toFixed(3)} ms**.

## Targets (held-out families together)

${targets(runs, args.rounds)}

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

## Sim-to-sim transfer

POLICY_TRANSFER was trained on \`${runs.transfer.families.join("`, `")}\` only and is evaluated on each held-out family; the issue asks
that it not fall below the tuned ZPD rule there (here: median attempts to mastery no higher and mastery gained
in ${DEFAULT_POLICY_ENV_OPTIONS.budget} attempts no lower).

${transfer(runs, args.rounds)}

## Training curves (training families; returns are the environment's, before the stop penalty)

${trainingCurve(runs)}

## The stop penalty's choice (validation schools of the training families)

The learned policy's reward is charged the stop penalty × the learner's stop probability at each attempt
(docs/policy-environment.md). A policy is trained with each penalty and run on ${runs.penalty.validationSchools} validation schools of
the training families (seeds 2001 …; neither trained nor tuned on, and none of the held-out families),
${VALIDATION_EPISODES_PER_TYPE} episodes per learner type each, beside the tuned rule on the same episodes. The one kept best meets
the issue's targets there: among those whose median attempts to mastery are at most 0.85× the rule's, the
most engaging (ties: the higher mean return); if none is that fast, the fastest.

${penaltyTable(runs)}

## The temperature's choice (the same validation schools)

PPO trains and explores at temperature 1; the policy is then served at the temperature T chosen on the
same validation schools by the same rule (\`sharpenPolicy\`: π ∝ exp(score / T), the same scores, fewer
draws of the choices it rates low). POLICY_TRANSFER is served at the same T.

${temperatureTable(runs)}

## The band's grid search (training families)

| band | target | mean return | standard error |
|---|---|---|---|
${runs.tuned.scores.map((s) => `| [${s.band.bandLow}, ${s.band.bandHigh}] | ${s.band.bandTarget.toFixed(3)} | ${f3(s.meanReturn)} | ${f3(s.standardError)} |`).join("\n")}
`;
}
