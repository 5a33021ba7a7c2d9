/**
 * The engine's one catalogue compiler: dense integer indices for a catalogue. Every model (Meta, the
 * baselines, the task embedding) maps task and skill ids to 0..n−1 once, in the catalogue's own order
 * (so that a seed reproduces a model byte for byte), and works on typed arrays from then on. The
 * Q-matrix is stored in CSR form (row = task). One rule for a catalogue that does not check out: an
 * EngineError (a duplicate skill or task id, an unknown skill, a weight outside (0, 1]).
 */
import { EngineError, EngineErrorCode } from "./errors.js";
import type { TensorData } from "./serialization.js";
import type { Catalog } from "./types.js";

export class CatalogIndex {
  readonly taskIndex: Map<string, number>;
  readonly skillIndex: Map<string, number>;
  /** The most skills any one task exercises (≥ 1). */
  readonly maxSkills: number;

  private constructor(
    readonly taskIds: readonly string[],
    readonly skillIds: readonly string[],
    /** Task t's skills are qSkill[qStart[t] .. qStart[t+1]) with weights qWeight[same]. */
    readonly qStart: Int32Array,
    readonly qSkill: Int32Array,
    readonly qWeight: Float64Array,
  ) {
    this.taskIndex = new Map(taskIds.map((id, i) => [id, i]));
    this.skillIndex = new Map(skillIds.map((id, i) => [id, i]));
    let maxSkills = 1;
    for (let t = 0; t < taskIds.length; t++) maxSkills = Math.max(maxSkills, qStart[t + 1]! - qStart[t]!);
    this.maxSkills = maxSkills;
  }

  get taskCount(): number {
    return this.taskIds.length;
  }
  get skillCount(): number {
    return this.skillIds.length;
  }

  /** Validates the catalogue: unique ids, known skills, weights in (0, 1]. */
  static fromCatalog(catalog: Catalog): CatalogIndex {
    const skillIndex = new Map<string, number>();
    catalog.skillIds.forEach((id, i) => {
      if (skillIndex.has(id)) throw new EngineError(EngineErrorCode.InvalidData, `duplicate skill id ${id}`, { skillId: id });
      skillIndex.set(id, i);
    });
    const seen = new Set<string>();
    const qStart = new Int32Array(catalog.tasks.length + 1);
    const skills: number[] = [];
    const weights: number[] = [];
    catalog.tasks.forEach((task, t) => {
      if (seen.has(task.taskId))
        throw new EngineError(EngineErrorCode.InvalidData, `duplicate task id ${task.taskId}`, { taskId: task.taskId });
      seen.add(task.taskId);
      for (const q of task.skills) {
        const k = skillIndex.get(q.skillId);
        if (k === undefined) {
          throw new EngineError(EngineErrorCode.UnknownSkill, `task ${task.taskId} names unknown skill ${q.skillId}`, {
            taskId: task.taskId,
            skillId: q.skillId,
          });
        }
        if (!(q.weight > 0 && q.weight <= 1)) {
          throw new EngineError(EngineErrorCode.InvalidData, `task ${task.taskId}: Q-matrix weight ${q.weight} is not in (0, 1]`, {
            taskId: task.taskId,
          });
        }
        skills.push(k);
        weights.push(q.weight);
      }
      qStart[t + 1] = skills.length;
    });
    return new CatalogIndex(
      catalog.tasks.map((t) => t.taskId),
      [...catalog.skillIds],
      qStart,
      Int32Array.from(skills),
      Float64Array.from(weights),
    );
  }

  /** The dense index of a task; EngineError(UNKNOWN_TASK) if the catalogue does not know it. */
  task(taskId: string): number {
    const t = this.taskIndex.get(taskId);
    if (t === undefined) throw new EngineError(EngineErrorCode.UnknownTask, `unknown task ${taskId}`, { taskId });
    return t;
  }

  /** The dense index of a skill; EngineError(UNKNOWN_SKILL) if unknown. */
  skill(skillId: string): number {
    const k = this.skillIndex.get(skillId);
    if (k === undefined) throw new EngineError(EngineErrorCode.UnknownSkill, `unknown skill ${skillId}`, { skillId });
    return k;
  }

  /** For serialisation: ids go to the JSON header, the Q-matrix to tensors. */
  toFile(): { meta: { taskIds: readonly string[]; skillIds: readonly string[] }; tensors: Record<string, TensorData> } {
    return {
      meta: { taskIds: this.taskIds, skillIds: this.skillIds },
      tensors: { qStart: this.qStart, qSkill: this.qSkill, qWeight: this.qWeight },
    };
  }

  static fromFile(meta: unknown, tensors: Readonly<Record<string, TensorData>>): CatalogIndex {
    const m = meta as { taskIds?: unknown; skillIds?: unknown } | null;
    const { qStart, qSkill, qWeight } = tensors;
    const ok =
      m !== null &&
      typeof m === "object" &&
      Array.isArray(m.taskIds) &&
      Array.isArray(m.skillIds) &&
      qStart instanceof Int32Array &&
      qSkill instanceof Int32Array &&
      qWeight instanceof Float64Array &&
      qStart.length === m.taskIds.length + 1 &&
      qSkill.length === qWeight.length &&
      qStart[qStart.length - 1] === qSkill.length &&
      qSkill.every((k) => k >= 0 && k < (m.skillIds as unknown[]).length);
    if (!ok) throw new EngineError(EngineErrorCode.CorruptModel, "corrupt model file: catalogue does not check out");
    return new CatalogIndex(m.taskIds as string[], m.skillIds as string[], qStart, qSkill, qWeight);
  }
}
