/**
 * New tasks, fast: the online difficulty of a task the model was not trained on, shared by every learner
 * who attempts it (issue #18, item 3).
 *
 * A task never seen in training gets its skills' prior offset ē_i (the mean offset of its skills' trained
 * tasks; unseen.ts). Here its offset becomes a per-task coordinate that every attempt on it,
 * by any learner, moves — the item side of Elo, with a meta-learned start and step:
 *
 *   e_i⁽⁰⁾ = m + w · ē_i                                      meta-learned prior: shift m, weight w on the skills' prior
 *   after the n-th attempt on i (n = 0, 1, …), with the learner's prediction p made with e_i⁽ⁿ⁾:
 *   e_i⁽ⁿ⁺¹⁾ = e_i⁽ⁿ⁾ + a(n) · (y − p),     a(n) = α / (1 + β · n)
 *
 * (m, w, α, β) are fitted by episodic meta-training (new-task-training.ts): tasks of the training set are
 * held out as if new, and the parameters minimise the log loss of their attempts predicted online in
 * time order. The step is learned, not a constant: α = 0 is "do not adapt", and noisier answers or a
 * prior that already knows the task give smaller steps (tests in new-tasks.test.ts).
 *
 * The state is per task, not per learner: a `TaskState` is plain JSON (the service would store one per
 * new task and school, next to the model version it belongs to, and update it with every attempt's
 * prediction). These functions are pure; MetaModel.newTaskState / predictNewTask / updateNewTask apply
 * them with the learner's state.
 */
import { EngineError, EngineErrorCode } from "../errors.js";

/** The meta-learned prior and step of a new task's offset (module comment), with how they were fitted. */
export interface NewTaskParams {
  /** m: added to the prior. */
  readonly shift: number;
  /** w: the weight of the skills' prior offset ē_i. */
  readonly skillWeight: number;
  /** α: the step on a task's first attempt. */
  readonly step: number;
  /** β: the step's decay with the task's attempts. */
  readonly decay: number;
  /** Tasks and attempts of the episodes the parameters were fitted on (0: not fitted). */
  readonly episodeTasks: number;
  readonly episodeAttempts: number;
}

/** No adaptation: the skills' prior, never moved (a model trained without episodes, or under privacy). */
export const NEW_TASKS_OFF: NewTaskParams = Object.freeze({
  shift: 0,
  skillWeight: 1,
  step: 0,
  decay: 0,
  episodeTasks: 0,
  episodeAttempts: 0,
});

/** One new task's online state: its current offset e_i and the attempts that moved it (plain JSON). */
export interface TaskState {
  readonly offset: number;
  readonly attempts: number;
}

/** The state of a task no one has attempted yet, from its skills' prior offset ē_i. */
export function initialTaskState(p: NewTaskParams, skillPrior: number): TaskState {
  return { offset: p.shift + p.skillWeight * skillPrior, attempts: 0 };
}

/** a(n) = α / (1 + β·n): the step of the task's offset on its (n+1)-th attempt. */
export function newTaskStep(p: NewTaskParams, attempts: number): number {
  return p.step / (1 + p.decay * attempts);
}

/** The task's state after an attempt with outcome y that was predicted with probability `prob` (made with `state.offset`). */
export function taskStateAfter(p: NewTaskParams, state: TaskState, prob: number, y: 0 | 1): TaskState {
  return { offset: state.offset + newTaskStep(p, state.attempts) * (y - prob), attempts: state.attempts + 1 };
}

/** Checks a TaskState read from storage; INVALID_PARAMETERS if it is not one. */
export function checkTaskState(x: unknown): TaskState {
  const s = x as Partial<TaskState> | null;
  if (
    typeof s !== "object" ||
    s === null ||
    typeof s.offset !== "number" ||
    !Number.isFinite(s.offset) ||
    !Number.isInteger(s.attempts) ||
    s.attempts! < 0
  ) {
    throw new EngineError(EngineErrorCode.InvalidParameters, "not a task state: { offset: finite number, attempts: integer ≥ 0 }");
  }
  return { offset: s.offset, attempts: s.attempts! };
}

/** meta.newTasks of a model file: absent on a model trained without episodes (every file before them). */
export function readNewTaskParams(x: unknown): NewTaskParams {
  if (x === undefined || x === null) return NEW_TASKS_OFF;
  const p = x as Record<string, unknown>;
  const fields = ["shift", "skillWeight", "step", "decay", "episodeTasks", "episodeAttempts"] as const;
  if (
    typeof p !== "object" ||
    fields.some((f) => typeof p[f] !== "number" || !Number.isFinite(p[f])) ||
    (p.step as number) < 0 ||
    (p.decay as number) < 0
  ) {
    throw new EngineError(EngineErrorCode.CorruptModel, "not a valid meta model file: meta.newTasks");
  }
  return Object.fromEntries(fields.map((f) => [f, p[f]])) as unknown as NewTaskParams;
}
