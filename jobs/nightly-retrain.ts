/**
 * `nightly-retrain` { at? }: the cron fan-out (schedules.ts). It trains nothing: for every school
 * whose retraining schedule came due in its time zone it enqueues one `retrain`, under an id derived
 * from the school and the occurrence, so that however many workers or ticks see the occurrence, the
 * school is retrained once for it. `at` (an ISO instant) evaluates the schedule at another instant
 * than now (operators, tests).
 */
import { JobDefinition, optionalInstant, payloadObject } from "./job.js";
import { dueOccurrence } from "./schedules.js";
import { onceId } from "../src/services/jobs/job-run.service.js";
import { JobName } from "../src/services/jobs/queues.js";

export interface NightlyRetrainPayload {
  readonly at?: Date;
}

export const nightlyRetrain: JobDefinition<NightlyRetrainPayload> = {
  name: JobName.NightlyRetrain,
  description: "enqueue a retrain for every school whose retraining schedule is due (fan-out only)",
  quiet: true,
  parse(raw) {
    const p = payloadObject(this.name, raw, ["at"]);
    return { at: optionalInstant(this.name, p, "at") };
  },
  schoolId: () => null,
  async run(p, ctx) {
    const cron = ctx.settings.retrainCron;
    if (!cron) return { message: "nightly retraining is off (ZPD_RETRAIN_CRON=off)", idle: true };
    const at = p.at ?? ctx.now();
    const only = ctx.settings.schoolIds ? new Set(ctx.settings.schoolIds) : null;
    const schools = (await ctx.services.jobs.schools()).filter((s) => !only || only.has(s.id));
    const enqueued: { schoolId: string; jobId: string; occurrence: string }[] = [];
    let already = 0;
    for (const school of schools) {
      let occurrence: Date | null;
      try {
        occurrence = await dueOccurrence(cron, school.timeZone, at);
      } catch (e) {
        ctx.logger.warn(
          { schoolId: school.id, timeZone: school.timeZone, err: e },
          "the retraining schedule cannot be read in this school's time zone",
        );
        continue;
      }
      if (!occurrence) continue;
      const payload = {
        schoolId: school.id,
        cutoff: occurrence.toISOString(),
        ...(ctx.settings.retrainKind ? { kind: ctx.settings.retrainKind } : {}),
      };
      const { id, created } = await ctx.enqueue(JobName.Retrain, payload, {
        schoolId: school.id,
        id: onceId(`retrain:${school.id}`, occurrence),
      });
      if (created) enqueued.push({ schoolId: school.id, jobId: id, occurrence: occurrence.toISOString() });
      else already++;
    }
    const message = `${enqueued.length} retraining${enqueued.length === 1 ? "" : "s"} enqueued of ${schools.length} school${schools.length === 1 ? "" : "s"}${already ? ` (${already} already enqueued)` : ""}`;
    return {
      message,
      result: { at: at.toISOString(), schools: schools.length, enqueued, alreadyEnqueued: already },
      idle: enqueued.length === 0,
    };
  },
};
