/**
 * `weekly-audits` { at? }: the weekly fan-out (schedules.ts). It audits nothing: for every school with
 * an active model it enqueues one `fairness-audit` and one `privacy-audit`, each under an id derived
 * from the kind, the school and the week, so however many workers or ticks see the week, a school is
 * audited once of each kind for it.
 */
import { JobDefinition, optionalInstant, payloadObject } from "./job.js";
import { onceId } from "../src/services/jobs/job-run.service.js";
import { JobName } from "../src/services/jobs/queues.js";

const KINDS = [JobName.FairnessAudit, JobName.PrivacyAudit] as const;

export interface WeeklyAuditsPayload {
  readonly at?: Date;
}

/** Monday 00:00 UTC of the ISO week of `at`: the occurrence a week's audits are filed under. */
export const weekOf = (at: Date): Date => {
  const d = new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate()));
  d.setUTCDate(d.getUTCDate() - ((d.getUTCDay() + 6) % 7));
  return d;
};

export const weeklyAudits: JobDefinition<WeeklyAuditsPayload> = {
  name: JobName.WeeklyAudits,
  description: "enqueue a fairness and a privacy audit of the active model of every school that has one (fan-out only)",
  parse(raw) {
    const p = payloadObject(this.name, raw, ["at"]);
    return { at: optionalInstant(this.name, p, "at") };
  },
  schoolId: () => null,
  async run(p, ctx) {
    const week = weekOf(p.at ?? ctx.now());
    const only = ctx.settings.schoolIds ? new Set(ctx.settings.schoolIds) : null;
    const schools = (await ctx.services.audits.schoolsWithActiveModel()).filter((id) => !only || only.has(id));
    let created = 0;
    for (const schoolId of schools) {
      for (const kind of KINDS) {
        const out = await ctx.enqueue(kind, { schoolId }, { schoolId, id: onceId(`${kind}:${schoolId}`, week) });
        if (out.created) created++;
      }
    }
    return {
      message: `${created} audit${created === 1 ? "" : "s"} (fairness and privacy) enqueued for ${schools.length} school${schools.length === 1 ? "" : "s"} with an active model (week of ${week.toISOString().slice(0, 10)})`,
      result: { week: week.toISOString(), schools: schools.length, enqueued: created },
      idle: created === 0,
    };
  },
};
