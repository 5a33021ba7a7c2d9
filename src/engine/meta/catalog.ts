/**
 * The catalogue compiled to dense indices: task i exercises skills taskSkill[taskSkillStart[i] ..
 * taskSkillStart[i+1]) with Q-matrix weights taskWeight[...]. Fixed iteration order (the catalogue's
 * own order), so that a seed reproduces a model byte for byte.
 */
import { EngineError, EngineErrorCode } from "../errors.js";
import type { Catalog, Trace, TrainingSet } from "../types.js";

export interface CompiledCatalog {
  readonly taskIds: readonly string[];
  readonly skillIds: readonly string[];
  readonly taskIndex: ReadonlyMap<string, number>;
  readonly skillIndex: ReadonlyMap<string, number>;
  readonly taskSkillStart: Int32Array;
  readonly taskSkill: Int32Array;
  readonly taskWeight: Float64Array;
  /** The most skills any one task exercises (≥ 1). */
  readonly maxSkills: number;
}

export function compileCatalog(catalog: Catalog): CompiledCatalog {
  const skillIndex = new Map<string, number>();
  catalog.skillIds.forEach((id) => {
    if (!skillIndex.has(id)) skillIndex.set(id, skillIndex.size);
  });
  const taskIndex = new Map<string, number>();
  const taskIds: string[] = [];
  const start: number[] = [0];
  const skills: number[] = [];
  const weights: number[] = [];
  let maxSkills = 1;
  for (const task of catalog.tasks) {
    if (taskIndex.has(task.taskId)) {
      throw new EngineError(EngineErrorCode.InvalidData, `task ${task.taskId} appears twice in the catalogue`, { taskId: task.taskId });
    }
    taskIndex.set(task.taskId, taskIds.length);
    taskIds.push(task.taskId);
    for (const s of task.skills) {
      const k = skillIndex.get(s.skillId);
      if (k === undefined) {
        throw new EngineError(EngineErrorCode.UnknownSkill, `task ${task.taskId} names unknown skill ${s.skillId}`, { taskId: task.taskId, skillId: s.skillId });
      }
      if (!(s.weight > 0 && s.weight <= 1)) {
        throw new EngineError(EngineErrorCode.InvalidData, `task ${task.taskId}: Q-matrix weight ${s.weight} is outside (0, 1]`, { taskId: task.taskId });
      }
      skills.push(k);
      weights.push(s.weight);
    }
    maxSkills = Math.max(maxSkills, task.skills.length);
    start.push(skills.length);
  }
  return {
    taskIds,
    skillIds: [...skillIndex.keys()],
    taskIndex,
    skillIndex,
    taskSkillStart: Int32Array.from(start),
    taskSkill: Int32Array.from(skills),
    taskWeight: Float64Array.from(weights),
    maxSkills,
  };
}

export function taskIndexOf(cat: CompiledCatalog, taskId: string): number {
  const i = cat.taskIndex.get(taskId);
  if (i === undefined) throw new EngineError(EngineErrorCode.UnknownTask, `unknown task ${taskId}`, { taskId });
  return i;
}

/** Training sequences as flat arrays: learner l's attempts are [start[l], start[l+1]). */
export interface EncodedSequences {
  readonly learnerIds: readonly string[];
  readonly start: Int32Array;
  readonly task: Int32Array;
  readonly correct: Uint8Array;
}

/** Encodes the given learners' sequences (in the given order); unknown tasks are UNKNOWN_TASK. */
export function encodeSequences(cat: CompiledCatalog, sequences: ReadonlyMap<string, readonly Trace[]>, learnerIds: readonly string[]): EncodedSequences {
  let n = 0;
  for (const id of learnerIds) n += sequences.get(id)?.length ?? 0;
  const start = new Int32Array(learnerIds.length + 1);
  const task = new Int32Array(n);
  const correct = new Uint8Array(n);
  let j = 0;
  learnerIds.forEach((id, l) => {
    start[l] = j;
    for (const trace of sequences.get(id) ?? []) {
      task[j] = taskIndexOf(cat, trace.taskId);
      correct[j] = trace.correct === 1 ? 1 : 0;
      j++;
    }
  });
  start[learnerIds.length] = j;
  return { learnerIds, start, task, correct };
}

/** Learners with at least one trace, in a fixed (sorted) order; EMPTY_TRAINING_SET if there is none. */
export function nonEmptyLearners(data: TrainingSet): string[] {
  const ids = [...data.sequences.entries()].filter(([, s]) => s.length > 0).map(([id]) => id);
  if (ids.length === 0) throw new EngineError(EngineErrorCode.EmptyTrainingSet, "the training set has no traces");
  return ids.sort();
}
