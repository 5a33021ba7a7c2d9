/**
 * The school's analytics for dashboards without SQL access (analysts and admins): the same `analytics`
 * views BI tools read (docs/analytics.md), for the caller's school only, with the same small-cell
 * suppression — a cell over fewer than k learners comes back with its figures null and `suppressed`.
 */
import { readAnalyticsK } from "../../persistence/analytics/analytics-settings.js";
import { ensureAnalyticsStatistics } from "../../persistence/analytics/analytics-statistics.js";
import {
  analyticsRead,
  cohortSkillMastery,
  type CohortSkillMasteryRow,
  personalisationEffect,
  type PersonalisationEffectRow,
} from "../../persistence/analytics/analytics-views.js";
import { Actor, Role } from "../auth/actor.js";
import { requireRole } from "../auth/access-policy.js";
import type { ServiceDeps } from "../service-deps.js";

export type { CohortSkillMasteryRow, PersonalisationEffectRow };

const READERS = [Role.Analyst, Role.Admin];

/** How often, at most, a read checks the planner statistics (analytics-statistics.ts). */
const STATISTICS_CHECK_MS = 60_000;

export class AnalyticsService {
  private statisticsCheckedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly deps: ServiceDeps) {}

  /** Statistics first (embedded PGlite has no autovacuum), at most once a minute per process. */
  private async fresh(): Promise<void> {
    if (Date.now() - this.statisticsCheckedAt < STATISTICS_CHECK_MS) return;
    this.statisticsCheckedAt = Date.now();
    const analysed = await ensureAnalyticsStatistics(this.deps.dataSource);
    if (analysed.length) this.deps.logger.debug({ tables: analysed }, "analytics: planner statistics refreshed");
  }

  /** The small-cell threshold the views apply (ZPD_ANALYTICS_K). */
  async k(actor: Actor): Promise<number> {
    requireRole(actor, ...READERS);
    return readAnalyticsK(this.deps.dataSource);
  }

  /** Mastery by cohort × skill (the school row first: cohort null). */
  async masteryByCohortSkill(
    actor: Actor,
    filter: { cohortId?: string | null; skillId?: string | null },
  ): Promise<CohortSkillMasteryRow[]> {
    requireRole(actor, ...READERS);
    await this.fresh();
    return analyticsRead(this.deps.dataSource, (m) => cohortSkillMastery(m, actor.schoolId, filter));
  }

  /** The personalisation effect by cohort × personalised (the school rows first: cohort null). */
  async personalisationEffect(actor: Actor, filter: { cohortId?: string | null }): Promise<PersonalisationEffectRow[]> {
    requireRole(actor, ...READERS);
    await this.fresh();
    return analyticsRead(this.deps.dataSource, (m) => personalisationEffect(m, actor.schoolId, filter));
  }
}
