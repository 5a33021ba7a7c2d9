/**
 * `retention` { at? }: deletes the attempts older than ZPD_RETENTION_DAYS, a UTC day per transaction,
 * after folding their counts into `attempt_daily_rollup`, then replays the affected learners' states
 * from what remains (services/privacy/retention.service.ts), and the recommendation-log rows served before
 * the same cutoff (services/recommendation-log/); and deletes the access-log rows older than
 * ZPD_ACCESS_LOG_RETENTION_DAYS (services/access-log/access-log.service.ts). Daily (schedules.ts) when
 * either period is set; with ZPD_RETENTION_DAYS unset every attempt is kept. `npm run job -- retention
 * [--school <id>]` runs it now.
 */
import { plural } from "../src/shared/plural.js";
import { abortableProgress, JobDefinition, optionalInstant, payloadObject } from "./job.js";
import { JobName } from "../src/services/jobs/queues.js";

export interface RetentionPayload {
  readonly at?: Date;
}

export const retention: JobDefinition<RetentionPayload> = {
  name: JobName.Retention,
  description:
    "delete attempts older than ZPD_RETENTION_DAYS (folded into attempt_daily_rollup first), replay the learners' states, and the recommendation log of the same period; delete access-log rows older than ZPD_ACCESS_LOG_RETENTION_DAYS",
  parse(raw) {
    const p = payloadObject(this.name, raw, ["at"]);
    return { at: optionalInstant(this.name, p, "at") };
  },
  schoolId: () => null,
  async run(p, ctx) {
    const at = p.at ?? ctx.now();
    const days = ctx.settings.retentionDays ?? null;
    const logDays = ctx.settings.accessLogRetentionDays ?? null;
    const messages: string[] = [];
    const result: Record<string, unknown> = {};
    let idle = true;
    if (days === null) messages.push("retention is off (ZPD_RETENTION_DAYS unset): every attempt is kept");
    else {
      const r = await ctx.services.retention.apply({
        retentionDays: days,
        at,
        schoolIds: ctx.settings.schoolIds,
        onProgress: abortableProgress(ctx, "deleting old attempts"),
      });
      messages.push(
        `${plural(r.deleted, "attempt")} before ${r.cutoff.toISOString()} deleted (${r.folded} folded into attempt_daily_rollup) in ${plural(r.schools, "school")}; ${plural(r.learners, "learner")} marked for replay, ${r.rebuilt} rebuilt; ${plural(r.xapiStatements, "xAPI statement")} and ${plural(r.xapiDocuments, "xAPI document")} deleted`,
      );
      Object.assign(result, { ...r, cutoff: r.cutoff.toISOString(), retentionDays: days });
      // The recommendation log goes with the attempts it would be evaluated against.
      const served = await ctx.services.recommendationLog.prune(days, at, ctx.settings.schoolIds);
      messages.push(`${plural(served.deleted, "recommendation-log row")} deleted`);
      result.recommendationLog = { deleted: served.deleted };
      idle &&= r.deleted === 0 && r.xapiStatements === 0 && r.xapiDocuments === 0 && served.deleted === 0;
    }
    if (logDays !== null) {
      const r = await ctx.services.accessLog.prune(logDays, at, ctx.settings.schoolIds);
      messages.push(`${plural(r.deleted, "access-log row")} before ${r.cutoff.toISOString()} deleted`);
      result.accessLog = { deleted: r.deleted, cutoff: r.cutoff.toISOString(), retentionDays: logDays };
      idle &&= r.deleted === 0;
    }
    return { message: messages.join("; "), ...(Object.keys(result).length ? { result } : {}), idle };
  },
};
