/**
 * A learner's history of attempts as the engine replays it: decoded from the columns SQL hands over
 * (persistence/learner/learner-state.store.ts `historySql`) and walked as the engine's traces
 * without an object per attempt.
 */
import type { EntityManager } from "typeorm";
import type { LearnerState as EngineState, Trace } from "../../engine/types.js";
import { readHistories, readHistory, type HistoryRow } from "../../persistence/learner/learner-state.store.js";
import type { LoadedModel } from "./active-models.js";
import { TaskIdInterner, uuidTexts } from "./task-id-interner.js";

/** A learner's attempts in order, in columns (how SQL hands them over: no object per attempt). */
export interface History {
  readonly tasks: readonly string[];
  /** One character per attempt: "1" correct, "0" incorrect. */
  readonly correct: string;
  /**
   * Epoch milliseconds of each attempt, comma-separated integers, where the reader needs them (the
   * hot path compares its new attempts with the history's last ones); null otherwise: the engine's
   * models read only the order (Trace.at), and printing a time costs PostgreSQL a fifth of a rebuild's
   * history read.
   */
  readonly at: string | null;
  /** Epoch milliseconds of the latest attempt, as text; null for an empty history. */
  readonly last: string | null;
}

export const EMPTY: History = { tasks: [], correct: "", at: "", last: null };

/** A history row decoded (`ids`: the interner of the school's task ids, when the caller has one). */
export const history = (r: HistoryRow, ids?: TaskIdInterner): History =>
  r.tasks ? { tasks: ids ? ids.decode(r.tasks) : uuidTexts(r.tasks), correct: r.correct!, at: r.at ?? null, last: r.last } : EMPTY;

/** One learner's history read and decoded (`times`: with each attempt's time). */
export async function learnerHistory(m: EntityManager, learnerId: string, times: boolean): Promise<History> {
  const h = await readHistory(m, learnerId, times);
  return h ? history(h) : EMPTY;
}

/** Many learners' histories read in one statement and decoded, by learner id (`times`: with each attempt's time). */
export async function learnerHistories(m: EntityManager, learnerIds: readonly string[], times: boolean): Promise<Map<string, History>> {
  const rows = await readHistories(m, learnerIds, times);
  return new Map(learnerIds.map((id) => [id, rows.get(id) ? history(rows.get(id)!) : EMPTY]));
}

/** One interner per Q-matrix a rebuild read (its task ids' instances), made at its first batch. */
const interners = new WeakMap<Map<string, string[]>, TaskIdInterner>();
export const internerOf = (qMatrix: Map<string, string[]>): TaskIdInterner => {
  let it = interners.get(qMatrix);
  if (!it) {
    it = new TaskIdInterner(qMatrix.keys());
    interners.set(qMatrix, it);
  }
  return it;
};

/**
 * A history's attempts as the engine's traces, in order, without the tasks `unknownTo` does not know
 * (null: the model knows them all). One trace object and one iterator result, reused: the engine reads
 * a trace only while applying it (KnowledgeModel.replay). The times, when the history has them, are
 * read from the string in step (no string or number array per attempt). Iterates once.
 */
export class HistoryTraces implements Iterable<Trace>, Iterator<Trace> {
  private readonly trace: { learnerId: string; taskId: string; correct: 0 | 1; at: number | undefined } = {
    learnerId: "",
    taskId: "",
    correct: 0,
    at: undefined,
  };
  private readonly result: IteratorYieldResult<Trace> = { done: false, value: this.trace };
  private i = 0;
  private pos = 0; // in h.at

  constructor(
    private readonly h: History,
    private readonly unknownTo: LoadedModel | null,
  ) {}

  [Symbol.iterator](): Iterator<Trace> {
    return this;
  }

  next(): IteratorResult<Trace> {
    const { tasks, at, correct } = this.h;
    while (this.i < tasks.length) {
      const i = this.i++;
      const ms = at === null ? undefined : this.nextTime(at);
      const taskId = tasks[i]!;
      if (this.unknownTo !== null && !this.unknownTo.knowsTask(taskId)) continue;
      this.trace.taskId = taskId;
      this.trace.correct = correct.charCodeAt(i) === 49 ? 1 : 0; // "1"
      this.trace.at = ms;
      return this.result;
    }
    return { done: true, value: undefined };
  }

  /** The integer up to the next comma (an optional minus sign, then digits). */
  private nextTime(at: string): number {
    let pos = this.pos;
    const negative = at.charCodeAt(pos) === 45;
    if (negative) pos++;
    let ms = 0;
    for (let c = at.charCodeAt(pos++); c >= 48 && c <= 57; c = at.charCodeAt(pos++)) ms = ms * 10 + (c - 48);
    this.pos = pos;
    return negative ? -ms : ms;
  }
}

/**
 * A learner's state replayed from its whole history under `loaded`, in memory (a read that meets a
 * state of another version: nothing is written; the next attempt or the rebuild stores it).
 */
export async function replayedState(m: EntityManager, loaded: LoadedModel, learnerId: string): Promise<EngineState> {
  const h = await learnerHistory(m, learnerId, false);
  return loaded.model.replay(loaded.model.initialState(), new HistoryTraces(h, loaded));
}
