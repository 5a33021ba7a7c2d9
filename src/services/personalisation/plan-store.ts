/**
 * Stores a plan as the goal's path (in the caller's transaction, with the goal row locked): the path
 * row in one upsert, the steps in one statement. What happened stays (done and skipped steps, in
 * their order), a teacher's pinned steps keep their positions, and the plan's steps flow around them;
 * the old pending unpinned steps are replaced.
 */
import { EntityManager } from "typeorm";
import type { LearningPlan } from "../../engine/recommend/index.js";
import { PathStepStatus } from "../../persistence/goal/path-step.entity.js";
import { uuidv7 } from "../../shared/ids.js";
import { queryPrepared } from "../../persistence/prepared.js";
import type { GoalContext, StoredStep } from "./learner-context.js";

export interface StoredPathRow {
  readonly id: string;
  readonly goalId: string;
  readonly learnerId: string;
  readonly modelVersionId: string | null;
  readonly plannedAt: Date;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

export interface WrittenPlan {
  readonly path: StoredPathRow;
  /** The path's steps after the write, in position order. */
  readonly steps: StoredStep[];
}

export async function writePlan(
  m: EntityManager,
  schoolId: string,
  goal: GoalContext,
  learnerId: string,
  plan: LearningPlan,
  modelVersionId: string | null,
  now: Date,
): Promise<WrittenPlan> {
  const [row] = (await queryPrepared<unknown[]>(
    m,
    `INSERT INTO learning_path (id, school_id, goal_id, learner_id, model_version_id, planned_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)
     ON CONFLICT (goal_id) DO UPDATE SET model_version_id = EXCLUDED.model_version_id, planned_at = EXCLUDED.planned_at, updated_at = EXCLUDED.updated_at
     RETURNING id, created_at`,
    [goal.path?.id ?? uuidv7(), schoolId, goal.id, learnerId, modelVersionId, now],
  )) as { id: string; created_at: Date }[];
  const pathId = row!.id;
  const old = goal.path?.id === pathId ? goal.steps : [];

  // A pinned step keeps its position; the other steps flow around it: history first, then the plan.
  const pinned = old.filter((st) => st.pinned && st.status === PathStepStatus.Pending);
  const history = old.filter((st) => st.status !== PathStepStatus.Pending);
  const pinnedTasks = new Set(pinned.map((st) => st.taskId));
  const fresh: StoredStep[] = plan.steps
    .filter((st) => !pinnedTasks.has(st.taskId))
    .map((st) => ({
      id: uuidv7(),
      position: 0,
      taskId: st.taskId,
      skillId: st.skillId,
      reason: st.explanation,
      status: PathStepStatus.Pending,
      pinned: false,
      createdAt: now,
      updatedAt: now,
    }));
  const flowing = [...history, ...fresh];
  const total = pinned.length + flowing.length;
  const byPosition = new Map(pinned.filter((st) => st.position <= total).map((st) => [st.position, st]));
  const overflow = pinned.filter((st) => st.position > total);
  const ordered: StoredStep[] = [];
  for (let pos = 1, f = 0; pos <= total; pos++) ordered.push(byPosition.get(pos) ?? flowing[f++] ?? overflow.shift()!);
  const steps = ordered.map((st, i) => (st.position === i + 1 ? st : { ...st, position: i + 1, updatedAt: now }));

  const oldPosition = new Map([...pinned, ...history].map((st) => [st.id, st.position]));
  const moved = steps.filter((st) => oldPosition.has(st.id) && oldPosition.get(st.id) !== st.position);
  const added = steps.filter((st) => !oldPosition.has(st.id));
  // Different rows in each part (no unique index on positions), so one statement does all three.
  await queryPrepared(
    m,
    `WITH dropped AS (DELETE FROM path_step WHERE path_id = $1 AND status = $2 AND NOT pinned),
          moved AS (UPDATE path_step ps SET position = u.position, updated_at = $3 FROM unnest($4::uuid[], $5::int[]) AS u(id, position) WHERE ps.id = u.id)
     INSERT INTO path_step (id, school_id, path_id, position, task_id, skill_id, reason, status, pinned, created_at, updated_at)
     SELECT u.id, $6, $1, u.position, u.task_id, u.skill_id, u.reason, $2, false, $3, $3
     FROM unnest($7::uuid[], $8::int[], $9::uuid[], $10::uuid[], $11::text[]) AS u(id, position, task_id, skill_id, reason)`,
    [
      pathId,
      PathStepStatus.Pending,
      now,
      moved.map((st) => st.id),
      moved.map((st) => st.position),
      schoolId,
      added.map((st) => st.id),
      added.map((st) => st.position),
      added.map((st) => st.taskId),
      added.map((st) => st.skillId),
      added.map((st) => st.reason),
    ],
  );
  return {
    path: { id: pathId, goalId: goal.id, learnerId, modelVersionId, plannedAt: now, createdAt: new Date(row!.created_at), updatedAt: now },
    steps,
  };
}
