/**
 * The one definition of applying attempts to a learner's state under a model, shared by the online
 * update (online-update.ts) and the batch replay (batch-replay.ts): the model's replay of a history,
 * the mastery of the skills it touched before and after, and the mastery entries to store.
 */
import type { LearnerState as EngineState, SkillMastery as EngineMastery } from "../../engine/types.js";
import { EngineError, EngineErrorCode } from "../../engine/errors.js";
import { nextTrend, storedTrend, type MasteryMap } from "../../persistence/learner/learner-state-mastery.js";
import type { LoadedModel } from "./active-models.js";
import { HistoryTraces, type History } from "./learner-history.js";

/** The new mastery of one skill after the attempts, with how much it moved. */
export interface MasteryChange {
  readonly skillId: string;
  readonly mastery: number;
  readonly uncertainty: number;
  readonly attempts: number;
  readonly trend: number;
  readonly delta: number;
}

/** The result of replaying attempts on a state: the new state and the mastery of the skills they touched, before and after. */
export interface Advanced {
  readonly state: EngineState;
  readonly after: EngineMastery[];
  readonly before: ReadonlyMap<string, number>;
  /** A rebuild's trends: per skill, the moving average of the changes over the history's last attempts (TREND_TAIL). */
  readonly trends?: ReadonlyMap<string, number>;
}

/**
 * Attempts at the end of a history that a rebuild steps one by one to measure each skill's trend
 * (the rest is replayed in one fold). With the moving average's weight 0.3, an update 10 updates
 * back on a skill weighs 1 %; 40 attempts reach back over the skills a learner has recently practised.
 */
export const TREND_TAIL = 40;

/**
 * The model's replay (the fold of its update) of the attempts on tasks it knows (a task created after
 * training is counted but modelled only after the next retrain), and the mastery of the skills the
 * attempts touched, before and after. `fromPrior`: `start` is the model's initial state (its mastery
 * is the same for every learner, so it is computed once). `allKnown`: the model knows every task of
 * `h` (checked once for a whole batch, not per attempt).
 */
export function advance(
  loaded: LoadedModel,
  start: EngineState,
  h: History,
  skillsOf: Map<string, string[]>,
  fromPrior: boolean,
  allKnown: boolean,
  trendTail = 0,
): Advanced {
  // The skills of the history's tasks, in order of first appearance (a task seen again adds none).
  const touched = new Set<string>();
  for (const t of h.tasks) {
    const skills = skillsOf.get(t);
    if (skills) for (const s of skills) touched.add(s);
  }
  const known = [...touched].filter((s) => knowsSkill(loaded, s));
  const model = loaded.model;
  const before = fromPrior ? priorMastery(loaded, known) : new Map(model.mastery(start, known).map((mm) => [mm.skillId, mm.p]));
  // `trendTail` > 0: the last attempts are stepped one by one, each skill's change measured around
  // each update that touches it (a history without times only: a rebuild's).
  const n = h.tasks.length;
  const tail = trendTail > 0 && h.at === null ? Math.min(trendTail, n) : 0;
  const head = tail === 0 ? h : { ...h, tasks: h.tasks.slice(0, n - tail), correct: h.correct.slice(0, n - tail) };
  let state = model.replay(start, new HistoryTraces(head, allKnown ? null : loaded));
  const trends = new Map<string, number>();
  for (let i = n - tail; i < n; i++) {
    const taskId = h.tasks[i]!;
    if (!allKnown && !loaded.knowsTask(taskId)) continue;
    const skills = (skillsOf.get(taskId) ?? []).filter((s) => knowsSkill(loaded, s));
    const before = new Map(skills.length ? model.mastery(state, skills).map((mm) => [mm.skillId, mm.p]) : []);
    state = model.update(state, { learnerId: "", taskId, correct: h.correct.charCodeAt(i) === 49 ? 1 : 0 });
    if (skills.length)
      for (const mm of model.mastery(state, skills))
        trends.set(mm.skillId, nextTrend(trends.get(mm.skillId) ?? 0, mm.p - before.get(mm.skillId)!));
  }
  return { state, after: known.length ? model.mastery(state, known) : [], before, ...(tail > 0 ? { trends } : {}) };
}

/** Per model: a skill's mastery in the initial state, null when the model does not know the skill (memoised). */
const skillPrior = new WeakMap<LoadedModel, Map<string, number | null>>();

/** The skill's mastery in the model's initial state; null when the model does not know the skill (created after training). */
function prior(loaded: LoadedModel, skillId: string): number | null {
  let map = skillPrior.get(loaded);
  if (!map) {
    map = new Map();
    skillPrior.set(loaded, map);
  }
  let p = map.get(skillId);
  if (p === undefined) {
    try {
      p = loaded.model.mastery(loaded.model.initialState(), [skillId])[0]!.p;
    } catch (e) {
      if (!(e instanceof EngineError && e.code === EngineErrorCode.UnknownSkill)) throw e;
      p = null; // created after training
    }
    map.set(skillId, p);
  }
  return p;
}

export function knowsSkill(loaded: LoadedModel, skillId: string): boolean {
  return prior(loaded, skillId) !== null;
}

function priorMastery(loaded: LoadedModel, skillIds: readonly string[]): Map<string, number> {
  return new Map(skillIds.map((s) => [s, prior(loaded, s)!]));
}

/**
 * The mastery entries to store (to merge into the row's `mastery`) and the changes as the API reports
 * them, with each trend's moving average continued from the stored one. `reported` (after a replay of
 * the whole history): only these skills are reported and move their trend, measured from the stored
 * mastery; the others are stored with their replayed values and their trend kept, or, for a skill
 * with no stored entry yet, the trend `trends` a rebuild measured on the history's last attempts.
 */
export function masteryPatch(
  stored: MasteryMap | null,
  next: Advanced,
  now: number,
  reported?: ReadonlySet<string>,
  trends?: ReadonlyMap<string, number>,
): { changes: MasteryChange[]; patch: MasteryMap } {
  const patch: MasteryMap = {};
  const changes: MasteryChange[] = [];
  for (const a of next.after) {
    const attempts = Math.round(a.attempts);
    const prior = storedTrend(stored, a.skillId);
    if (reported && !reported.has(a.skillId)) {
      // A stored trend is kept (continued by attempts only); a skill without an entry yet gets the measured one.
      const measured = stored?.[a.skillId] === undefined ? trends?.get(a.skillId) : undefined;
      patch[a.skillId] = [a.p, a.sd, attempts, measured ?? prior, now];
      continue;
    }
    const before = reported ? (stored?.[a.skillId]?.[0] ?? next.before.get(a.skillId)) : next.before.get(a.skillId);
    const delta = a.p - (before ?? a.p);
    const trend = nextTrend(prior, delta);
    patch[a.skillId] = [a.p, a.sd, attempts, trend, now];
    changes.push({ skillId: a.skillId, mastery: a.p, uncertainty: a.sd, attempts, trend, delta });
  }
  return { changes, patch };
}
