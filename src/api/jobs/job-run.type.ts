import { Field, Float, Int, ObjectType, registerEnumType } from "type-graphql";
import { DateTime, JSONObject, UUID } from "../common/scalars.js";
import { Connection } from "../common/connection.js";
import { JobStatus, type JobRun } from "../../services/jobs/job-run.service.js";

export const JobStatusValues = Object.fromEntries(Object.values(JobStatus).map((v) => [v, v])) as { readonly [K in JobStatus]: K };
registerEnumType(JobStatusValues, {
  name: "JobStatus",
  description: "QUEUED, RUNNING, RETRYING (an attempt failed; pg-boss retries it with backoff), SUCCEEDED, FAILED.",
});
export { JobStatus };

@ObjectType("JobRun", {
  description: "One job (retraining, state rebuild, promotion, rollback) of the school: status, progress, error, attempts.",
})
export class JobRunType {
  @Field(() => UUID) id!: string;
  @Field({ description: "The job, e.g. retrain or rebuild-states." }) name!: string;
  @Field(() => JSONObject, { description: "The job's payload." }) payload!: Record<string, unknown>;
  @Field(() => JobStatusValues) status!: JobStatus;
  @Field(() => Float, { description: "0..1, updated as the job runs (at most every 2 s)." }) progress!: number;
  @Field({ description: "What it is doing, or what it did." }) message!: string;
  @Field(() => String, { nullable: true, description: "The last attempt's error." }) error!: string | null;
  @Field(() => JSONObject, {
    nullable: true,
    description:
      "What a finished job returned (a retrain: its model version, status and reasons; a promotion or rollback: the version, the states staged, adopted and caught up, the gates' verdicts — also on a refusal).",
  })
  result!: Record<string, unknown> | null;
  @Field(() => Int, { description: "Attempts started so far (retries included)." }) attempts!: number;
  @Field(() => DateTime, { nullable: true }) startedAt!: Date | null;
  @Field(() => DateTime, { nullable: true }) finishedAt!: Date | null;
  @Field(() => DateTime) createdAt!: Date;

  static from(r: JobRun): JobRunType {
    return Object.assign(new JobRunType(), {
      id: r.id,
      name: r.name,
      payload: r.payload,
      status: r.status,
      progress: r.progress,
      message: r.message,
      error: r.error,
      result: r.result,
      attempts: r.attempts,
      startedAt: r.startedAt,
      finishedAt: r.finishedAt,
      createdAt: r.createdAt,
    });
  }
}

@ObjectType()
export class JobRunConnection extends Connection(JobRunType, "JobRun") {}
