/**
 * `train-policy` { schoolId, seed?, iterations?, episodes?, overrideReason? }: trains the school's learned
 * sequencing policy (docs/policy.md) — services.policyTraining.train: simulated schools on the school's
 * curriculum observed through its active model, PPO, then the gate against the tuned ZPD rule on held-out
 * simulated episodes. A policy that passes (or an operator's override) goes live at once, retiring the
 * previous one; one that does not is stored REJECTED with the figures and the job succeeds (the run says
 * so): nothing serving changes. `iterations` and `episodes` make a smaller training (tests, trials); the
 * defaults are the engine's. A crash is retried; the same seed trains the same policy.
 */
import { abortableProgress, JobDefinition, JobFailure, optionalInt, payloadObject, PayloadError, uuidField } from "./job.js";
import { JobName } from "../src/services/jobs/queues.js";

export interface TrainPolicyPayload {
  readonly schoolId: string;
  readonly seed?: number;
  readonly iterations?: number;
  readonly episodes?: number;
  readonly overrideReason?: string;
}

export const trainPolicy: JobDefinition<TrainPolicyPayload> = {
  name: JobName.TrainPolicy,
  description: "train the school's learned sequencing policy in simulation; it goes live only if it beats the tuned ZPD rule",
  parse(raw) {
    const p = payloadObject(this.name, raw, ["schoolId", "seed", "iterations", "episodes", "overrideReason"]);
    const reason = p.overrideReason;
    if (reason !== undefined && reason !== null && typeof reason !== "string")
      throw new PayloadError(`${this.name}: overrideReason must be a string, got ${JSON.stringify(reason)}`);
    return {
      schoolId: uuidField(this.name, p, "schoolId"),
      seed: optionalInt(this.name, p, "seed", 0, 2 ** 31 - 1),
      iterations: optionalInt(this.name, p, "iterations", 1, 10_000),
      episodes: optionalInt(this.name, p, "episodes", 1, 10_000),
      ...(typeof reason === "string" ? { overrideReason: reason } : {}),
    };
  },
  schoolId: (p) => p.schoolId,
  async run(p, ctx) {
    if (!(await ctx.services.jobs.schoolExists(p.schoolId))) throw new JobFailure(`school ${p.schoolId} does not exist`);
    const r = await ctx.services.policyTraining.train(p.schoolId, {
      ...(p.seed !== undefined ? { seed: p.seed } : {}),
      ...(p.iterations !== undefined ? { iterations: p.iterations } : {}),
      ...(p.episodes !== undefined ? { episodes: p.episodes } : {}),
      ...(p.overrideReason !== undefined ? { overrideReason: p.overrideReason } : {}),
      onProgress: abortableProgress(ctx),
    });
    const message =
      r.status === "ACTIVE"
        ? `policy version ${r.version} live${r.passed ? "" : " over the gate"} (model version ${r.modelVersion})`
        : `policy version ${r.version} rejected: it did not beat the tuned ZPD rule on held-out simulated episodes`;
    return { message, result: { ...r } };
  },
};
