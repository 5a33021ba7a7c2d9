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
 * Trying up to four rungs on the same held-out learners is a sequential test: a leaky fit passes by
 * chance a little more often than the attack's level alone says (stated in docs/privacy.md).
 */
import type { MembershipAudit } from "../../engine/privacy/index.js";
import type { FitOptions, KnowledgeModel, ModelTrainer, TrainingSet } from "../../engine/types.js";

/** The kinds whose training takes the task-influence bound. */
const TAKES_KAPPA = new Set(["meta", "ablation"]);

export interface TrainingOptions {
  /** Meta's task-influence bound κ (0: none). */
  readonly taskInfluenceLearners: number;
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
}): Promise<PrivateFit> {
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
  return typeof o?.taskInfluenceLearners === "number" ? { taskInfluenceLearners: o.taskInfluenceLearners } : undefined;
}
