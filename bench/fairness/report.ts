/** docs/benchmarks/fairness.md: the record of `npm run bench:fairness` (current figures, not a log). */
import type { FairnessMetric } from "../../src/engine/fairness/types.js";
import type { FairnessArgs } from "./args.js";
import {
  BAND_SHIFT,
  type DetectionResult,
  type FalseAlarmRow,
  GATED_PREDICTION_METRICS,
  MITIGATION_SETTING,
  type MitigationRow,
  PREDICTION_BIAS,
  type Tally,
  type TimingRow,
} from "./sections.js";

export interface RunInfo {
  readonly command: string;
  readonly commit: string;
  readonly machine: string;
  readonly date: string;
  readonly load: string;
  readonly seconds: number;
}

export interface FairnessReport {
  readonly args: FairnessArgs;
  readonly run: RunInfo;
  readonly detection?: DetectionResult;
  readonly falseAlarms?: readonly FalseAlarmRow[];
  readonly mitigation?: readonly MitigationRow[];
  readonly timing?: readonly TimingRow[];
}

const f3 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(3));
const f4 = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(4));
const signed = (x: number | undefined) => (x === undefined || !Number.isFinite(x) ? "–" : `${x >= 0 ? "+" : "−"}${Math.abs(x).toFixed(3)}`);
const failingList = (t: Tally) =>
  t.failing.size === 0
    ? "none"
    : [...t.failing]
        .sort((a, b) => b[1] - a[1])
        .map(([check, n]) => `${check} ${n}`)
        .join(", ");
/** B's mean gaps; a gap conditional on readiness with its raw gap in brackets. */
const gaps = (t: Tally, metrics: readonly FairnessMetric[]) =>
  metrics.map((m) => (m in t.meanRawGap ? `${signed(t.meanGap[m])} (${signed(t.meanRawGap[m])})` : signed(t.meanGap[m]))).join(" | ");

export function renderFairnessReport(r: FairnessReport): string {
  const { args, run } = r;
  const n = args.seeds;
  const out: string[] = [
    "# Fairness audit benchmark",
    "",
    "What the fairness audit (src/engine/fairness, issue #15) detects, how often it raises a false alarm, what the",
    "mitigations buy, and how long it takes. Simulated schools only (src/engine/simulator): the truth is known.",
    "",
    `- command: \`${run.command}\``,
    `- commit: ${run.commit}`,
    `- machine: ${run.machine}; load average at start ${run.load}`,
    `- date: ${run.date}; the whole run took ${(run.seconds / 60).toFixed(1)} min`,
    `- ${n} seeds (schools 1–${n}) per measurement; every audit with ${args.rounds} permutation rounds and the default thresholds`,
    `  (DEFAULT_FAIRNESS_PARAMS: Holm at α = 0.05); each school has ${args.learners} learners in 2 groups, half of them`,
    "  audited (held out) and half training the Meta model.",
    "",
    "An alarm is an audit whose status is FAILED. The audit input is built as the product builds it: the model's",
    "predictions on the audited learners by the evaluation protocol (`predictSequences`), and each audited",
    "learner's final state replayed through `recommend()` (5 tasks; predicted success, share with",
    "expectedProgress > 0) and `planPath()` (attempts to mastery: `goalProgress().attemptsRemaining`), the goal",
    "being the whole curriculum. The ORACLE is the school's own model (`oracleModel`): its predictions are each",
    "attempt's true pCorrect and it learns as the simulated learners do, so it is perfectly calibrated.",
    "",
  ];
  if (r.detection) {
    const d = r.detection;
    out.push(
      "## Detection (target: each bias flagged in ≥ 95 % of seeds)",
      "",
      "Schools where the groups do not differ; the oracle with an injected bias against group B. RECOMMENDED_SUCCESS",
      "is conditional on readiness (docs/fairness.md), its raw gap in brackets.",
      "",
      "| scenario | flagged | failing checks (seeds) | mean gap of B: CALIBRATION_IN_THE_LARGE | ECE | RECOMMENDED_SUCCESS |",
      "|---|---|---|---|---|---|",
      ...(
        [
          ["none (control)", d.control],
          [`(a) predictions of B under-predict: σ(logit p − ${Math.abs(PREDICTION_BIAS)})`, d.predictionBias],
          [`(b) B recommended easier tasks: band shifted up by ${BAND_SHIFT}`, d.recommendationBias],
        ] as const
      ).map(
        ([name, t]) =>
          `| ${name} | ${t.alarms}/${t.runs} | ${failingList(t)} | ${gaps(t, ["CALIBRATION_IN_THE_LARGE", "ECE", "RECOMMENDED_SUCCESS"])} |`,
      ),
      "",
      `In (b) the shifted band raised group B's mean recommended predicted success by ${signed(d.injectedSuccessShift)} relative to A`,
      "(mean over seeds of (B − A) with the biased recommender minus (B − A) with the fair one).",
      "",
    );
  }
  if (r.falseAlarms) {
    const cols: FairnessMetric[] = [
      "AUC",
      "CALIBRATION_IN_THE_LARGE",
      "ECE",
      "COLD_START_AUC",
      "RECOMMENDED_SUCCESS",
      "GOAL_ADVANCING_SHARE",
    ];
    out.push(
      "## False alarms (target: the unbiased oracle raises an alarm in at most 1 seed in 20)",
      "",
      "Group B differs from A in one way per row; no bias is injected. The oracle is as fair as a model can be; the",
      "Meta rows are a real Meta model trained on the school's other half, so they measure whether our model is fair",
      "to these groups.",
      "",
      "Reading the rows: a group whose answers are noisier is less predictable for every model, so its AUC gap is",
      "real (the predictions serve it less well) without being a model's bias — the oracle rows show what no model",
      "can remove, and the audit cannot tell the two apart. RECOMMENDED_SUCCESS and GOAL_ADVANCING_SHARE are",
      "conditional on readiness (each learner against the audited learners of their readiness decile), their raw",
      "gaps in brackets: a raw gap under the oracle is the curriculum's limit, not the recommender's aim — fewer",
      "tasks fall in the band for weaker learners.",
      "",
      "| school | model | alarms | failing checks (seeds) | mean AUC | mean gap of B: AUC | CITL | ECE | COLD_START_AUC | RECOMMENDED_SUCCESS | GOAL_ADVANCING_SHARE |",
      "|---|---|---|---|---|---|---|---|---|---|---|",
    );
    for (const row of r.falseAlarms) {
      out.push(
        `| ${row.setting} | oracle | ${row.oracle.alarms}/${row.oracle.runs} | ${failingList(row.oracle)} | ${f4(row.oracleAuc)} | ${gaps(row.oracle, cols)} |`,
        `| | Meta | ${row.meta.alarms}/${row.meta.runs} | ${failingList(row.meta)} | ${f4(row.metaAuc)} | ${gaps(row.meta, cols)} |`,
      );
    }
    out.push("");
  }
  if (r.mitigation) {
    const before = r.mitigation[0]!;
    out.push(
      "## Mitigation (target: the gap halved for ≤ 0.005 AUC)",
      "",
      `School: ${JSON.stringify(MITIGATION_SETTING)} — a 15 % minority with lower ability and half the attempts. Meta as`,
      "trained; retrained with `groupBalancedWeights` (each group's learners carry the same total weight in the",
      "training loss; deployable: the model never sees the group); and with a per-group calibration fitted on the",
      "training learners' predictions (`perGroupCalibration`; measured only, NOT deployable: it needs the learner's",
      "group at serving time, and the product's predictions must not depend on a protected attribute). Predictions",
      "only (the calibrated variants have no recommender to replay).",
      "",
      "Why reweighting can only go so far: a model that never sees the group gives every new learner the same",
      "prior, so a group whose prior ability is lower is over-predicted until the personal adaptation catches up;",
      "weights move the shared prior toward the minority but cannot give each group its own.",
      "",
      `| variant | deployable | alarms | failing checks (seeds) | mean AUC | AUC − before | mean gap of B: ${GATED_PREDICTION_METRICS.join(" | ")} |`,
      `|---|---|---|---|---|---|${GATED_PREDICTION_METRICS.map(() => "---").join("|")}|`,
      ...r.mitigation.map(
        (m) =>
          `| ${m.variant} | ${m.deployable === null ? "–" : m.deployable ? "yes" : "no"} | ${m.tally.alarms}/${m.tally.runs} | ${failingList(m.tally)} | ${f4(m.auc)} | ${m === before ? "" : signed(m.auc - before.auc)} | ${gaps(m.tally, GATED_PREDICTION_METRICS)} |`,
      ),
      "",
      "Gap ratios (|mean gap after| / |mean gap before|) of the metrics that failed before:",
      "",
      ...mitigationRatios(r.mitigation),
      "",
    );
  }
  if (r.timing) {
    out.push(
      "## The audit's time",
      "",
      "Every learner of one simulated school audited (the held-out 20 % of a school five times as large), the oracle's",
      "predictions and recommendations; the replay of the recommender is timed apart (the promotion job does it once).",
      "",
      "| attributes | learners | attempts | comparisons | rounds | audit wall s | audit CPU s | recommendation replay s |",
      "|---|---|---|---|---|---|---|---|",
      ...r.timing.map(
        (t) =>
          `| ${t.attributes} | ${t.learners} | ${t.attempts} | ${t.comparisons} | ${t.rounds} | ${t.auditSeconds.toFixed(1)} | ${t.auditCpuSeconds.toFixed(1)} | ${t.replaySeconds.toFixed(1)} |`,
      ),
      "",
    );
  }
  return `${out.join("\n")}\n`;
}

function mitigationRatios(rows: readonly MitigationRow[]): string[] {
  const before = rows[0]!;
  const metrics = GATED_PREDICTION_METRICS.filter((m) => [...before.tally.failing.keys()].some((k) => k.startsWith(`${m} `)));
  if (metrics.length === 0) return ["- no check failed before mitigation."];
  return rows
    .slice(1)
    .filter((row) => row.deployable !== null)
    .map((row) => {
      const parts = metrics.map((m) => {
        const b = before.tally.meanGap[m],
          a = row.tally.meanGap[m];
        return `${m} ${b && a !== undefined ? f3(Math.abs(a) / Math.abs(b)) : "–"}`;
      });
      return `- ${row.variant}: ${parts.join(", ")}; AUC ${signed(row.auc - before.auc)}`;
    });
}
