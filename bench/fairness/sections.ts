/**
 * The fairness benchmark's measurements (bench/fairness.ts runs them; docs/benchmarks/fairness.md
 * records them). Every school is simulated (src/engine/simulator) with 2 groups, A and B; half of its
 * learners train the Meta model, the other half are audited as the product audits its held-out learners.
 */
import { predictSequences, scorePredictions } from "../../src/engine/evaluation.js";
import { auditFairness } from "../../src/engine/fairness/index.js";
import { groupBalancedWeights, perGroupCalibration } from "../../src/engine/fairness/mitigation.js";
import type { FairnessAudit, FairnessAuditInput, FairnessMetric, LearnerRecommendations } from "../../src/engine/fairness/types.js";
import { metaTrainer } from "../../src/engine/meta/index.js";
import type { RecommendParams } from "../../src/engine/recommend/index.js";
import { oracleModel, type SimulatorParams } from "../../src/engine/simulator/index.js";
import type { KnowledgeModel, Trace } from "../../src/engine/types.js";
import type { FairnessArgs } from "./args.js";
import { type AuditOutcome, outcomeOf } from "./outcome.js";
import { replayRecommendations } from "./replay.js";
import { type AuditedSchool, auditedSchool, auditInput, modelPredictions, oraclePredictions, type PredictionLayout } from "./school.js";

/** Share of each school's learners that is audited (held out); the rest trains Meta. */
export const AUDITED_FRACTION = 0.5;
/** Detection (a): the predictions of group B are σ(logit p − 0.3). */
export const PREDICTION_BIAS = -0.3;
/** Detection (b): group B's recommendations aim at a band 0.1 higher: [0.75, 0.95], target 0.85. */
export const BAND_SHIFT = 0.1;
/** The schools of the false-alarm measurement: group B differs in one way each (group A is the default learner). */
export const SETTINGS: Readonly<Record<string, Partial<SimulatorParams>>> = {
  "no difference": {},
  "lower ability (groupAbilityOffset B −0.8)": { groupAbilityOffset: { B: -0.8 } },
  "noisier answers (groupSlip B 0.2)": { groupSlip: { B: 0.2 } },
  "noisier answers (groupSlip B 0.05)": { groupSlip: { B: 0.05 } },
  "fewer attempts (groupAttemptsScale B 0.5)": { groupAttemptsScale: { B: 0.5 } },
};
/** The mitigation's school: a small minority (15 %) with lower ability and half the attempts. */
export const MITIGATION_SETTING: Partial<SimulatorParams> = {
  groups: { A: 0.85, B: 0.15 },
  groupAbilityOffset: { B: -0.8 },
  groupAttemptsScale: { B: 0.5 },
};
export const GATED_PREDICTION_METRICS: readonly FairnessMetric[] = ["AUC", "ABROCA", "ECE", "CALIBRATION_IN_THE_LARGE", "COLD_START_AUC"];

export type Log = (message: string) => void;

/** Outcomes of one measurement over the seeds. */
export interface Tally {
  readonly runs: number;
  /** Seeds whose audit FAILED. */
  readonly alarms: number;
  /** "metric (group)" → seeds in which that check failed. */
  readonly failing: ReadonlyMap<string, number>;
  /** Mean over seeds of group B's gap per metric (seeds where it is defined). */
  readonly meanGap: Readonly<Partial<Record<FairnessMetric, number>>>;
  /** The same of B's raw gap, for the checks conditional on readiness. */
  readonly meanRawGap: Readonly<Partial<Record<FairnessMetric, number>>>;
}

/** Mean per metric over the outcomes where it is defined. */
function meanPerMetric(
  values: readonly Readonly<Partial<Record<FairnessMetric, number | null>>>[],
): Partial<Record<FairnessMetric, number>> {
  const sums: Partial<Record<FairnessMetric, [number, number]>> = {};
  for (const v of values) {
    for (const [m, g] of Object.entries(v) as [FairnessMetric, number | null][]) {
      if (g === null || !Number.isFinite(g)) continue;
      const [sum, n] = sums[m] ?? [0, 0];
      sums[m] = [sum + g, n + 1];
    }
  }
  const mean: Partial<Record<FairnessMetric, number>> = {};
  for (const [m, [sum, n]] of Object.entries(sums) as [FairnessMetric, [number, number]][]) mean[m] = sum / n;
  return mean;
}

export function tally(outcomes: readonly AuditOutcome[]): Tally {
  const failing = new Map<string, number>();
  for (const o of outcomes) for (const f of new Set(o.failing)) failing.set(f, (failing.get(f) ?? 0) + 1);
  return {
    runs: outcomes.length,
    alarms: outcomes.filter((o) => o.status === "FAILED").length,
    failing,
    meanGap: meanPerMetric(outcomes.map((o) => o.gapB)),
    meanRawGap: meanPerMetric(outcomes.map((o) => o.rawGapB)),
  };
}

const seedsOf = (args: FairnessArgs) => Array.from({ length: args.seeds }, (_, i) => i + 1);
const schoolOf = (args: FairnessArgs, setting: Partial<SimulatorParams>, seed: number) =>
  auditedSchool({ learners: args.learners, ...setting }, seed, AUDITED_FRACTION);
const audit = (input: FairnessAuditInput, args: FairnessArgs, seed: number): FairnessAudit =>
  auditFairness(input, { rounds: args.rounds, seed });

function oracleReplay(s: AuditedSchool, params?: (learner: number) => Partial<RecommendParams>): LearnerRecommendations[] {
  const oracle = oracleModel(s.school);
  return replayRecommendations({
    model: oracle,
    curriculum: s.curriculum,
    sequences: s.audited,
    finalState: (id, seq) => oracle.replay(oracle.learnerState(id), seq),
    params,
  });
}

function modelReplay(s: AuditedSchool, model: KnowledgeModel): LearnerRecommendations[] {
  return replayRecommendations({
    model,
    curriculum: s.curriculum,
    sequences: s.audited,
    finalState: (_, seq) => model.replay(model.initialState(), seq),
  });
}

const trainMeta = (s: AuditedSchool, seed: number, learnerWeights?: ReadonlyMap<string, number>) =>
  metaTrainer.fit(s.train, { seed, ...(learnerWeights ? { learnerWeights } : {}) });

export interface DetectionResult {
  /** The same schools without any injected bias (the oracle and a fair recommender). */
  readonly control: Tally;
  readonly predictionBias: Tally;
  readonly recommendationBias: Tally;
  /** Mean over seeds of B − A in recommended predicted success, biased recommender minus fair one. */
  readonly injectedSuccessShift: number;
}

/** Detection power: the oracle with an injected bias, in its predictions (a) or its recommendations (b). */
export function detection(args: FairnessArgs, log: Log): DetectionResult {
  const control: AuditOutcome[] = [],
    a: AuditOutcome[] = [],
    b: AuditOutcome[] = [];
  let shift = 0;
  for (const seed of seedsOf(args)) {
    const s = schoolOf(args, SETTINGS["no difference"]!, seed);
    const isB = (l: number) => s.groups[l] === "B";
    const fair = oracleReplay(s);
    const biased = oracleReplay(s, (l) =>
      isB(l) ? { bandLow: 0.65 + BAND_SHIFT, bandHigh: 0.85 + BAND_SHIFT, bandTarget: 0.75 + BAND_SHIFT } : {},
    );
    shift += successGap(s, biased) - successGap(s, fair);
    const unbiased = oraclePredictions(s);
    control.push(outcomeOf(audit(auditInput(s, unbiased, fair), args, seed)));
    a.push(
      outcomeOf(
        audit(
          auditInput(
            s,
            oraclePredictions(s, (l) => (isB(l) ? PREDICTION_BIAS : 0)),
            fair,
          ),
          args,
          seed,
        ),
      ),
    );
    b.push(outcomeOf(audit(auditInput(s, unbiased, biased), args, seed)));
    log(`detection seed ${seed}: control ${control.at(-1)!.status}, (a) ${a.at(-1)!.status}, (b) ${b.at(-1)!.status}`);
  }
  return {
    control: tally(control),
    predictionBias: tally(a),
    recommendationBias: tally(b),
    injectedSuccessShift: shift / args.seeds,
  };
}

/** B − A of the learners' mean predicted success of their recommended tasks. */
function successGap(s: AuditedSchool, recs: readonly LearnerRecommendations[]): number {
  const sum = { A: [0, 0], B: [0, 0] } as Record<string, [number, number]>;
  recs.forEach((r, l) => {
    if (r.predictedSuccess.length === 0) return;
    const acc = sum[s.groups[l]!]!;
    acc[0] += r.predictedSuccess.reduce((x, y) => x + y, 0) / r.predictedSuccess.length;
    acc[1]++;
  });
  return sum.B![0] / sum.B![1] - sum.A![0] / sum.A![1];
}

export interface FalseAlarmRow {
  readonly setting: string;
  readonly oracle: Tally;
  readonly meta: Tally;
  /** Mean headline AUC (attempts 2..) of the oracle and of Meta on the audited learners. */
  readonly oracleAuc: number;
  readonly metaAuc: number;
}

/** Groups that differ (one way each) under an unbiased oracle, and under Meta trained on the other learners. */
export async function falseAlarms(args: FairnessArgs, log: Log): Promise<FalseAlarmRow[]> {
  const rows: FalseAlarmRow[] = [];
  for (const [setting, params] of Object.entries(SETTINGS)) {
    const oracle: AuditOutcome[] = [],
      meta: AuditOutcome[] = [];
    let oracleAuc = 0,
      metaAuc = 0;
    for (const seed of seedsOf(args)) {
      const s = schoolOf(args, params, seed);
      const truth = oraclePredictions(s);
      oracle.push(outcomeOf(audit(auditInput(s, truth, oracleReplay(s)), args, seed)));
      const model = await trainMeta(s, seed);
      const predicted = modelPredictions(s, model);
      meta.push(outcomeOf(audit(auditInput(s, predicted, modelReplay(s, model)), args, seed)));
      oracleAuc += scorePredictions(truth).auc;
      metaAuc += scorePredictions(predicted).auc;
      log(
        `${setting} seed ${seed}: oracle ${oracle.at(-1)!.status} ${oracle.at(-1)!.failing.join(", ")}; meta ${meta.at(-1)!.status} ${meta.at(-1)!.failing.join(", ")}`,
      );
    }
    rows.push({ setting, oracle: tally(oracle), meta: tally(meta), oracleAuc: oracleAuc / args.seeds, metaAuc: metaAuc / args.seeds });
  }
  return rows;
}

const ORACLE_REFERENCE = "oracle (reference: the irreducible gaps)";

export interface MitigationRow {
  readonly variant: string;
  /** Null for the oracle (a reference, not a model). */
  readonly deployable: boolean | null;
  readonly tally: Tally;
  /** Mean headline AUC over all audited learners. */
  readonly auc: number;
}

/**
 * Meta on the minority school, as trained (before), retrained with group-balanced learner weights, and
 * with a per-group calibration (Platt, and logit shift only) fitted on the training learners'
 * predictions — measured, not deployable (it needs the group at serving time). Predictions only: the
 * calibrated variants have no recommender to replay. The oracle's gaps are the reference: what no model
 * can remove (a group that answers less predictably has a lower AUC under any model).
 */
export async function mitigation(args: FairnessArgs, log: Log): Promise<MitigationRow[]> {
  const variants = ["before", "group-balanced weights", "per-group Platt calibration", "per-group logit shift", ORACLE_REFERENCE] as const;
  const outcomes = new Map<string, AuditOutcome[]>(variants.map((v) => [v, []]));
  const auc = new Map<string, number>(variants.map((v) => [v, 0]));
  for (const seed of seedsOf(args)) {
    const s = schoolOf(args, MITIGATION_SETTING, seed);
    const before = await trainMeta(s, seed);
    const reweighted = await trainMeta(s, seed, groupBalancedWeights(s.trainGroups));
    const held = modelPredictions(s, before);
    const trainIds = [...s.train.sequences.keys()];
    const onTrain = predictSequences([before], s.train.sequences as ReadonlyMap<string, readonly Trace[]>)[0]!;
    const trainGroup = Array.from(onTrain.learner, (l) => s.trainGroups.get(trainIds[l]!)!);
    const heldGroup = Array.from(held.learner, (l) => s.groups[l]!);
    const calibrated = (method: "platt" | "shift"): PredictionLayout => ({
      ...held,
      p: perGroupCalibration({ p: onTrain.p, y: onTrain.y, group: trainGroup }, method).apply(held.p, heldGroup),
    });
    const predictions: Record<(typeof variants)[number], PredictionLayout> = {
      before: held,
      "group-balanced weights": modelPredictions(s, reweighted),
      "per-group Platt calibration": calibrated("platt"),
      "per-group logit shift": calibrated("shift"),
      [ORACLE_REFERENCE]: oraclePredictions(s),
    };
    for (const v of variants) {
      outcomes.get(v)!.push(outcomeOf(audit(auditInput(s, predictions[v]), args, seed)));
      auc.set(v, auc.get(v)! + scorePredictions(predictions[v]).auc);
    }
    log(`mitigation seed ${seed}: ${variants.map((v) => `${v} ${outcomes.get(v)!.at(-1)!.status}`).join("; ")}`);
  }
  return variants.map((v) => ({
    variant: v,
    deployable: v === ORACLE_REFERENCE ? null : v === "before" || v === "group-balanced weights",
    tally: tally(outcomes.get(v)!),
    auc: auc.get(v)! / args.seeds,
  }));
}

export interface TimingRow {
  readonly attributes: string;
  readonly learners: number;
  readonly attempts: number;
  readonly comparisons: number;
  readonly rounds: number;
  readonly replaySeconds: number;
  readonly auditSeconds: number;
  readonly auditCpuSeconds: number;
}

/**
 * The audit's time on one large audited set (every learner of a simulated school is audited: the
 * held-out 20 % of a school five times larger), with the oracle's predictions and recommendations;
 * once with the group attribute alone and once with a second, three-valued attribute and intersections.
 */
export function timing(args: FairnessArgs, log: Log): TimingRow[] {
  const [lo, hi] = [30, 90]; // the simulator's default attempts per learner
  const learners = Math.max(100, Math.round(args.timingAttempts / ((lo + hi) / 2)));
  const s = auditedSchool({ learners }, 1, 1);
  const predictions = oraclePredictions(s);
  const t0 = process.hrtime.bigint();
  const recs = oracleReplay(s);
  const replaySeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  log(`timing: ${learners} learners, ${predictions.p.length} attempts, replay ${replaySeconds.toFixed(1)} s`);
  const cohort = s.auditedIds.map((_, l) => ["x", "y", "z"][l % 3]!);
  const rows: TimingRow[] = [];
  for (const [name, attributes] of [
    ["group (2 labels)", new Map([["group", s.groups]])],
    [
      "group × cohort (2 and 3 labels, intersections)",
      new Map([
        ["group", s.groups],
        ["cohort", cohort],
      ]),
    ],
  ] as const) {
    const input: FairnessAuditInput = { ...auditInput(s, predictions, recs), attributes };
    const cpu0 = process.cpuUsage();
    const t1 = process.hrtime.bigint();
    const result = auditFairness(input, { rounds: args.rounds, seed: 1 });
    const auditSeconds = Number(process.hrtime.bigint() - t1) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    rows.push({
      attributes: name,
      learners,
      attempts: predictions.p.length,
      comparisons: result.comparisons.length,
      rounds: args.rounds,
      replaySeconds,
      auditSeconds,
      auditCpuSeconds: (cpu.user + cpu.system) / 1e6,
    });
    log(`timing ${name}: audit ${auditSeconds.toFixed(1)} s (${result.comparisons.length} comparisons, ${result.status})`);
  }
  return rows;
}
