/**
 * Privacy-calibrated training: the least regularisation that keeps the model's training learners from
 * being told apart from held-out ones. Meta is trained with each task-influence bound κ of the ladder in
 * turn (ZPD_PRIVACY_TASK_INFLUENCE, default 0, 100, 250, 1000; engine/meta/task-prior.ts), and each fit
 * is attacked by the privacy audit's membership inference (shadows trained with the same κ) on the
 * held-out learners; the first that the attacks do not tell apart is kept. On a large school that is
 * κ = 0, the unconstrained model; on a school of a hundred learners a stronger bound, for some held-out
 * accuracy (docs/privacy.md). If every rung fails, the last fit is kept and the privacy gate refuses it.
 *
 * Models other than Meta and its ablation take no κ: they are trained once and audited by the gate.
 *
 * A school with a privacy budget (training-privacy.service.ts) trains Meta once, with DP-SGD spending
 * that budget: a proven bound on what the model reveals of any one learner replaces the empirical
 * calibration (κ = 0; the gate still attacks the result). Other kinds cannot spend a budget: refused.
 * Trying up to four rungs on the same held-out learners is a sequential test: a leaky fit passes by
 * chance a little more often than the attack's level alone says (stated in docs/privacy.md).
 */
import type { MembershipAudit } from "../../engine/privacy/index.js";
import type { FitOptions, KnowledgeModel, ModelTrainer, TrainingSet } from "../../engine/types.js";
import type { PrivacyGuarantee } from "../../engine/meta/dp-sgd.js";
import { BadInputError } from "../common/domain-error.js";
import type { PrivacyBudget } from "../audit/training-privacy.service.js";

/** The kinds whose training takes the task-influence bound. */
const TAKES_KAPPA = new Set(["meta", "ablation"]);

export interface TrainingOptions {
  /** Meta's task-influence bound κ (0: none). */
  readonly taskInfluenceLearners: number;
  /** DP-SGD's target (MetaOptions.privacy): the school's budget; absent: trained without DP. */
  readonly privacy?: { readonly targetEpsilon: number; readonly delta: number | null };
}

export interface LadderStep {
  readonly taskInfluenceLearners: number;
  readonly status: MembershipAudit["status"];
  readonly lossThresholdAuc: number | null;
  readonly likelihoodRatioAuc: number | null;
}

export interface PrivateFit {
  readonly model: KnowledgeModel;
  readonly trainingOptions: TrainingOptions;
  /** The rungs tried, in order (empty: a model without κ, trained once). */
  readonly ladder: readonly LadderStep[];
  /** The kept fit's membership audit (null: not audited here; the gate audits it). */
  readonly membership: MembershipAudit | null;
}

const aucOf = (a: MembershipAudit, attack: string) => a.attacks.find((x) => x.attack === attack)?.result?.auc ?? null;

export async function fitPrivately(args: {
  readonly trainer: ModelTrainer;
  readonly kind: string;
  readonly train: TrainingSet;
  readonly heldOut: TrainingSet;
  readonly fit: FitOptions;
  /** κ values to try, ascending. */
  readonly ladder: readonly number[];
  /** The membership audit of a fit (its shadows trained with `options`). */
  readonly audit: (model: KnowledgeModel, options: TrainingOptions) => Promise<MembershipAudit>;
  readonly onStep?: (options: TrainingOptions, index: number) => void;
  /** The school's privacy budget: Meta trained once with DP-SGD spending it. */
  readonly budget?: PrivacyBudget | null;
}): Promise<PrivateFit> {
  if (args.budget) {
    if (args.kind !== "meta")
      throw new BadInputError(`the school's privacy budget trains Meta (DP-SGD) only: a ${args.kind} model cannot spend it`, {
        field: "kind",
      });
    const trainingOptions: TrainingOptions = {
      taskInfluenceLearners: 0,
      privacy: { targetEpsilon: args.budget.epsilon, delta: args.budget.delta },
    };
    // DP-SGD takes no learner weights (they would be a release outside ε): the caller records that.
    const { learnerWeights: _, ...fit } = args.fit;
    return { model: await args.trainer.fit(args.train, { ...fit, ...trainingOptions }), trainingOptions, ladder: [], membership: null };
  }
  const rungs = TAKES_KAPPA.has(args.kind) ? args.ladder : [0];
  if (rungs.length === 1 || !TAKES_KAPPA.has(args.kind)) {
    const trainingOptions = { taskInfluenceLearners: rungs[0] ?? 0 };
    return {
      model: await args.trainer.fit(args.train, { ...args.fit, ...trainingOptions }),
      trainingOptions,
      ladder: [],
      membership: null,
    };
  }
  const ladder: LadderStep[] = [];
  let kept: PrivateFit | null = null;
  for (const [i, kappa] of rungs.entries()) {
    const trainingOptions = { taskInfluenceLearners: kappa };
    args.onStep?.(trainingOptions, i);
    const model = await args.trainer.fit(args.train, { ...args.fit, ...trainingOptions });
    const membership = await args.audit(model, trainingOptions);
    ladder.push({
      taskInfluenceLearners: kappa,
      status: membership.status,
      lossThresholdAuc: aucOf(membership, "LOSS_THRESHOLD"),
      likelihoodRatioAuc: aucOf(membership, "LIKELIHOOD_RATIO"),
    });
    kept = { model, trainingOptions, ladder, membership };
    if (membership.status !== "FAILED") break;
  }
  return kept!;
}

/** The training options a stored version records in its metrics (none before they were recorded: the engine's defaults). */
export function storedTrainingOptions(metrics: Record<string, unknown>): TrainingOptions | undefined {
  const o = metrics.trainingOptions as Partial<TrainingOptions> | undefined;
  if (typeof o?.taskInfluenceLearners !== "number") return undefined;
  const p = o.privacy;
  return {
    taskInfluenceLearners: o.taskInfluenceLearners,
    ...(p && typeof p.targetEpsilon === "number" ? { privacy: { targetEpsilon: p.targetEpsilon, delta: p.delta ?? null } } : {}),
  };
}

/** The (ε, δ) guarantee a model was trained with (a Meta model's, DP-SGD); null: none. */
export function privacyGuaranteeOf(model: KnowledgeModel): PrivacyGuarantee | null {
  return (model as { privacy?: PrivacyGuarantee | null }).privacy ?? null;
}

/** What a version records of its differential privacy: the guarantee spent and the budget it was trained to; null without DP. */
export function differentialPrivacyMetrics(model: KnowledgeModel, budget: PrivacyBudget | null | undefined) {
  const g = privacyGuaranteeOf(model);
  if (!g) return null;
  return { ...g, epsilon: Number.isFinite(g.epsilon) ? g.epsilon : null, budget: budget ?? null };
}
