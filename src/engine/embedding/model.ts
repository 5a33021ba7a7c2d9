/**
 * A trained task embedding: vectors for the catalogue's tasks, nearest neighbours, the embedding of a
 * new task from its skills, a difficulty prior from neighbours, and the model file.
 *
 * Immutable. Every vector is computed once at construction by the typed-array `forward` from the
 * float32 weights, so a model rebuilt from its file answers with bit-identical vectors.
 */
import { CatalogIndex } from "../catalog-index.js";
import { EngineError, EngineErrorCode } from "../errors.js";
import { decodeModel, encodeModel, type TensorData } from "../serialization.js";
import type { TaskInfo } from "../types.js";
import { forward, type NetworkWeights } from "./network.js";
import { type EmbeddingOptions, validateEmbeddingOptions } from "./options.js";

export const TASK_EMBEDDING_MODEL = "task-embedding";

export interface EmbeddingReport {
  readonly seed: number;
  /** TensorFlow.js backend the weights were trained on. */
  readonly backend: string;
  readonly attempts: number;
  readonly coAttemptedPairs: number;
  /** Pairs labelled alike or unlike, before the `maxPairs` sample. */
  readonly labelledPairs: number;
  /** Pairs kept for training, and their labels. */
  readonly trainingPairs: number;
  readonly alikePairs: number;
  readonly unlikePairs: number;
  readonly steps: number;
  /** Loss of the last batch (null when there was nothing to train on). */
  readonly finalLoss: number | null;
  /** Wall-clock training time; not stored in the model file (it would break byte-identical files). */
  readonly seconds?: number;
}

export interface Neighbour {
  readonly taskId: string;
  /** Euclidean distance in the embedding, ≥ 0. */
  readonly distance: number;
}

const invalid = (message: string, details?: Record<string, unknown>) =>
  new EngineError(EngineErrorCode.InvalidParameters, message, details);

export class TaskEmbedding {
  readonly name = TASK_EMBEDDING_MODEL;
  readonly dimension: number;
  /** N×d row-major, catalogue order. */
  private readonly vectors: Float32Array;

  constructor(
    private readonly catalog: CatalogIndex,
    private readonly weights: NetworkWeights,
    readonly options: EmbeddingOptions,
    readonly report: EmbeddingReport,
  ) {
    this.dimension = weights.dimension;
    const D = this.dimension;
    this.vectors = new Float32Array(catalog.taskCount * D);
    for (let i = 0; i < catalog.taskCount; i++) {
      const from = catalog.qStart[i]!,
        to = catalog.qStart[i + 1]!;
      forward(weights, catalog.qSkill.subarray(from, to), catalog.qWeight.subarray(from, to), i, this.vectors.subarray(i * D, (i + 1) * D));
    }
  }

  /** The embedded tasks, in catalogue order. */
  get taskIds(): readonly string[] {
    return this.catalog.taskIds;
  }

  has(taskId: string): boolean {
    return this.catalog.taskIndex.has(taskId);
  }

  /** f(task) (a copy). EngineError(UNKNOWN_TASK) for a task not in the training catalogue. */
  vector(taskId: string): Float32Array {
    const i = this.catalog.task(taskId);
    return this.vectors.slice(i * this.dimension, (i + 1) * this.dimension);
  }

  /**
   * The `count` tasks nearest to `taskId` by Euclidean distance, excluding itself, nearest first; ties
   * broken by task id (code-unit order). Fewer when the catalogue is smaller. UNKNOWN_TASK, or
   * INVALID_PARAMETERS for a count that is not a non-negative integer.
   */
  similar(taskId: string, count: number): Neighbour[] {
    const i = this.catalog.task(taskId);
    return this.nearest(this.vectors.subarray(i * this.dimension, (i + 1) * this.dimension), count, i);
  }

  /**
   * `similar(task.taskId, count)` when the embedding knows the task, else the neighbours of
   * `embedNew(task)`: one call for a service whose catalogue has grown since training.
   */
  similarToTask(task: TaskInfo, count: number): Neighbour[] {
    const i = task && typeof task === "object" ? this.catalog.taskIndex.get(task.taskId) : undefined;
    return i !== undefined ? this.similar(task.taskId, count) : this.nearestTo(this.embedNew(task), count);
  }

  /** The `count` tasks nearest to any vector of this embedding's dimension (e.g. `embedNew(task)`). */
  nearestTo(vector: ArrayLike<number>, count: number, excludeTaskId?: string): Neighbour[] {
    if (!vector || vector.length !== this.dimension) throw invalid(`nearestTo: the vector must have ${this.dimension} components`);
    for (let j = 0; j < vector.length; j++) if (!Number.isFinite(vector[j]!)) throw invalid("nearestTo: the vector must be finite");
    const exclude = excludeTaskId === undefined ? -1 : (this.catalog.taskIndex.get(excludeTaskId) ?? -1);
    return this.nearest(vector, count, exclude);
  }

  /**
   * f of a task from its skills only (T = 0): the vector of a task never seen in training. Its id is not
   * looked at. Skills this embedding does not know are ignored (a skill created after training); a task
   * with no known skill gets the vector of the empty skill set. INVALID_DATA for a malformed task or a
   * Q-matrix weight outside (0, 1].
   */
  embedNew(task: TaskInfo): Float32Array {
    const { skills, weights } = this.knownSkills(task);
    return forward(this.weights, skills, weights, -1);
  }

  /**
   * A difficulty prior for a task without attempts: the mean of `difficulties` over its k nearest
   * neighbours (k = `priorNeighbours` by default) among the embedded tasks that have a finite difficulty
   * there, the task itself excluded. The query point is the task's own vector when the embedding knows
   * its id, else `embedNew(task)`. `undefined` when no neighbour has a difficulty. Difficulties may be on
   * any scale (logits of a fitted model, say); the prior is on the same scale.
   */
  difficultyPrior(task: TaskInfo, difficulties: ReadonlyMap<string, number>, k: number = this.options.priorNeighbours): number | undefined {
    return this.difficultyPriors([task], difficulties, k)[0];
  }

  /**
   * `difficultyPrior` of each of `tasks`, in order: the tasks with a finite difficulty are found once
   * for all (a catalogue's recalibration asks for hundreds of priors against the same difficulties).
   */
  difficultyPriors(
    tasks: readonly TaskInfo[],
    difficulties: ReadonlyMap<string, number>,
    k: number = this.options.priorNeighbours,
  ): (number | undefined)[] {
    if (!Number.isInteger(k) || k < 1) throw invalid(`difficultyPrior: k must be an integer ≥ 1 (got ${String(k)})`, { k });
    if (!(difficulties instanceof Map)) throw invalid("difficultyPrior: difficulties must be a Map from task id to difficulty");
    const candidates: number[] = [];
    for (let i = 0; i < this.catalog.taskCount; i++) {
      const v = difficulties.get(this.catalog.taskIds[i]!);
      if (v !== undefined && Number.isFinite(v)) candidates.push(i);
    }
    return tasks.map((task) => {
      const own = task && typeof task === "object" ? this.catalog.taskIndex.get(task.taskId) : undefined;
      const query = own !== undefined ? this.vectors.subarray(own * this.dimension, (own + 1) * this.dimension) : this.embedNew(task);
      const near = this.rank(query, candidates, k, own ?? -1);
      if (near.length === 0) return undefined;
      let sum = 0;
      for (const i of near) sum += difficulties.get(this.catalog.taskIds[i]!)!;
      return sum / near.length;
    });
  }

  /** The model file (encodeModel, model name "task-embedding"): ids and options in the header, weights as tensors. */
  serialize(): Uint8Array {
    const w = this.weights;
    const cat = this.catalog.toFile();
    const { seconds: _seconds, ...report } = this.report;
    const tensors: Record<string, TensorData> = {
      ...cat.tensors,
      skill: w.skill,
      task: w.task,
      b1: w.b1,
      w2: w.w2,
      b2: w.b2,
    };
    return encodeModel({
      model: TASK_EMBEDDING_MODEL,
      meta: { ...cat.meta, hidden: w.hidden, dimension: w.dimension, options: this.options, report },
      tensors,
    });
  }

  private knownSkills(task: TaskInfo): { skills: number[]; weights: number[] } {
    if (!task || typeof task !== "object" || !Array.isArray(task.skills)) {
      throw new EngineError(EngineErrorCode.InvalidData, "a task must be { taskId, skills: [{ skillId, weight }] }");
    }
    const skills: number[] = [],
      weights: number[] = [];
    for (const s of task.skills) {
      if (!s || !(s.weight > 0 && s.weight <= 1)) {
        throw new EngineError(
          EngineErrorCode.InvalidData,
          `task ${String(task.taskId)}: Q-matrix weight ${String(s?.weight)} is not in (0, 1]`,
          { taskId: task.taskId },
        );
      }
      const k = this.catalog.skillIndex.get(s.skillId);
      if (k === undefined) continue;
      skills.push(k);
      weights.push(s.weight);
    }
    return { skills, weights };
  }

  private nearest(query: ArrayLike<number>, count: number, exclude: number): Neighbour[] {
    if (!Number.isInteger(count) || count < 0) throw invalid(`count must be a non-negative integer (got ${String(count)})`, { count });
    const candidates: number[] = [];
    for (let i = 0; i < this.catalog.taskCount; i++) if (i !== exclude) candidates.push(i);
    return this.rank(query, candidates, count).map((i) => ({ taskId: this.catalog.taskIds[i]!, distance: this.distance(query, i) }));
  }

  /** The k candidates nearest to `query` (but `exclude`), nearest first, ties by task id: one pass keeping a sorted top k. */
  private rank(query: ArrayLike<number>, candidates: readonly number[], k: number, exclude = -1): number[] {
    const ids = this.catalog.taskIds;
    const before = (da: number, a: number, db: number, b: number) => da < db || (da === db && ids[a]! < ids[b]!);
    const top: number[] = [],
      topDist: number[] = [];
    if (k === 0) return top;
    for (const i of candidates) {
      if (i === exclude) continue;
      const d = this.distance(query, i);
      if (top.length === k && !before(d, i, topDist[k - 1]!, top[k - 1]!)) continue;
      let at = top.length === k ? k - 1 : top.length;
      while (at > 0 && before(d, i, topDist[at - 1]!, top[at - 1]!)) {
        top[at] = top[at - 1]!;
        topDist[at] = topDist[at - 1]!;
        at--;
      }
      top[at] = i;
      topDist[at] = d;
    }
    return top;
  }

  private distance(query: ArrayLike<number>, i: number): number {
    const D = this.dimension,
      base = i * D;
    let s = 0;
    for (let d = 0; d < D; d++) {
      const x = query[d]! - this.vectors[base + d]!;
      s += x * x;
    }
    return Math.sqrt(s);
  }
}

/** Rebuilds a TaskEmbedding from `serialize()` bytes. CORRUPT_MODEL / UNSUPPORTED_FORMAT as decodeModel. */
export function loadTaskEmbedding(bytes: Uint8Array): TaskEmbedding {
  const file = decodeModel(bytes);
  if (file.model !== TASK_EMBEDDING_MODEL) {
    throw new EngineError(EngineErrorCode.UnsupportedFormat, `a ${file.model} model is not a task embedding`, { model: file.model });
  }
  const cat = CatalogIndex.fromFile(file.meta, file.tensors);
  const meta = file.meta as { hidden?: unknown; dimension?: unknown; options?: Partial<EmbeddingOptions>; report?: EmbeddingReport };
  const H = meta.hidden,
    D = meta.dimension;
  const t = file.tensors;
  const f32 = (x: TensorData | undefined, length: number): x is Float32Array => x instanceof Float32Array && x.length === length;
  if (
    typeof H !== "number" ||
    typeof D !== "number" ||
    !Number.isInteger(H) ||
    !Number.isInteger(D) ||
    H < 1 ||
    D < 1 ||
    !f32(t.skill, cat.skillCount * H) ||
    !f32(t.task, cat.taskCount * H) ||
    !f32(t.b1, H) ||
    !f32(t.w2, H * D) ||
    !f32(t.b2, D) ||
    typeof meta.report !== "object" ||
    meta.report === null ||
    ![t.skill, t.task, t.b1, t.w2, t.b2].every((x) => (x as Float32Array).every(Number.isFinite))
  ) {
    throw new EngineError(EngineErrorCode.CorruptModel, "corrupt model file: task-embedding weights do not check out");
  }
  let options: EmbeddingOptions;
  try {
    options = validateEmbeddingOptions(meta.options ?? {});
  } catch {
    throw new EngineError(EngineErrorCode.CorruptModel, "corrupt model file: task-embedding options do not check out");
  }
  const weights: NetworkWeights = {
    taskCount: cat.taskCount,
    skillCount: cat.skillCount,
    hidden: H,
    dimension: D,
    skill: t.skill as Float32Array,
    task: t.task as Float32Array,
    b1: t.b1 as Float32Array,
    w2: t.w2 as Float32Array,
    b2: t.b2 as Float32Array,
  };
  return new TaskEmbedding(cat, weights, options, meta.report);
}
