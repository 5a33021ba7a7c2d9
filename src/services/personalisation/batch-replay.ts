/**
 * Many learners' states replayed from their whole histories in one pass: the rebuild under the
 * active model (the catch-up after a switch, the `rebuild-states` job) and the staging under a
 * version not active yet (a promotion's first phase; services/training/state-rebuild.service.ts).
 */
import type { EntityManager } from "typeorm";
import { encodeState } from "../../persistence/learner/learner-state-codec.js";
import type { MasteryMap } from "../../persistence/learner/learner-state-mastery.js";
import { readBatch, stageBatch, writeRebuiltBatch, type Replayed } from "../../persistence/learner/learner-state.store.js";
import type { ActiveModels, LoadedModel } from "./active-models.js";
import { history, internerOf } from "./learner-history.js";
import { advance, masteryPatch, TREND_TAIL } from "./model-replay.js";
import { skillsOfTasks } from "./task-skills.js";
import { uuidTexts } from "./task-id-interner.js";

const NO_SKILLS: ReadonlySet<string> = new Set();

/** Whether the history's last TREND_TAIL attempts touch a skill with no stored entry (whose trend a rebuild measures). */
function tailTouchesUnstoredSkill(
  tasks: readonly string[],
  stored: MasteryMap | null,
  skillsOf: ReadonlyMap<string, readonly string[]>,
): boolean {
  for (let i = Math.max(0, tasks.length - TREND_TAIL); i < tasks.length; i++) {
    for (const s of skillsOf.get(tasks[i]!) ?? []) if (stored?.[s] === undefined) return true;
  }
  return false;
}

export class BatchReplay {
  constructor(private readonly models: ActiveModels) {}

  /**
   * Rebuilds many learners' states under the active model in one pass: their histories replayed
   * (`replayMany`), one UPDATE of state and mastery together. A learner whose row changed meanwhile
   * (an attempt arrived and replayed it under its row lock) is left as it is: its `version` no longer
   * matches, so the stale replay never overwrites the newer state. The same guard makes concurrent
   * batches safe. `qMatrix`: the school's task → skills, when the caller read it once for many batches.
   */
  async rebuildMany(m: EntityManager, schoolId: string, learnerIds: readonly string[], qMatrix?: Map<string, string[]>): Promise<number> {
    const loaded = await this.models.get(schoolId, m);
    if (!loaded || learnerIds.length === 0) return 0;
    const r = await replayMany(m, loaded, schoolId, learnerIds, qMatrix);
    // Only while the learner still consents (writeRebuiltBatch): a withdrawal cleared the state.
    return writeRebuiltBatch(m, loaded.versionId, r);
  }

  /**
   * Stages many learners' states under a version that is not active yet (a promotion's first phase):
   * the same replay, written to `learner_state_staged` with the row version it was read at (see
   * `stageBatch` for who is staged and how a withdrawal is kept). An attempt committed after the read
   * leaves a staged state whose `source_version` is behind, which the switch does not adopt (the
   * catch-up replays that learner).
   */
  async stageMany(
    m: EntityManager,
    target: LoadedModel,
    schoolId: string,
    learnerIds: readonly string[],
    qMatrix?: Map<string, string[]>,
  ): Promise<number> {
    if (learnerIds.length === 0) return 0;
    const r = await replayMany(m, target, schoolId, learnerIds, qMatrix);
    return stageBatch(m, target.versionId, schoolId, r);
  }
}

/**
 * Replays many learners' histories under `loaded` from its initial state: one query for their rows
 * (created when missing) and histories, the replay in memory, the documents serialised for one
 * write (packed: persistence/json-pack.ts). Each learner comes with the row `version` it was read at (the write's guard).
 */
async function replayMany(
  m: EntityManager,
  loaded: LoadedModel,
  schoolId: string,
  learnerIds: readonly string[],
  qMatrix?: Map<string, string[]>,
): Promise<Replayed> {
  // Each learner's row (version, stored mastery: its trends and the skills the replay does not touch) with its history: one row per learner.
  const rows = await readBatch(m, schoolId, [...learnerIds]);
  // The school's Q-matrix when the caller read it (and the instances of its task ids, for the
  // histories); otherwise the skills of the batch's tasks.
  let skillsOf = qMatrix;
  const interned = qMatrix ? internerOf(qMatrix) : undefined;
  if (!skillsOf) {
    const taskIds = new Set<string>();
    for (const r of rows) if (r.tasks) for (const t of uuidTexts(r.tasks)) taskIds.add(t);
    skillsOf = await skillsOfTasks(m, [...taskIds]);
  }
  const now = Date.now();
  const start = loaded.model.initialState();
  const n = rows.length;
  const out: Replayed = {
    learners: new Array(n),
    states: new Array(n),
    masteries: new Array(n),
    counts: new Array(n),
    versions: new Array(n),
    lasts: new Array(n),
  };
  rows.forEach((r, i) => {
    // One learner's history split at a time, and its strings dropped once replayed: a batch's
    // split histories never all live at once (less for the young generation's collections to copy).
    const h = history(r, interned);
    r.tasks = null;
    r.correct = null;
    // The tail is stepped only when it can give a trend that will be kept: the usual rebuild (every
    // skill already stored) replays the whole history in one fold.
    const tail = tailTouchesUnstoredSkill(h.tasks, r.mastery, skillsOf) ? TREND_TAIL : 0;
    const next = advance(
      loaded,
      start,
      h,
      skillsOf,
      true,
      h.tasks.every((t) => loaded.knowsTask(t)),
      tail,
    );
    // No skill is "reported": a rebuild re-estimates mastery under a model, it is no learning event,
    // so a skill keeps its stored trend (the moving average moves with attempts only). A skill with
    // no entry yet (a seeded or imported learner's first rebuild) gets the trend measured on the
    // history's last TREND_TAIL attempts, not a 0 that only online attempts would ever move.
    const { patch } = masteryPatch(r.mastery, next, now, NO_SKILLS, next.trends);
    out.learners[i] = r.learner_id;
    out.states[i] = encodeState(next.state);
    // The whole object is written (untouched skills kept): the version guard makes the read above current.
    out.masteries[i] = JSON.stringify({ ...r.mastery, ...patch });
    out.counts[i] = h.tasks.length;
    out.lasts[i] = h.last;
    out.versions[i] = r.version;
  });
  return out;
}
