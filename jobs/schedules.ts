/**
 * Every schedule of the system, in one place.
 *
 * The weekly fairness audit of every active model runs at ZPD_AUDIT_CRON (default "0 3 * * 1", Mondays
 * 03:00 UTC; `off` turns it off): pg-boss holds that schedule itself, and its job (`weekly-audits`) only
 * enqueues one `fairness-audit` and one `privacy-audit` per school with an active model, under an id per kind, school and week.
 *
 * Retention, when ZPD_RETENTION_DAYS or ZPD_ACCESS_LOG_RETENTION_DAYS is set (the latter has a default),
 * runs daily at RETENTION_CRON (04:30 UTC, after the night's retrainings and audits): `retention` deletes
 * the attempts older than the period, folded into `attempt_daily_rollup` first, and replays the affected
 * learners' states; and it deletes the access-log rows older than theirs. Neither set, no schedule is held.
 *
 * Nightly retraining runs at 02:00 in each school's own time zone (School.timeZone) by default;
 * ZPD_RETRAIN_CRON changes the expression (read in each school's zone) and `off` turns it off.
 * pg-boss runs one schedule for it, the minute tick of `nightly-retrain`, in UTC; the tick fans out:
 * it enqueues one `retrain` for every school whose expression came due in its zone since a few
 * minutes before the tick. A school created or moved to another zone is picked up at the next tick,
 * with no schedule to re-register.
 *
 * The learned sequencing policy has no schedule of its own: `retrain` enqueues a `train-policy` after it
 * promotes a model in a school that has policies (the policy observes through that model), and admins run
 * it on demand (`trainPolicy`; docs/policy.md).
 *
 * Exactly once, across any number of workers: pg-boss's cron pass is claimed by one instance at a
 * time and files each occurrence under a singleton key for its minute, so a tick is one job; and
 * each school's retraining for one occurrence is sent under a deterministic id (onceId(school,
 * occurrence)), which pg-boss inserts with ON CONFLICT DO NOTHING, so two fan-outs of one tick (or
 * of two overlapping ticks) enqueue it once.
 */
// biome-ignore syntax/correctness/noTypeOnlyImportAttributes: resolution-mode is valid TypeScript (5.3+); pg-boss is ESM-only
import type { PgBoss } from "pg-boss" with { "resolution-mode": "import" };
import { cronOccurrences } from "../src/services/jobs/job-queue.js";
import { JobName } from "../src/services/jobs/queues.js";

/** The default retraining schedule, read in each school's time zone. */
export const DEFAULT_RETRAIN_CRON = "0 2 * * *";
/** The daily retention pass (pg-boss, UTC), held only while ZPD_RETENTION_DAYS is set. */
export const RETENTION_CRON = "30 4 * * *";
/** The tick of the nightly fan-out (pg-boss, UTC). */
export const NIGHTLY_TICK_CRON = "* * * * *";
/** How far back a tick looks for a due occurrence (a tick delayed by a busy or restarting worker still sees it). */
export const LOOKBACK_MS = 10 * 60_000;

export interface ScheduleSpec {
  readonly name: string;
  readonly cron: string;
  readonly tz: string;
  readonly data: Record<string, unknown>;
  readonly description: string;
}

export interface ScheduleSettings {
  readonly retrainCron: string | null;
  /** The weekly audits' cron expression (UTC); null or absent = off. */
  readonly auditCron?: string | null;
  /** ZPD_RETENTION_DAYS; null or absent (and no access-log period) = no retention schedule. */
  readonly retentionDays?: number | null;
  /** ZPD_ACCESS_LOG_RETENTION_DAYS; null or absent (and no attempts' period) = no retention schedule. */
  readonly accessLogRetentionDays?: number | null;
  /** The tick (tests: a one-off minute). */
  readonly tickCron?: string;
}

/** The schedules pg-boss should hold. */
export function schedules(settings: ScheduleSettings): ScheduleSpec[] {
  const out: ScheduleSpec[] = [];
  if (settings.retrainCron) {
    out.push({
      name: JobName.NightlyRetrain,
      cron: settings.tickCron ?? NIGHTLY_TICK_CRON,
      tz: "UTC",
      data: {},
      description: `enqueue a retrain for each school whose "${settings.retrainCron}" came due in its time zone`,
    });
  }
  if (settings.auditCron) {
    out.push({
      name: JobName.WeeklyAudits,
      cron: settings.auditCron,
      tz: "UTC",
      data: {},
      description: "enqueue a fairness audit of the active model of every school that has one",
    });
  }
  if (settings.retentionDays || settings.accessLogRetentionDays) {
    const what = [
      ...(settings.retentionDays
        ? [
            `delete attempts older than ${settings.retentionDays} days (folded into attempt_daily_rollup first) and replay the learners' states`,
          ]
        : []),
      ...(settings.accessLogRetentionDays ? [`delete access-log rows older than ${settings.accessLogRetentionDays} days`] : []),
    ];
    out.push({ name: JobName.Retention, cron: RETENTION_CRON, tz: "UTC", data: {}, description: what.join("; ") });
  }
  return out;
}

/** The queues whose schedules this file owns (a schedule of ours no longer listed is removed). */
const MANAGED = new Set<string>([JobName.NightlyRetrain, JobName.WeeklyAudits, JobName.Retention]);

/** Makes pg-boss hold exactly `specs` among the managed schedules. Idempotent; every worker calls it at start. */
export async function applySchedules(boss: PgBoss, specs: readonly ScheduleSpec[]): Promise<void> {
  for (const s of specs) await boss.schedule(s.name, s.cron, s.data, { tz: s.tz });
  const wanted = new Set(specs.map((s) => s.name));
  for (const existing of await boss.getSchedules()) {
    if (MANAGED.has(existing.name) && !wanted.has(existing.name)) await boss.unschedule(existing.name, existing.key);
  }
}

/**
 * The retraining occurrence due for a school at `at`: the latest occurrence of `cron` in its time
 * zone within (at − LOOKBACK_MS, at], or null.
 */
export async function dueOccurrence(cron: string, timeZone: string, at: Date): Promise<Date | null> {
  const occ = await cronOccurrences(cron, timeZone, new Date(at.getTime() - LOOKBACK_MS), at, 1000);
  return occ.at(-1) ?? null;
}
