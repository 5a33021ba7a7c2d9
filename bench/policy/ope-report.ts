/**
 * The off-policy evaluation's section of docs/benchmarks/policy.md, between OPE_BEGIN and OPE_END: written
 * by `npm run bench:policy -- --ope`, kept as it is (with whatever follows it) by the full run's report.
 */
import type { OffPolicyEstimates } from "../../src/engine/policy/index.js";
import { OPE_TARGETS, type OpeRuns, type OpeSchool, type OpeTarget } from "./ope.js";
import type { RunInfo } from "./report.js";
import { type Interval, meanInterval } from "./stats.js";

export const OPE_BEGIN = "<!-- ope: written by npm run bench:policy -- --ope -->";
export const OPE_END = "<!-- /ope -->";

const ESTIMATORS = ["is", "wis", "pdis", "wpdis", "dr", "wdr"] as const;
type Estimator = (typeof ESTIMATORS)[number];
const LABEL: Record<Estimator, string> = { is: "IS", wis: "WIS", pdis: "PDIS", wpdis: "WPDIS (SNIPS)", dr: "DR", wdr: "WDR" };
const f3 = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : "–");
const cell = (i: Interval) => `${f3(i.value)} [${f3(i.lo)}, ${f3(i.hi)}]`;

/** Per school: a target's (or POLICY − ZPD's) truth and estimate at horizon index k. */
type Pick = (s: OpeSchool, k: number) => { truth: number; est: OffPolicyEstimates | null; value: (e: Estimator) => number };

const ofTarget =
  (t: OpeTarget): Pick =>
  (s, k) => ({ truth: s.truth[t][k]!, est: s.estimates[t][k]!, value: (e) => s.estimates[t][k]![e] });
const difference: Pick = (s, k) => ({
  truth: s.truth.POLICY[k]! - s.truth.ZPD[k]!,
  est: null,
  value: (e) => s.estimates.POLICY[k]![e] - s.estimates.ZPD[k]![e],
});

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor((s.length - 1) / 2)]! : Number.NaN;
};
const finite = (xs: number[]) => xs.filter(Number.isFinite);

function valueTable(runs: OpeRuns, pick: Pick, withEss: boolean): string {
  const head = `| H | true on-policy | ${ESTIMATORS.map((e) => LABEL[e]).join(" | ")} |${withEss ? " ESS (median of N) |" : ""}`;
  const rule = `|---|---|${ESTIMATORS.map(() => "---|").join("")}${withEss ? "---|" : ""}`;
  const rows = runs.args.horizons.map((h, k) => {
    const picked = runs.schools.map((s) => pick(s, k));
    const truth = meanInterval(picked.map((p) => p.truth));
    const cells = ESTIMATORS.map((e) => {
      const values = finite(picked.map((p) => p.value(e)));
      const undefinedIn = picked.length - values.length;
      return `${cell(meanInterval(values))}${undefinedIn ? ` (${undefinedIn} schools undefined)` : ""}`;
    });
    const ess = withEss ? ` ${f3(median(picked.map((p) => p.est!.ess)))} of ${picked[0]!.est!.episodes} |` : "";
    return `| ${h} | ${cell(truth)} | ${cells.join(" | ")} |${ess}`;
  });
  return [head, rule, ...rows].join("\n");
}

function errorTable(runs: OpeRuns, pick: Pick, signs: boolean): string {
  const head = `| H | ${ESTIMATORS.map((e) => `${LABEL[e]}: bias, RMSE${signs ? ", sign right" : ""}`).join(" | ")} |`;
  const rule = `|---|${ESTIMATORS.map(() => "---|").join("")}`;
  const rows = runs.args.horizons.map((h, k) => {
    const picked = runs.schools.map((s) => pick(s, k));
    const cells = ESTIMATORS.map((e) => {
      const pairs = picked.map((p) => [p.value(e), p.truth] as const).filter(([v]) => Number.isFinite(v));
      if (pairs.length === 0) return "–";
      const bias = pairs.reduce((s, [v, t]) => s + (v - t), 0) / pairs.length;
      const rmse = Math.sqrt(pairs.reduce((s, [v, t]) => s + (v - t) ** 2, 0) / pairs.length);
      const right = pairs.filter(([v, t]) => Math.sign(v) === Math.sign(t)).length / pairs.length;
      return `${f3(bias)}, ${f3(rmse)}${signs ? `, ${(100 * right).toFixed(0)} %` : ""}`;
    });
    return `| ${h} | ${cells.join(" | ")} |`;
  });
  return [head, rule, ...rows].join("\n");
}

const TARGET_NAME: Record<OpeTarget, string> = {
  POLICY: "POLICY (the learned policy)",
  ZPD: "ZPD (the rule, deterministic)",
  LOGGING: "the logging policy itself (a check: its weights are all 1)",
};

/** One logging ε's tables. */
function epsilonSection(runs: OpeRuns): string {
  const candidates = runs.schools.reduce((s, x) => s + x.meanCandidates, 0) / Math.max(1, runs.schools.length);
  return `### Logged under ${runs.logging}

Candidates per decision: ${candidates.toFixed(1)} on average, so an explored task has propensity ε/n ≈
${(runs.epsilon / candidates).toFixed(3)} and the rule's own choice (1 − ε) + ε/n ≈ ${(1 - runs.epsilon + runs.epsilon / candidates).toFixed(3)}.

${OPE_TARGETS.map(
  (t) => `#### ${TARGET_NAME[t]}: value over the first H decisions (ε = ${runs.epsilon})

${valueTable(runs, ofTarget(t), true)}

Error of a school's estimate against its own truth (mean over schools of estimate − truth, and its root mean square):

${errorTable(runs, ofTarget(t), false)}`,
).join("\n\n")}

#### POLICY − ZPD: the comparison the issue asks for (ε = ${runs.epsilon})

The difference of the two values per school, estimated from the same logs, against the true difference
(and the share of schools where the estimate has the true difference's sign):

${valueTable(runs, difference, false)}

${errorTable(runs, difference, true)}`;
}

export function renderOpeSection(all: readonly OpeRuns[], info: RunInfo): string {
  const runs = all[0]!;
  const a = runs.args;
  const n = runs.schools[0]?.loggedEpisodes ?? 0;
  const families = [...new Set(runs.schools.map((s) => s.family))];
  return `${OPE_BEGIN}
## Off-policy evaluation (issue 19 item 5)

Can a school's own log of served recommendations tell what another strategy would have achieved? Traffic
is logged on each held-out school under **ε-greedy ZPD** (ε = ${a.epsilons.join(", ")}: one log each): the rule's choice, or with
probability ε a candidate drawn uniformly, each decision with its propensity — what the product logs
with \`ZPD_EXPLORATION_EPSILON\` (docs/privacy.md, "Recommendation log"; at most 0.5). From those logs alone
the value of POLICY, of ZPD and of the logging policy is estimated, and set next to the true on-policy
value of each, measured by running it on the same school.

- command: \`${info.command}\`
- commit: ${info.commit}
- machine: ${info.machine}; load average at start ${info.load}
- date: ${info.date}; ${info.seconds.toFixed(0)} s in all (logging and on-policy runs ${runs.seconds.toFixed(0)} s)

**Set-up.** ${runs.schools.length} schools (${a.seeds} seeds of each held-out family: ${families.map((f) => `\`${f}\``).join(", ")}).
Per school and ε ${n} logged episodes (${a.loggedPerType} per learner type) and, for the truth, ${a.truthPerType * 4}
on-policy episodes per evaluated policy (other learners' draws than the logged ones; POLICY's and ZPD's
shared by every ε).
**The value** is the environment's return (mastery gained − 0.005 an attempt + 0.05 a completed session)
over the first H decisions, H = ${a.horizons.join(", ")} (the first decision, a third of a session, a
session, the benchmark's 40-attempt budget); an episode that ended earlier (a drop-out) counts what it
had. **Estimators** (src/engine/policy/off-policy.ts): IS and WIS weight each episode by the product of
its ratios π/μ over all H decisions (per episode); PDIS, WPDIS and DR weight each reward only by the
ratios of the decisions before it (**per decision**) — the rewards here arrive at every step, so a
reward should not pay for the ratios of decisions made after it; this is the variance the per-decision
forms save. WPDIS is self-normalised IPS; DR and WDR (its self-normalised form) add a reward model:
Q̂ linear in the learned policy's features of the (state, task) pair, fitted by ridge (λ = ${a.lambda}) on
the per-decision reward-to-go of the logs of the other half of the schools (seed parity: a school's
estimate never uses a model fitted on its own logs). **Intervals**: 95 % t intervals over the schools
of the per-school figures (each school's estimate from its own ${n} logged episodes). **ESS**: the
effective sample size (Σw)²/Σw² of the per-episode weights at H, the median over schools, out of N = ${n}.

${all.map(epsilonSection).join("\n\n")}
${OPE_END}`;
}

/** The file's text with the OPE section (and whatever follows it) replaced or appended. */
export function withOpeSection(existing: string | null, section: string): string {
  if (existing === null) return `${section}\n`;
  const begin = existing.indexOf(OPE_BEGIN);
  if (begin < 0) return `${existing.trimEnd()}\n\n${section}\n`;
  const end = existing.indexOf(OPE_END, begin);
  const after = end < 0 ? "\n" : existing.slice(end + OPE_END.length);
  return `${existing.slice(0, begin)}${section}${after}`;
}

/** What the full run's report keeps of the file: the OPE section and whatever follows it ("" when none). */
export function keptOpeSection(existing: string | null): string {
  if (existing === null) return "";
  const begin = existing.indexOf(OPE_BEGIN);
  return begin < 0 ? "" : `\n${existing.slice(begin).trimEnd()}\n`;
}
