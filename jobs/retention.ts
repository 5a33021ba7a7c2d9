/**
 * `retention` { at? }: deletes the attempts older than ZPD_RETENTION_DAYS, a UTC day per transaction,
 * after folding their counts into `attempt_daily_rollup`, then replays the affected learners' states
 * from what remains (services/privacy/retention.service.ts). Daily (schedules.ts) when the period is
 * set; with it unset the job deletes nothing. `npm run job -- retention [--school <id>]` runs it now.
 */
import { abortableProgress, JobDefinition, optionalInstant, payloadObject } from "./job.js";
import { JobName } from "../src/services/jobs/queues.js";

export interface RetentionPayload {
  readonly at?: Date;
}

export const retention: JobDefinition<RetentionPayload> = {
  name: JobName.Retention,
  description: "delete attempts older than ZPD_RETENTION_DAYS (folded into attempt_daily_rollup first), replay the learners' states",
  parse(raw) {
    const p = payloadObject(this.name, raw, ["at"]);
    return { at: optionalInstant(this.name, p, "at") };
  },
  schoolId: () => null,
  async run(p, ctx) {
    const days = ctx.settings.retentionDays ?? null;
    if (days === null) return { message: "retention is off (ZPD_RETENTION_DAYS unset): every attempt is kept", idle: true };
    const r = await ctx.services.retention.apply({
      retentionDays: days,
      at: p.at ?? ctx.now(),
      schoolIds: ctx.settings.schoolIds,
      onProgress: abortableProgress(ctx, "deleting old attempts"),
    });
    const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? "" : "s"}`;
    return {
      message: `${plural(r.deleted, "attempt")} before ${r.cutoff.toISOString()} deleted (${r.folded} folded into attempt_daily_rollup) in ${plural(r.schools, "school")}; ${plural(r.learners, "learner")} marked for replay, ${r.rebuilt} rebuilt`,
      result: { ...r, cutoff: r.cutoff.toISOString(), retentionDays: days },
      idle: r.deleted === 0,
    };
  },
};
