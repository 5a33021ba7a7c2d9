/**
 * Training a school's learned sequencing policy (the `train-policy` job; docs/policy.md): simulated
 * schools built from the school's own curriculum, observed through its active knowledge model
 * (engine/policy/curriculum-school.ts), PPO warm-started from the ZPD band tuned there, then the gate:
 * the policy goes live only if its mean return beats the tuned ZPD rule's on held-out simulated
 * episodes (engine/policy/school-policy.ts). Otherwise it is stored REJECTED with the figures, unless an
 * operator gives an override reason (stored in `notes`, as promoteModel's). Going live retires the
 * previous active policy in the same transaction; the knowledge models' lifecycle is not touched.
 */
import { trainSchoolPolicy, serializePolicy, simulableCurriculum, type SchoolPolicyOptions } from "../../engine/policy/index.js";
import { PolicyStatus, PolicyVersion } from "../../persistence/policy/policy-version.entity.js";
import { BadInputError } from "../common/domain-error.js";
import { formatBound, OVERRIDE_REASON_LENGTH } from "../common/input-bounds.js";
import type { ActiveModels } from "../personalisation/active-models.js";
import type { CurriculumCache } from "../personalisation/curriculum-cache.js";
import type { ServiceDeps } from "../service-deps.js";
import type { ActivePolicies } from "./active-policies.js";

export interface PolicyTrainingRequest {
  readonly seed?: number;
  /**
   * PPO iterations (default: the engine's, 60). With `episodes`, a smaller training for tests and trials;
   * the nightly and on-demand jobs use the defaults.
   */
  readonly iterations?: number;
  /** Episodes per PPO iteration, per tuning band and school, and per held-out school in the gate (default: the engine's). */
  readonly episodes?: number;
  /** Put the policy live even if it does not beat the tuned ZPD rule, for this reason (stored in notes). */
  readonly overrideReason?: string;
  readonly onProgress?: (fraction: number, message?: string) => void;
}

export interface PolicyTrainingResult {
  readonly id: string;
  readonly version: number;
  readonly status: PolicyStatus;
  readonly modelVersion: number;
  readonly passed: boolean;
  /** The gate's figures (engine PolicyGateVerdict), as stored in `training.gate`. */
  readonly gate: Record<string, unknown>;
  readonly seconds: number;
}

export class PolicyTrainingService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly models: ActiveModels,
    private readonly policies: ActivePolicies,
    private readonly curricula: CurriculumCache,
  ) {}

  async train(schoolId: string, req: PolicyTrainingRequest = {}): Promise<PolicyTrainingResult> {
    const reason = req.overrideReason?.trim();
    if (reason !== undefined && (reason.length < OVERRIDE_REASON_LENGTH.min || reason.length > OVERRIDE_REASON_LENGTH.max)) {
      throw new BadInputError(
        `overrideReason must hold at least ${OVERRIDE_REASON_LENGTH.min} and at most ${formatBound(OVERRIDE_REASON_LENGTH.max)} characters`,
        { argument: "overrideReason" },
      );
    }
    const loaded = await this.models.get(schoolId);
    if (!loaded) throw new BadInputError("the school has no active knowledge model: a policy observes through it, train one first");
    this.curricula.invalidate(schoolId); // train for the curriculum as it is now
    const curriculum = await this.curricula.get(schoolId);
    const simulable = simulableCurriculum(curriculum, loaded.model).tasks.size;
    if (simulable < 2) {
      throw new BadInputError(
        `the curriculum has ${simulable} task(s) the active model knows: a policy needs at least 2 to choose between`,
        { tasks: simulable },
      );
    }
    const seed = req.seed ?? 1;
    const e = req.episodes;
    const options: Partial<SchoolPolicyOptions> & { seed: number } = {
      seed,
      ...(e !== undefined ? { gateEpisodes: e, grid: { episodesPerEnvironment: e } } : {}),
      training: {
        ...(req.iterations !== undefined ? { iterations: req.iterations } : {}),
        ...(e !== undefined ? { episodesPerIteration: e, imitationEpisodes: e } : {}),
      },
      ...(req.onProgress ? { onProgress: req.onProgress } : {}),
    };
    const trained = await trainSchoolPolicy(curriculum, loaded.model, options);
    const passed = trained.verdict.passed;
    const live = passed || reason !== undefined;
    const gate = { ...trained.verdict } as unknown as Record<string, unknown>;
    const training = {
      ...trained.policy.training,
      seconds: trained.seconds,
      simulableTasks: simulable,
      gate,
    };
    const v = trained.verdict;
    const why =
      v.refusedFor === "ENGAGEMENT"
        ? `kept fewer learners engaged than the tuned ZPD rule on held-out simulated episodes (${(100 * v.policy.engaged).toFixed(1)} % against ${(100 * v.tunedZpd.engaged).toFixed(1)} %)`
        : `did not beat the tuned ZPD rule on held-out simulated episodes (mean return ${v.policy.meanReturn.toFixed(3)} against ${v.tunedZpd.meanReturn.toFixed(3)})`;
    const notes = passed ? "" : `${why}${reason !== undefined ? `; put live over the gate: ${reason}` : ""}`;
    const row = await this.deps.dataSource.transaction(async (m) => {
      // One school's policies are numbered in order: the lock serialises two trainings finishing together.
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('policy_version:' || $1))`, [schoolId]);
      const [top] = (await m.query(`SELECT COALESCE(MAX(version), 0) + 1 AS next FROM policy_version WHERE school_id = $1`, [
        schoolId,
      ])) as { next: number }[];
      const next = top!.next;
      const now = new Date();
      if (live) {
        await m.query(`UPDATE policy_version SET status = $2, updated_at = now() WHERE school_id = $1 AND status = $3`, [
          schoolId,
          PolicyStatus.Retired,
          PolicyStatus.Active,
        ]);
      }
      return m.getRepository(PolicyVersion).save(
        Object.assign(new PolicyVersion(), {
          schoolId,
          version: Number(next),
          modelVersionId: loaded.versionId,
          curriculumFingerprint: trained.fingerprint,
          status: live ? PolicyStatus.Active : PolicyStatus.Rejected,
          policy: serializePolicy(trained.policy),
          training,
          notes,
          activatedAt: live ? now : null,
        }),
      );
    });
    this.policies.invalidate(schoolId);
    this.deps.logger.info(
      { schoolId, policyVersion: row.version, status: row.status, difference: trained.verdict.difference },
      "policy trained",
    );
    return {
      id: row.id,
      version: row.version,
      status: row.status,
      modelVersion: loaded.version,
      passed,
      gate,
      seconds: trained.seconds,
    };
  }

  /**
   * Whether a knowledge model just made active leaves the school's policy to retrain: the school has ever
   * had a policy trained, and its active policy (if any) was trained with another model version.
   */
  async needsRetraining(schoolId: string, activeModelVersionId: string): Promise<boolean> {
    const [row]: { has: boolean; current: boolean }[] = await this.deps.dataSource.query(
      `SELECT EXISTS (SELECT 1 FROM policy_version WHERE school_id = $1) AS has,
              EXISTS (SELECT 1 FROM policy_version WHERE school_id = $1 AND status = $3 AND model_version_id = $2) AS current`,
      [schoolId, activeModelVersionId, PolicyStatus.Active],
    );
    return row?.has === true && row.current !== true;
  }
}
