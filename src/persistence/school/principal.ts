/**
 * Whether the school a token names exists, and the learner or teacher it names in that school: a
 * validly signed token for a school, learner or teacher that does not exist (never did, or was deleted
 * or erased) names nobody.
 */
import type { EntityManager } from "typeorm";

export async function principalExists(
  m: EntityManager,
  p: { readonly schoolId: string; readonly learnerId?: string; readonly teacherId?: string },
): Promise<boolean> {
  const [row]: { ok: boolean }[] = await m.query(
    `SELECT EXISTS (SELECT 1 FROM school WHERE id = $1)
        AND ($2::uuid IS NULL OR EXISTS (SELECT 1 FROM learner WHERE id = $2 AND school_id = $1))
        AND ($3::uuid IS NULL OR EXISTS (SELECT 1 FROM teacher WHERE id = $3 AND school_id = $1)) AS ok`,
    [p.schoolId, p.learnerId ?? null, p.teacherId ?? null],
  );
  return row?.ok === true;
}
