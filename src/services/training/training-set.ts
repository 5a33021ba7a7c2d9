/**
 * A snapshot of a school's traces for training: the catalogue (tasks with their Q-matrix, skills)
 * and the attempts, up to a cutoff, of the learners who consented to the use of their traces for
 * training — nobody else's data reaches a model.
 */
import { EntityManager } from "typeorm";
import type { Catalog, TaskInfo, Trace, TrainingSet } from "../../engine/types.js";
import { ConsentPurpose } from "../../persistence/learner/consent.entity.js";
import { trainedLearnerIds } from "../../persistence/audit/privacy-inputs.js";

export interface TrainingSnapshot extends TrainingSet {
  readonly attempts: number;
  readonly from: Date | null;
  readonly to: Date | null;
}

export async function loadCatalog(m: EntityManager, schoolId: string): Promise<Catalog> {
  const skills: { id: string }[] = await m.query(`SELECT id FROM skill WHERE school_id = $1 ORDER BY id`, [schoolId]);
  const cells: { task_id: string; skill_id: string; weight: number }[] = await m.query(
    `SELECT t.id AS task_id, ts.skill_id, ts.weight FROM task t JOIN task_skill ts ON ts.task_id = t.id WHERE t.school_id = $1 ORDER BY t.id, ts.skill_id`,
    [schoolId],
  );
  const tasks = new Map<string, { skillId: string; weight: number }[]>();
  for (const c of cells) tasks.set(c.task_id, [...(tasks.get(c.task_id) ?? []), { skillId: c.skill_id, weight: c.weight }]);
  const taskInfos: TaskInfo[] = [...tasks].map(([taskId, skills]) => ({ taskId, skills }));
  return { tasks: taskInfos, skillIds: skills.map((s) => s.id) };
}

export async function snapshotTrainingSet(m: EntityManager, schoolId: string, cutoff: Date): Promise<TrainingSnapshot> {
  const catalog = await loadCatalog(m, schoolId);
  const rows: { learner_id: string; task_id: string; correct: boolean; occurred_at: Date }[] = await m.query(
    `SELECT a.learner_id, a.task_id, a.correct, a.occurred_at FROM attempt a
     JOIN consent c ON c.learner_id = a.learner_id AND c.purpose = $3 AND c.granted
     WHERE a.school_id = $1 AND a.occurred_at <= $2
     ORDER BY a.learner_id, a.occurred_at, a.id`,
    [schoolId, cutoff, ConsentPurpose.Training],
  );
  const sequences = new Map<string, Trace[]>();
  let from: Date | null = null;
  let to: Date | null = null;
  for (const r of rows) {
    const at = new Date(r.occurred_at);
    if (!from || at < from) from = at;
    if (!to || at > to) to = at;
    const seq = sequences.get(r.learner_id) ?? [];
    seq.push({ learnerId: r.learner_id, taskId: r.task_id, correct: r.correct ? 1 : 0, at: at.getTime() });
    sequences.set(r.learner_id, seq);
  }
  return { catalog, sequences, attempts: rows.length, from, to };
}

/**
 * A stored version's training snapshot as it can be rebuilt now: the learners it was trained on
 * (model_version_learner, all of them in `recorded`) with the attempts, up to the end of its training
 * window, of those who still consent (nobody else's data is read again). Null when
 * its training learners were not recorded (a version from before the record): an audit cannot see what
 * it was trained on. Learners erased since are gone from both, as they should be.
 */
export async function versionTrainingSet(
  m: EntityManager,
  schoolId: string,
  versionId: string,
  trainedTo: Date | null,
): Promise<(TrainingSet & { readonly recorded: readonly string[] }) | null> {
  const recorded = await trainedLearnerIds(m, versionId);
  if (recorded.length === 0) return null;
  const all = await snapshotTrainingSet(m, schoolId, trainedTo ?? new Date());
  const sequences = new Map(recorded.filter((id) => all.sequences.has(id)).map((id) => [id, all.sequences.get(id)!] as const));
  return { catalog: all.catalog, sequences, recorded };
}
