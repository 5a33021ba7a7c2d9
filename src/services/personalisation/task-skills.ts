/** The skills of tasks (the Q-matrix) as the replays need them: task id → skill ids. */
import type { EntityManager } from "typeorm";
import type { CompiledCurriculum } from "../../engine/recommend/index.js";

/** The school's whole Q-matrix (task → skills), read once for a rebuild of many batches. */
export async function qMatrix(m: EntityManager, schoolId: string): Promise<Map<string, string[]>> {
  return groupSkills(await m.query(`SELECT task_id, skill_id FROM task_skill WHERE school_id = $1`, [schoolId]));
}

/**
 * The skills of these tasks: from the school's compiled curriculum when the caller holds it (the
 * hot path reads it before its transaction), else from `known` (what the caller read for a whole
 * batch), else from the database (a task created a moment ago in another process).
 */
export async function skillsOfTasks(
  m: EntityManager,
  taskIds: string[],
  curriculum?: CompiledCurriculum | null,
  known?: ReadonlyMap<string, string[]>,
): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  const missing: string[] = [];
  for (const id of taskIds) {
    const task = curriculum?.tasks.get(id);
    const skills = task ? task.skills.map((s) => s.skillId) : known?.get(id);
    if (skills) out.set(id, skills);
    else missing.push(id);
  }
  if (missing.length === 0) return out;
  const found = groupSkills(await m.query(`SELECT task_id, skill_id FROM task_skill WHERE task_id = ANY($1::uuid[])`, [missing]));
  for (const [id, skills] of found) out.set(id, skills);
  return out;
}

function groupSkills(rows: readonly { task_id: string; skill_id: string }[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const r of rows) {
    const list = out.get(r.task_id);
    if (list) list.push(r.skill_id);
    else out.set(r.task_id, [r.skill_id]);
  }
  return out;
}
