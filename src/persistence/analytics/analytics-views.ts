/**
 * Reads of the `analytics` views for one school (the GraphQL analytics read exactly what BI tools read,
 * suppression included). Numbers come back as numbers; a suppressed figure as null.
 */
import type { DataSource, EntityManager } from "typeorm";

export interface CohortSkillMasteryRow {
  readonly cohortId: string | null;
  readonly cohortName: string | null;
  readonly skillId: string;
  readonly skillCode: string;
  readonly skillName: string;
  readonly learners: number | null;
  readonly meanMastery: number | null;
  readonly q1Mastery: number | null;
  readonly medianMastery: number | null;
  readonly q3Mastery: number | null;
  readonly shareMastered: number | null;
  readonly suppressed: boolean;
}

export interface PersonalisationEffectRow {
  readonly cohortId: string | null;
  readonly cohortName: string | null;
  readonly personalised: boolean;
  readonly learners: number | null;
  readonly meanSuccessRate: number | null;
  readonly medianAttempts: number | null;
  readonly medianTimeOnTaskSeconds: number | null;
  readonly meanShareOnPathSteps: number | null;
  readonly suppressed: boolean;
  readonly learnersWithPath: number | null;
  readonly meanSharePathStepsDone: number | null;
  readonly pathSuppressed: boolean;
  readonly learnersReachingMastery: number | null;
  readonly medianAttemptsToMastery: number | null;
  readonly masterySuppressed: boolean;
}

type Db = DataSource | EntityManager;

/**
 * Runs analytics reads in one transaction without JIT compilation: the views' plans are costed high
 * enough to trigger it, and compiling them took longer than running them (on 120,000 attempts, PostgreSQL
 * 15: 4–5 s of JIT on each 0.3–1.7 s query). bi:role turns JIT off for BI roles the same way.
 */
export function analyticsRead<T>(ds: DataSource, read: (m: EntityManager) => Promise<T>): Promise<T> {
  return ds.transaction(async (m) => {
    await m.query(`SET LOCAL jit = off`);
    return read(m);
  });
}

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

/** A row with snake_case keys → camelCase, numeric strings (bigint, numeric) → numbers. */
function shape<T>(row: Record<string, unknown>, numeric: readonly string[]): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[camel(k)] = numeric.includes(k) && v !== null ? Number(v) : v;
  return out as T;
}

export async function cohortSkillMastery(
  db: Db,
  schoolId: string,
  filter: { cohortId?: string | null; skillId?: string | null },
): Promise<CohortSkillMasteryRow[]> {
  const rows: Record<string, unknown>[] = await db.query(
    `SELECT cohort_id, cohort_name, skill_id, skill_code, skill_name, learners, mean_mastery, q1_mastery, median_mastery, q3_mastery,
            share_mastered, suppressed
     FROM analytics.mastery_by_cohort_skill
     WHERE school_id = $1 AND ($2::uuid IS NULL OR cohort_id = $2) AND ($3::uuid IS NULL OR skill_id = $3)
     ORDER BY skill_code, skill_id, cohort_id IS NOT NULL, cohort_name, cohort_id`,
    [schoolId, filter.cohortId ?? null, filter.skillId ?? null],
  );
  return rows.map((r) =>
    shape<CohortSkillMasteryRow>(r, ["learners", "mean_mastery", "q1_mastery", "median_mastery", "q3_mastery", "share_mastered"]),
  );
}

export async function personalisationEffect(
  db: Db,
  schoolId: string,
  filter: { cohortId?: string | null },
): Promise<PersonalisationEffectRow[]> {
  const rows: Record<string, unknown>[] = await db.query(
    `SELECT cohort_id, cohort_name, personalised, learners, mean_success_rate, median_attempts, median_time_on_task_seconds,
            mean_share_on_path_steps, suppressed, learners_with_path, mean_share_path_steps_done, path_suppressed,
            learners_reaching_mastery, median_attempts_to_mastery, mastery_suppressed
     FROM analytics.personalisation_effect_by_cohort
     WHERE school_id = $1 AND ($2::uuid IS NULL OR cohort_id = $2)
     ORDER BY cohort_id IS NOT NULL, cohort_name, cohort_id, personalised DESC`,
    [schoolId, filter.cohortId ?? null],
  );
  return rows.map((r) =>
    shape<PersonalisationEffectRow>(r, [
      "learners",
      "mean_success_rate",
      "median_attempts",
      "median_time_on_task_seconds",
      "mean_share_on_path_steps",
      "learners_with_path",
      "mean_share_path_steps_done",
      "learners_reaching_mastery",
      "median_attempts_to_mastery",
    ]),
  );
}
