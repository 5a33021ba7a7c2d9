/**
 * Retraining (docs/architecture.md, "A retraining"): snapshot the consented traces up to a cutoff → set the school's
 * evaluation learners apart (never trained on, by any version: comparison-set.ts) → train a candidate
 * on the others → evaluate candidate and active model on the evaluation learners neither was trained
 * on → run the gates → register the ModelVersion with every figure,
 * the data window and each gate's verdict → promote when all pass, else mark it rejected with the
 * reasons. A failure at any step leaves the active model serving: nothing changes it but the final
 * promotion, a single transaction.
 *
 * A promotion rebuilds every learner's state under the candidate before it switches the active
 * version (StateRebuildService: stage, switch with the staged states, catch up the learners whose
 * attempts arrived meanwhile), so the previous model serves with its own states until the switch.
 */
import { initBackend } from "../../engine/backend.js";
import type { ModelTrainer, TrainingSet } from "../../engine/types.js";
import { trainTaskEmbedding } from "../../engine/embedding/index.js";
import { trainers } from "../../engine/registry.js";
import { startSummary } from "../../engine/meta/index.js";
import { differentialPrivacyMetrics } from "./private-fit.js";
import { BadInputError } from "../common/domain-error.js";
import { ModelStatus } from "../../persistence/model/model-version.entity.js";
import type { ServiceDeps } from "../service-deps.js";
import { activeVersionId, type ActiveModels } from "../personalisation/active-models.js";
import { attemptCount, comparisonSet, partitionSchool } from "./comparison-set.js";
import { judge, jsonScores, MetricGate, type Gate } from "./gates.js";
import { storeAuditReports } from "../audit/audit-record.js";
import type { FairnessPolicyService } from "../audit/fairness-policy.service.js";
import { publishModel, trainedTasks } from "./model-publisher.js";
import { snapshotTrainingSet } from "./training-set.js";
import type { TrainingService } from "./training.service.js";
import type { SwitchReport } from "./state-rebuild.service.js";

export interface RetrainOptions {
  readonly kind?: string;
  readonly seed?: number;
  readonly cutoff?: Date;
  /** Train the candidate on deliberately shuffled labels (tests of the gates; never in production). */
  readonly shuffleLabels?: boolean;
  readonly onProgress?: (fraction: number, message?: string) => void;
  /** Aborts the wait for another switch of the school's model (a stopping worker). */
  readonly signal?: AbortSignal;
  /**
   * The run (a job's id, the same on its retries). A retry of a run that registered a candidate that
   * passed its gates but crashed before the switch resumes that candidate's promotion (its staged
   * states are kept) instead of training another one.
   */
  readonly runId?: string;
}

export interface RetrainResult {
  readonly modelVersionId: string | null;
  readonly version: number | null;
  readonly promoted: boolean;
  readonly status: ModelStatus | "SKIPPED";
  readonly reasons: string[];
  /** The promotion's state rebuild (when promoted). */
  readonly states?: SwitchReport;
}

/** A registered candidate of a run, with the version it was judged against (null: no active model then). */
interface Candidate {
  readonly id: string;
  readonly version: number;
  readonly status: ModelStatus;
  readonly judgedAgainst: string | null;
}

/** Fewer consenting learners than this: no candidate (the held-out set would say nothing). */
export const MIN_LEARNERS = 20;

export class RetrainService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly models: ActiveModels,
    private readonly training: TrainingService,
    private readonly gates: readonly Gate[] = [new MetricGate()],
    /** The model kinds it can train (the engine's registry; tests add a model with a bias injected on purpose). */
    private readonly registry: Readonly<Record<string, ModelTrainer>> = trainers,
    /** The school's fairness mitigation: per-learner training weights, or null (fairness-policy.service.ts). */
    private readonly mitigation?: Pick<FairnessPolicyService, "trainingWeights">,
  ) {}

  async retrain(schoolId: string, opts: RetrainOptions = {}): Promise<RetrainResult> {
    const kind = opts.kind ?? "meta";
    const seed = opts.seed ?? 1;
    const cutoff = opts.cutoff ?? new Date();
    const progress = (f: number, msg?: string) => opts.onProgress?.(Math.max(0, Math.min(1, f)), msg);
    if (opts.runId) {
      const resumed = await this.resumePromotion(schoolId, opts.runId, progress, opts.signal);
      if (resumed) return resumed;
    }
    progress(0, "snapshot");
    const snapshot = await snapshotTrainingSet(this.deps.dataSource.manager, schoolId, cutoff);
    if (snapshot.sequences.size < MIN_LEARNERS) {
      return {
        modelVersionId: null,
        version: null,
        promoted: false,
        status: "SKIPPED",
        reasons: [`only ${snapshot.sequences.size} consenting learners with attempts (at least ${MIN_LEARNERS} needed)`],
      };
    }
    const { train, evaluation } = partitionSchool(schoolId, snapshot);
    const trainer = this.registry[kind];
    if (!trainer) throw new BadInputError(`unknown model kind ${kind}`);
    const backend = await initBackend();
    const trainSet = opts.shuffleLabels ? shuffled(train, seed) : train;
    // A mitigation reaches the model as weights per learner, never as the attribute they come from; a
    // privacy budget's DP-SGD takes none (weights read from the data would be a release outside ε).
    const budget = await this.training.budgets.budget(schoolId);
    const weighting = await this.mitigation?.trainingWeights(schoolId, [...trainSet.sequences.keys()]);
    const active = await this.models.get(schoolId);
    // The version active now, as stored (null when none): what the candidate replaces if the gates pass.
    // Not `active`, which is null too when the active version's weights cannot be read.
    const judgedAgainst = await activeVersionId(this.deps.dataSource.manager, schoolId);
    // The candidate sees none of the evaluation learners; the active version may have (a version from before the record).
    const held = await comparisonSet(this.deps.dataSource.manager, schoolId, evaluation, active ? [active.versionId] : []);
    const t0 = performance.now();
    progress(0.05, "training the candidate");
    // Privacy-calibrated (private-fit.ts): Meta climbs the task-influence ladder until its training learners cannot be told from the held-out ones.
    const fitted = await this.training.fitPrivately(
      kind,
      trainer,
      trainSet,
      held.set,
      {
        seed,
        onProgress: (f) => progress(0.05 + 0.6 * f, "training the candidate"),
        ...(weighting && !budget ? { learnerWeights: weighting.weights } : {}),
      },
      (kappa, i) => i > 0 && progress(0.05, `training the candidate again with task-influence bound ${kappa} (privacy)`),
      budget,
    );
    const { model: candidate, trainingOptions } = fitted;
    const trainSeconds = (performance.now() - t0) / 1000;
    progress(0.65, "training the task embedding");
    // Under a privacy budget no task embedding (trained outside ε: see TrainingService.trainAndPublish).
    const embedding = budget ? null : await trainTaskEmbedding(trainSet, { seed });
    progress(0.75, "evaluating on held-out learners");
    const { candidateScores, activeScores, verdicts, reports } = await judge(
      this.gates,
      schoolId,
      candidate,
      active?.model ?? null,
      held.set,
      { kind, trained: trainSet, atTraining: true, trainingOptions, ...(fitted.membership ? { membership: fitted.membership } : {}) },
      (gate) => progress(0.8, `checking the ${gate} gate`),
    );
    const passed = verdicts.every((v) => v.passed);
    const reasons = verdicts.filter((v) => !v.passed).map((v) => `${v.gate}: ${v.detail}`);
    progress(0.85, passed ? "promoting" : "rejecting");
    const version = await this.deps.dataSource.transaction(async (m) => {
      const published = await publishModel(m, schoolId, {
        kind,
        weights: candidate.serialize(),
        taskEmbedding: embedding?.serialize() ?? null,
        metrics: {
          ...(opts.runId ? { runId: opts.runId } : {}),
          seed,
          backend,
          trainSeconds,
          shuffledLabels: Boolean(opts.shuffleLabels),
          trainingOptions,
          privacyLadder: fitted.ladder,
          differentialPrivacy: differentialPrivacyMetrics(candidate, budget),
          metaStart: startSummary(candidate),
          mitigation: weighting
            ? {
                ...weighting.summary,
                appliedBy: budget
                  ? "not applied: the privacy budget's DP-SGD takes no learner weights"
                  : kind === "meta"
                    ? "meta's training loss"
                    : `ignored by ${kind}`,
              }
            : null,
          trainingLearners: train.sequences.size,
          heldOutLearners: held.summary.learners,
          trainingAttempts: attemptCount(train),
          evaluation: held.summary,
          candidate: jsonScores(candidateScores),
          active: activeScores ? jsonScores(activeScores) : null,
          comparedWith: active ? { modelVersionId: active.versionId, version: active.version } : null,
          judgedAgainst,
          gates: verdicts,
        },
        trainedFrom: snapshot.from,
        trainedTo: snapshot.to,
        trainedTaskIds: trainedTasks(trainSet),
        trainedLearnerIds: train.sequences.keys(),
        notes: passed ? "" : `rejected: ${reasons.join("; ")}`,
        // Registered as a candidate: it becomes active only in the switch, once the states are rebuilt.
        status: passed ? ModelStatus.Candidate : ModelStatus.Rejected,
      });
      await storeAuditReports(m, schoolId, published.id, reports);
      return published;
    });
    if (!passed) {
      this.deps.logger.warn({ schoolId, modelVersion: version.version, reasons }, "candidate model rejected");
      return { modelVersionId: version.id, version: version.version, promoted: false, status: ModelStatus.Rejected, reasons };
    }
    const promoted = await this.promoteCandidate(schoolId, { ...version, judgedAgainst }, opts.runId, progress, opts.signal);
    if (promoted.promoted)
      this.deps.logger.info(
        { schoolId, modelVersion: version.version, auc: candidateScores.auc, ...promoted.states },
        "candidate model promoted",
      );
    return promoted;
  }

  /**
   * The run's last tenth: the learners' states rebuilt under its candidate, then the switch
   * (StateRebuildService.switchTo). Under the school's switch lock (an admin's promotion or rollback
   * waits for it, or it for them), and on the version's status as it is once the lock is held:
   * - ACTIVE (a run killed after its switch, or an admin promoted it): the switch is finished (what is
   *   still staged adopted, the catch-up run again);
   * - CANDIDATE: switched to, unless the active version is no longer the one it was judged against
   *   (another switch came first): then it stays a CANDIDATE, for promoteModel to judge against the
   *   model now active;
   * - anything else (made active, then replaced by another switch while this run was down): left so.
   */
  private async promoteCandidate(
    schoolId: string,
    v: Candidate,
    runId: string | undefined,
    progress: (f: number, msg?: string) => void,
    signal?: AbortSignal,
  ): Promise<RetrainResult> {
    const message = "rebuilding learner states under the candidate";
    progress(0.9, message);
    const onProgress = (f: number) => progress(0.9 + 0.1 * f, message);
    const outcome = await this.training.switchLock.hold(
      schoolId,
      { signal, onWait: () => progress(0.9, "waiting for another switch of the school's model") },
      async () => {
        const [{ status }] = (await this.deps.dataSource.query(`SELECT status FROM model_version WHERE id = $1`, [v.id])) as [
          { status: ModelStatus },
        ];
        if (status === ModelStatus.Active)
          return { states: { staged: 0, ...(await this.training.states.commit(schoolId, v, { onProgress, runId })) } };
        if (status !== ModelStatus.Candidate)
          return {
            reason: `version ${v.version} is ${status} now (another switch replaced it after this run made it active): left as it is`,
            status,
          };
        const now = await activeVersionId(this.deps.dataSource.manager, schoolId);
        if (now !== v.judgedAgainst)
          return {
            reason: "the active model changed after this candidate was judged; promoteModel judges it against the model now active",
            status,
          };
        return { states: await this.training.states.switchTo(schoolId, v.id, null, onProgress, runId) };
      },
    );
    if (!("states" in outcome)) {
      this.deps.logger.warn({ schoolId, modelVersion: v.version, status: outcome.status }, "candidate not promoted by this run");
      return { modelVersionId: v.id, version: v.version, promoted: false, status: outcome.status, reasons: [outcome.reason] };
    }
    progress(1, "done");
    return { modelVersionId: v.id, version: v.version, promoted: true, status: ModelStatus.Active, reasons: [], states: outcome.states };
  }

  /**
   * The version this run registered, when a retry finds one (the run crashed or was killed after
   * publishing it): a candidate's promotion is resumed (staging goes on, then the switch), an active
   * one's switch finished (adoption, catch-up), and a version rejected by its gates or replaced since
   * by another switch is the run's outcome as it stands — the retry trains nothing new. Null when none.
   */
  private async resumePromotion(
    schoolId: string,
    runId: string,
    progress: (f: number, msg?: string) => void,
    signal?: AbortSignal,
  ): Promise<RetrainResult | null> {
    const [row] = (await this.deps.dataSource.query(
      `SELECT id, version, status, notes, COALESCE(metrics->>'judgedAgainst', metrics->'comparedWith'->>'modelVersionId') AS "judgedAgainst"
       FROM model_version WHERE school_id = $1 AND metrics->>'runId' = $2 ORDER BY version DESC LIMIT 1`,
      [schoolId, runId],
    )) as (Candidate & { notes: string })[];
    if (!row) return null;
    if (row.status === ModelStatus.Rejected) {
      return {
        modelVersionId: row.id,
        version: row.version,
        promoted: false,
        status: ModelStatus.Rejected,
        reasons: [row.notes || "rejected by its gates"],
      };
    }
    this.deps.logger.info({ schoolId, modelVersion: row.version, status: row.status }, "resuming the promotion of this run's candidate");
    return this.promoteCandidate(schoolId, row, runId, progress, signal);
  }
}

/** The same traces with the outcomes permuted across the set (seeded): a model that can learn nothing. */
function shuffled(set: TrainingSet, seed: number): TrainingSet {
  const outcomes: (0 | 1)[] = [];
  for (const seq of set.sequences.values()) for (const t of seq) outcomes.push(t.correct);
  let s = seed >>> 0 || 1;
  for (let i = outcomes.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const j = s % (i + 1);
    [outcomes[i], outcomes[j]] = [outcomes[j]!, outcomes[i]!];
  }
  let k = 0;
  const sequences = new Map([...set.sequences].map(([id, seq]) => [id, seq.map((t) => ({ ...t, correct: outcomes[k++]! }))]));
  return { catalog: set.catalog, sequences };
}
