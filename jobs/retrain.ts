/**
 * `retrain` { schoolId, seed?, cutoff?, kind? }: one school's retraining (docs/architecture.md,
 * "A retraining") — services.retraining.retrain trains a candidate on the consented traces up to the cutoff,
 * judges it against the active model on held-out learners and promotes it only if every gate passes.
 * Nothing changes the active model but that final promotion, so a crash, a kill (the worker stopping
 * aborts at the next progress report) or a rejection leaves the active model serving. A crash is
 * retried with backoff; the same cutoff makes a retry train on the same data window, and a retry of a
 * run that crashed while promoting its candidate resumes that promotion (the job's id is the run's).
 * A promotion in a school that has learned policies enqueues a `train-policy` (the policy observes through
 * the model, so it is retrained for the new one; until then POLICY answers fall back to ZPD, MODEL_CHANGED).
 */
import {
  abortableProgress,
  JobDefinition,
  JobFailure,
  optionalInstant,
  optionalInt,
  optionalName,
  payloadObject,
  uuidField,
} from "./job.js";
import { JobName } from "../src/services/jobs/queues.js";
import { enqueuePolicyRetraining } from "./policy-retraining.js";

export interface RetrainPayload {
  readonly schoolId: string;
  readonly seed?: number;
  readonly cutoff?: Date;
  readonly kind?: string;
}

export const retrain: JobDefinition<RetrainPayload> = {
  name: JobName.Retrain,
  description: "retrain a school's model on its consented traces; promote the candidate only if every gate passes",
  parse(raw) {
    const p = payloadObject(this.name, raw, ["schoolId", "seed", "cutoff", "kind"]);
    return {
      schoolId: uuidField(this.name, p, "schoolId"),
      seed: optionalInt(this.name, p, "seed", 0, 2 ** 31 - 1),
      cutoff: optionalInstant(this.name, p, "cutoff"),
      kind: optionalName(this.name, p, "kind"),
    };
  },
  schoolId: (p) => p.schoolId,
  async run(p, ctx) {
    if (!(await ctx.services.jobs.schoolExists(p.schoolId))) throw new JobFailure(`school ${p.schoolId} does not exist`);
    const r = await ctx.services.retraining.retrain(p.schoolId, {
      seed: p.seed,
      cutoff: p.cutoff,
      kind: p.kind ?? ctx.settings.retrainKind,
      // A retry after a crash during the promotion resumes it (the staged states are kept).
      runId: ctx.id,
      signal: ctx.signal,
      onProgress: abortableProgress(ctx),
    });
    // A promoted model leaves the school's policy serving nothing (policy-retraining.ts): retrained, once per run.
    const policyJob = r.promoted && r.modelVersionId ? await enqueuePolicyRetraining(ctx, p.schoolId, r.modelVersionId, p.seed) : null;
    const message =
      r.status === "SKIPPED"
        ? `skipped: ${r.reasons.join("; ")}`
        : r.promoted
          ? `version ${r.version} promoted`
          : `version ${r.version} ${r.status.toLowerCase()}: ${r.reasons.join("; ")}`;
    return { message: policyJob ? `${message}; policy retraining enqueued` : message, result: { ...r, policyJob } };
  },
};
