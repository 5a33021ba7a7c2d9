/**
 * The fitted Meta model (and its ablation) behind the engine's KnowledgeModel interface. The equations
 * are in equations.ts; this file applies them to one learner's JSON state (the online hot path) and
 * reads/writes the model file.
 *
 * Learner state `data` (plain JSON, what the persistence layer stores):
 *   g: [θ_0, N (attempts), S (successes), F (failures), π_0 (precision of θ_0), ψ (short memory)]
 *   s: { [skillId]: [θ_k, s_k, f_k, π_k, attempts touching k] } — only skills the learner has practised;
 *      a missing skill is at its prior (θ_k = φ₀_k, no counts, π_k = 1/σ₀²).
 * A model with history features (MetaOptions.historyFeatures; equations.ts) writes revision 3, which adds
 *   h: [[taskId, w, l, last outcome], …] — the last distinct tasks, most recent first (at most taskMemory;
 *      1 with "repeat" alone); only with "repeat" or "taskCounts"
 *   s entries: [θ_k, s_k, f_k, π_k, attempts, o_k (outcome of the last attempt touching k), N before it] —
 *      with any skill feature ("lastOutcome", "skillGap", "skillStreak", "skillDecay", "outcomeByCount"),
 *      and two more, [… , c_k (the run of equal outcomes: + wins, − fails), D_k (decayed state)], with
 *      "skillStreak" or "skillDecay"
 * and reads a revision-2 state (or entries of 5) as a history it never saw: no remembered task, no o_k.
 * A model without them writes revision 2 exactly as before.
 */
import { EngineError, EngineErrorCode } from "../errors.js";
import { sigmoid } from "../math.js";
import { crc32, decodeModel, encodeModel, type ModelFile, type TensorData } from "../serialization.js";
import { checkLive } from "../replay.js";
import type { KnowledgeModel, LearnerState, SkillMastery, Trace, WorkingCopy } from "../types.js";
import { CatalogIndex } from "../catalog-index.js";
import {
  clampLogit,
  decayedAfter,
  FIRST_HISTORY_WEIGHTS,
  generalStep,
  globalTerm,
  HISTORY_FEATURES,
  HISTORY_SLOTS,
  HISTORY_WEIGHTS,
  historyShape,
  type HistoryShape,
  historySkillTerm,
  historyTaskTerm,
  information,
  type MetaParams,
  recentAfter,
  runAfter,
  skillStep,
  skillTerm,
} from "./equations.js";
import { type MetaOptions, validateMetaOptions } from "./options.js";
import type { MetaKind, TrainingReport } from "./train.js";
import { SkillScratch } from "./skill-scratch.js";
import { GUARD_OFF, START_KINDS, type StartChoice } from "./start-guard.js";
import type { PrivacyGuarantee } from "./dp-sgd.js";
import { initialTaskState, NEW_TASKS_OFF, type NewTaskParams, readNewTaskParams, type TaskState, taskStateAfter } from "./new-tasks.js";

type General = [theta: number, attempts: number, wins: number, fails: number, precision: number, recent: number];
/** The last two only with skill recency ("lastOutcome", "skillGap"); a revision-2 entry has five. */
type PerSkill =
  | [theta: number, wins: number, fails: number, precision: number, attempts: number]
  | [theta: number, wins: number, fails: number, precision: number, attempts: number, last: number, lastAt: number]
  | [
      theta: number,
      wins: number,
      fails: number,
      precision: number,
      attempts: number,
      last: number,
      lastAt: number,
      run: number,
      decayed: number,
    ];
/** A task of the history's memory: [taskId, wins, fails, outcome of the last attempt]. */
type Remembered = [taskId: string, wins: number, fails: number, last: number];
interface StateData {
  readonly g: General;
  readonly s: Readonly<Record<string, PerSkill>>;
  /** Revision 3 with a task memory only. */
  readonly h?: readonly Remembered[];
}

const STATE_REVISION = 2;
/** The learner state's revision with history features (the module comment). */
const HISTORY_STATE_REVISION = 3;
const NO_TASKS: readonly Remembered[] = Object.freeze([]);
/** The model file's revision (meta.revision): 2 added ψ (`recent`). */
const FILE_REVISION = 2;

export class MetaModel implements KnowledgeModel {
  /** Identifies this exact model in every learner state it produces (kind + checksum of the file). */
  readonly stateTag: string;
  /** Mean offset e of each skill's tasks: the "typical task" of mastery. */
  private readonly skillMeanOffset: Float64Array;
  private readonly priorPrecision: number;
  private readonly bytes: Uint8Array;
  /** replay()'s working copy of the per-skill coordinates, reused from learner to learner. */
  private readonly scratch: SkillScratch;
  /** What the learner state remembers for the history features (none: the revision-2 state). */
  private readonly history: HistoryShape;

  constructor(
    readonly name: MetaKind,
    readonly catalog: CatalogIndex,
    readonly params: MetaParams,
    readonly options: MetaOptions,
    /** How training went (absent on a loaded model). Not serialised: it holds wall times. */
    readonly report?: TrainingReport,
    /** Which start the start guard kept (start-guard.ts), with its validation figures; serialised. */
    readonly start: StartChoice = GUARD_OFF,
    /** The (ε, δ) user-level DP guarantee of its training (dp-sgd.ts); null: trained without. Serialised. */
    readonly privacy: PrivacyGuarantee | null = null,
    /** The new-task prior and online step (new-tasks.ts); serialised when fitted. */
    readonly newTasks: NewTaskParams = NEW_TASKS_OFF,
  ) {
    this.history = historyShape(options.historyFeatures, options.taskMemory);
    this.bytes = encodeModel(this.toFile());
    this.stateTag = `${name}:${crc32(this.bytes).toString(16).padStart(8, "0")}`;
    this.priorPrecision = 1 / options.abilityPriorSd ** 2;
    const K = catalog.skillIds.length;
    const sum = new Float64Array(K),
      n = new Float64Array(K);
    for (let i = 0; i < catalog.taskIds.length; i++) {
      for (let s = catalog.qStart[i]!; s < catalog.qStart[i + 1]!; s++) {
        sum[catalog.qSkill[s]!]! += params.taskOffset[i]!;
        n[catalog.qSkill[s]!]!++;
      }
    }
    this.skillMeanOffset = sum.map((v, k) => (n[k]! > 0 ? v / n[k]! : 0));
    this.scratch = new SkillScratch(K);
  }

  initialState(): LearnerState {
    return {
      model: this.stateTag,
      attempts: 0,
      data: this.stateData([this.params.phi0[0]!, 0, 0, 0, this.priorPrecision, 0], {}, NO_TASKS),
    };
  }

  predict(state: LearnerState, taskId: string): number {
    const data = this.read(state);
    return sigmoid(this.logit(data.g, data.s, data.h ?? NO_TASKS, this.catalog.task(taskId)));
  }

  predictMany(state: LearnerState, taskIds: readonly string[]): Float64Array {
    const data = this.read(state);
    const h = data.h ?? NO_TASKS;
    const out = new Float64Array(taskIds.length);
    for (let n = 0; n < taskIds.length; n++) out[n] = sigmoid(this.logit(data.g, data.s, h, this.catalog.task(taskIds[n]!)));
    return out;
  }

  /**
   * A new task's state before anyone attempted it (new-tasks.ts): its offset at the meta-learned prior from
   * its skills. For a task the model was not trained on: a trained task's offset is its own, not a prior.
   */
  newTaskState(taskId: string): TaskState {
    return initialTaskState(this.newTasks, this.params.taskOffset[this.catalog.task(taskId)]!);
  }

  /** `predict` on a new task whose offset is `task`'s (newTaskState, moved by updateNewTask). */
  predictNewTask(state: LearnerState, taskId: string, task: TaskState): number {
    const data = this.read(state);
    return sigmoid(this.logit(data.g, data.s, data.h ?? NO_TASKS, this.catalog.task(taskId), task.offset));
  }

  /**
   * `update` on a new task: the learner's state after the attempt (its residual with the task's current
   * offset) and the task's state after it (the step of new-tasks.ts with the same prediction).
   */
  updateNewTask(state: LearnerState, trace: Trace, task: TaskState): { learner: LearnerState; task: TaskState } {
    const data = this.read(state);
    const i = this.catalog.task(trace.taskId);
    const s: Record<string, PerSkill> = { ...data.s };
    const y = trace.correct === 1 ? 1 : 0;
    const h = data.h ?? NO_TASKS;
    const prob = sigmoid(this.logit(data.g, s, h, i, task.offset));
    const g = this.step(data.g, s, h, i, y, task.offset);
    return {
      learner: { model: this.stateTag, attempts: state.attempts + 1, data: this.stateData(g, s, this.remember(h, i, y)) },
      task: taskStateAfter(this.newTasks, task, prob, y),
    };
  }

  update(state: LearnerState, trace: Trace): LearnerState {
    const data = this.read(state);
    const task = this.catalog.task(trace.taskId);
    const s: Record<string, PerSkill> = { ...data.s };
    const y = trace.correct === 1 ? 1 : 0;
    const h = data.h ?? NO_TASKS;
    const g = this.step(data.g, s, h, task, y);
    return { model: this.stateTag, attempts: state.attempts + 1, data: this.stateData(g, s, this.remember(h, task, y)) };
  }

  /** The JSON `data` of a state: revision 2 (g, s) for a model without history features, else 3 (module comment). */
  private stateData(g: General, s: Record<string, PerSkill>, h: readonly Remembered[]): Record<string, unknown> {
    const { taskMemory, skillRecency } = this.history;
    if (taskMemory === 0 && !skillRecency) return { v: STATE_REVISION, g, s };
    return taskMemory > 0 ? { v: HISTORY_STATE_REVISION, g, s, h } : { v: HISTORY_STATE_REVISION, g, s };
  }

  /** The task memory after outcome y on `task` (TaskMemory.record on the JSON list: a new list). */
  private remember(h: readonly Remembered[], task: number, y: 0 | 1): readonly Remembered[] {
    const K = this.history.taskMemory;
    if (K === 0) return h;
    const id = this.catalog.taskIds[task]!;
    const own = h.find((e) => e[0] === id);
    const out: Remembered[] = [[id, (own ? own[1] : 0) + y, (own ? own[2] : 0) + 1 - y, y]];
    for (const e of h) if (e[0] !== id && out.length < K) out.push(e);
    return out;
  }

  /** The task part of h (historyTaskTerm) from the JSON memory. */
  private taskHistory(h: readonly Remembered[], task: number): number {
    const id = this.catalog.taskIds[task]!;
    const own = h.find((e) => e[0] === id);
    return historyTaskTerm(this.params, h.length > 0 && h[0]![0] === id ? h[0]![3] : -1, own ? own[1] : 0, own ? own[2] : 0);
  }

  /** The skill part of h (historySkillTerm) of a practised skill's entry, N the learner's attempts so far. */
  private skillHistory(own: PerSkill, attempts: number): number {
    return own.length > 5
      ? historySkillTerm(this.params, own[5]!, attempts - own[6]! - 1, own[7] ?? 0, own[8] ?? 0, own[1] + own[2])
      : historySkillTerm(this.params, -1, 0);
  }

  /**
   * KnowledgeModel.workingCopy: `update`'s step on one copy of the state made at the start — `s` copied
   * once, its entries replaced (never mutated: they are shared with `state`) — instead of a copy of
   * every practised skill's entry per attempt, which is what a plan's roll-outs spend their time on once
   * a learner has practised a few hundred skills. The same `step`, `logit` and `mastery` arithmetic as
   * on a state, so the same doubles; new skills enter `s` in order of first use, as `update` adds them.
   */
  workingCopy(state: LearnerState): WorkingCopy {
    const data = this.read(state);
    const s: Record<string, PerSkill> = { ...data.s };
    let g = data.g;
    let h = data.h ?? NO_TASKS;
    let attempts = state.attempts;
    let done = false;
    return {
      predict: (taskId) => {
        checkLive(done);
        return sigmoid(this.logit(g, s, h, this.catalog.task(taskId)));
      },
      update: (trace) => {
        checkLive(done);
        const task = this.catalog.task(trace.taskId);
        const y = trace.correct === 1 ? 1 : 0;
        g = this.step(g, s, h, task, y);
        h = this.remember(h, task, y);
        attempts++;
      },
      mastery: (skillIds) => {
        checkLive(done);
        return this.masteryOf(g, s, skillIds);
      },
      state: () => {
        checkLive(done);
        done = true;
        return { model: this.stateTag, attempts, data: this.stateData(g, s, h) };
      },
    };
  }

  /**
   * One attempt on task index `task` with outcome y: the general coordinates after it (returned) and
   * the entries of its skills replaced in `s`, a copy the caller owns (read before written: the
   * prediction is the state's before the attempt, with task memory `h`; `remember` moves h on). `offset`:
   * the task's offset, a new task's online one (updateNewTask) or, by default, the trained one.
   */
  private step(g0: General, s: Record<string, PerSkill>, h: readonly Remembered[], task: number, y: 0 | 1, offset?: number): General {
    const prob = sigmoid(this.logit(g0, s, h, task, offset));
    const r = y - prob;
    const info = information(prob);
    const p = this.params;
    const [theta0, attempts, wins, fails, precision0, recent] = g0;
    const g: General = [
      theta0 + generalStep(p, attempts) * r,
      attempts + 1,
      wins + y,
      fails + 1 - y,
      precision0 + info,
      recentAfter(p, recent, r),
    ];
    const { qStart, qSkill, qWeight, skillIds } = this.catalog;
    for (let j = qStart[task]!; j < qStart[task + 1]!; j++) {
      const k = qSkill[j]!;
      const q = qWeight[j]!;
      const id = skillIds[k]!;
      const own = s[id] ?? this.skillPrior(k);
      const [theta, sw, sf, prec, n] = own;
      const thetaAfter = theta + skillStep(p, k, sw + sf) * q * r;
      s[id] = this.history.skillRuns
        ? [
            thetaAfter,
            sw + q * y,
            sf + q * (1 - y),
            prec + q * q * info,
            n + 1,
            y,
            attempts,
            runAfter(own[7] ?? 0, y),
            decayedAfter(own[8] ?? 0, y),
          ]
        : this.history.skillRecency
          ? [thetaAfter, sw + q * y, sf + q * (1 - y), prec + q * q * info, n + 1, y, attempts]
          : [thetaAfter, sw + q * y, sf + q * (1 - y), prec + q * q * info, n + 1];
    }
    return g;
  }

  /**
   * KnowledgeModel.replay: `update`'s arithmetic, term by term in the same order (so the same doubles),
   * on locals for g and on dense per-skill arrays (SkillScratch) loaded at a skill's first use; the
   * JSON state is written once at the end. The skills the replay touched get new entries (in `s`
   * where `update` would have put them: existing keys in place, new ones in order of first use);
   * the others are shared with `state`, as `update` shares them.
   */
  replay(state: LearnerState, traces: Iterable<Trace>): LearnerState {
    const data = this.read(state);
    const w = this.scratch.busy ? new SkillScratch(this.catalog.skillIds.length) : this.scratch;
    w.busy = true;
    try {
      const p = this.params;
      const { qStart, qSkill, qWeight, skillIds } = this.catalog;
      let [theta0, attempts, wins, fails, precision0, recent] = data.g;
      let h = data.h ?? NO_TASKS;
      const recency = this.history.skillRecency;
      const runs = this.history.skillRuns;
      let count = 0;
      for (const trace of traces) {
        const task = this.catalog.task(trace.taskId);
        const y = trace.correct === 1 ? 1 : 0;
        // logit(): a skill not yet in the state is at its prior (θ = φ₀_k, no counts, no o_k), as there.
        let z = globalTerm(p, wins, fails) + p.taskOffset[task]! + theta0 + recent;
        z += this.taskHistory(h, task);
        for (let j = qStart[task]!; j < qStart[task + 1]!; j++) {
          const k = qSkill[j]!;
          if (!w.has(k)) {
            const own = data.s[skillIds[k]!];
            if (own) {
              w.load(k, own[0], own[1], own[2], own[3], own[4], own.length > 5 ? own[5]! : -1, own.length > 5 ? own[6]! : 0);
              w.run[k] = own[7] ?? 0;
              w.decayed[k] = own[8] ?? 0;
            } else w.load(k, p.phi0[k + 1]!, 0, 0, this.priorPrecision, 0, -1, 0);
          }
          const o = w.last[k]!;
          z +=
            qWeight[j]! *
            (skillTerm(p, k, w.wins[k]!, w.fails[k]!) +
              w.theta[k]! +
              historySkillTerm(p, o, o < 0 ? 0 : attempts - w.lastAt[k]! - 1, w.run[k]!, w.decayed[k]!, w.wins[k]! + w.fails[k]!));
        }
        const prob = sigmoid(clampLogit(z));
        const r = y - prob;
        const info = information(prob);
        theta0 = theta0 + generalStep(p, attempts) * r;
        attempts = attempts + 1;
        wins = wins + y;
        fails = fails + 1 - y;
        precision0 = precision0 + info;
        recent = recentAfter(p, recent, r);
        for (let j = qStart[task]!; j < qStart[task + 1]!; j++) {
          const k = qSkill[j]!;
          const q = qWeight[j]!;
          const sw = w.wins[k]!,
            sf = w.fails[k]!;
          w.theta[k] = w.theta[k]! + skillStep(p, k, sw + sf) * q * r;
          w.wins[k] = sw + q * y;
          w.fails[k] = sf + q * (1 - y);
          w.precision[k] = w.precision[k]! + q * q * info;
          w.attempts[k] = w.attempts[k]! + 1;
          if (recency) {
            w.last[k] = y;
            w.lastAt[k] = attempts - 1;
          }
          if (runs) {
            w.run[k] = runAfter(w.run[k]!, y);
            w.decayed[k] = decayedAfter(w.decayed[k]!, y);
          }
        }
        h = this.remember(h, task, y);
        count++;
      }
      if (count === 0) return state;
      const g: General = [theta0, attempts, wins, fails, precision0, recent];
      const s: Record<string, PerSkill> = { ...data.s };
      for (const k of w.touched) {
        s[skillIds[k]!] = runs
          ? [w.theta[k]!, w.wins[k]!, w.fails[k]!, w.precision[k]!, w.attempts[k]!, w.last[k]!, w.lastAt[k]!, w.run[k]!, w.decayed[k]!]
          : recency
            ? [w.theta[k]!, w.wins[k]!, w.fails[k]!, w.precision[k]!, w.attempts[k]!, w.last[k]!, w.lastAt[k]!]
            : [w.theta[k]!, w.wins[k]!, w.fails[k]!, w.precision[k]!, w.attempts[k]!];
      }
      return { model: this.stateTag, attempts: state.attempts + count, data: this.stateData(g, s, h) };
    } finally {
      w.clear();
    }
  }

  mastery(state: LearnerState, skillIds?: readonly string[]): SkillMastery[] {
    const data = this.read(state);
    return this.masteryOf(data.g, data.s, skillIds);
  }

  private masteryOf(g: General, s: Readonly<Record<string, PerSkill>>, skillIds?: readonly string[]): SkillMastery[] {
    const ids = skillIds ?? this.catalog.skillIds;
    const p = this.params;
    const [theta0, attempts, wins, fails, precision0, recent] = g;
    const base = globalTerm(p, wins, fails) + theta0 + recent;
    const out = new Array<SkillMastery>(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const skillId = ids[i]!;
      const k = this.catalog.skillIndex.get(skillId);
      if (k === undefined) throw new EngineError(EngineErrorCode.UnknownSkill, `unknown skill ${skillId}`, { skillId });
      // A skill not in the state is at its prior (skillPrior), read without building the entry.
      const own = s[skillId];
      const theta = own ? own[0] : p.phi0[k + 1]!,
        prec = own ? own[3] : this.priorPrecision;
      // The skill's own history (its last outcome, the gap since, its run) is the learner's; a task's own (repeat,
      // task counts) is not part of a typical task.
      const history = own ? this.skillHistory(own, attempts) : historySkillTerm(p, -1, 0);
      const prob = sigmoid(
        clampLogit(base + this.skillMeanOffset[k]! + (own ? skillTerm(p, k, own[1], own[2]) : skillTerm(p, k, 0, 0)) + theta + history),
      );
      const sdLogit = Math.sqrt(1 / precision0 + 1 / prec);
      out[i] = { skillId, p: prob, sd: information(prob) * sdLogit, attempts: own ? own[4] : 0 };
    }
    return out;
  }

  /**
   * The task's calibrated difficulty in logits for a learner who has not practised its skills,
   * d_i = −(e_i + Σ_k q_ik (β_k + φ₀_k)): higher is harder. (β_k and φ₀_k enter z only as a sum for
   * such a learner, so only the sum is identified.) UNKNOWN_TASK if the catalogue does not know it.
   */
  taskDifficulty(taskId: string): number {
    const i = this.catalog.task(taskId);
    const { qStart, qSkill, qWeight } = this.catalog;
    let ease = this.params.taskOffset[i]!;
    for (let j = qStart[i]!; j < qStart[i + 1]!; j++)
      ease += qWeight[j]! * (this.params.skillEase[qSkill[j]!]! + this.params.phi0[qSkill[j]! + 1]!);
    return -ease;
  }

  serialize(): Uint8Array {
    return this.bytes.slice();
  }

  /** z of the learner on task index `task` (the same sum as DenseLearner.logit, over the JSON state), with the task's offset `offset` (default: the trained one). */
  private logit(
    g: General,
    s: Readonly<Record<string, PerSkill>>,
    h: readonly Remembered[],
    task: number,
    offset: number = this.params.taskOffset[task]!,
  ): number {
    const p = this.params;
    const { qStart, qSkill, qWeight, skillIds } = this.catalog;
    let z = globalTerm(p, g[2], g[3]) + offset + g[0] + g[5];
    z += this.taskHistory(h, task);
    for (let j = qStart[task]!; j < qStart[task + 1]!; j++) {
      const k = qSkill[j]!;
      const own = s[skillIds[k]!];
      z +=
        qWeight[j]! *
        (own
          ? skillTerm(p, k, own[1], own[2]) + own[0] + this.skillHistory(own, g[1])
          : skillTerm(p, k, 0, 0) + p.phi0[k + 1]! + historySkillTerm(p, -1, 0));
    }
    return clampLogit(z);
  }

  private skillPrior(k: number): PerSkill {
    return [this.params.phi0[k + 1]!, 0, 0, this.priorPrecision, 0];
  }

  private read(state: LearnerState): StateData {
    if (state.model !== this.stateTag) {
      throw new EngineError(EngineErrorCode.StateMismatch, `learner state belongs to model ${state.model}, not ${this.stateTag}`, {
        expected: this.stateTag,
        got: state.model,
      });
    }
    return state.data as unknown as StateData;
  }

  private toFile(): ModelFile {
    const { params: p, catalog: c } = this;
    return {
      model: this.name,
      meta: {
        revision: FILE_REVISION,
        options: fileOptions(this.options),
        start: this.start,
        // Only on a model with fitted new-task parameters (other files stay as they were).
        ...(this.newTasks.episodeTasks > 0 && { newTasks: this.newTasks }),
        // Only on a privately trained model (other files stay as they were); JSON has no ∞: ε = ∞ (σ = 0) is null.
        ...(this.privacy && {
          privacy: { ...this.privacy, epsilon: Number.isFinite(this.privacy.epsilon) ? this.privacy.epsilon : null },
        }),
        taskIds: c.taskIds,
        skillIds: c.skillIds,
      },
      tensors: {
        // Only with history features (the same reason as meta.privacy; options too, see fileOptions).
        // The first FIRST_HISTORY_WEIGHTS only while the later features are off (their files as before them).
        ...(this.options.historyFeatures.length > 0 && {
          history: p.history.subarray(FIRST_HISTORY_WEIGHTS).some((w) => w !== 0) ? p.history : p.history.slice(0, FIRST_HISTORY_WEIGHTS),
        }),
        global: p.global,
        taskOffset: p.taskOffset,
        skillEase: p.skillEase,
        skillWin: p.skillWin,
        skillFail: p.skillFail,
        phi0: p.phi0,
        alpha: p.alpha,
        decay: p.decay,
        boost: p.boost,
        recent: p.recent,
        // The file keeps its tensor names (files written before the one compiler still load).
        taskSkillStart: c.qStart,
        taskSkill: c.qSkill,
        taskWeight: c.qWeight,
      },
    };
  }
}

/**
 * The options as the model file holds them: without historyFeatures and taskMemory when no history
 * feature is on, so that a model without them (every file written before them) keeps its bytes, and with
 * them its state tag and its learners' stored states.
 */
function fileOptions(o: MetaOptions): Partial<MetaOptions> {
  if (o.historyFeatures.length > 0) return o;
  const { historyFeatures: _, taskMemory: __, ...rest } = o;
  return rest;
}

const corrupt = (why: string) => new EngineError(EngineErrorCode.CorruptModel, `not a valid meta model file: ${why}`);

/** Rebuilds a Meta (or ablation) model from a decoded model file. */
export function loadMetaModel(file: ModelFile): MetaModel {
  if (file.model !== "meta" && file.model !== "ablation") {
    throw new EngineError(EngineErrorCode.UnsupportedFormat, `a ${file.model} model is not a meta model`, { model: file.model });
  }
  const meta = file.meta as {
    revision?: number;
    options?: Partial<MetaOptions>;
    start?: unknown;
    privacy?: unknown;
    newTasks?: unknown;
    taskIds?: unknown;
    skillIds?: unknown;
  } | null;
  if (!meta || meta.revision !== FILE_REVISION)
    throw new EngineError(EngineErrorCode.UnsupportedFormat, `meta model revision ${String(meta?.revision)} is not supported`);
  const taskIds = meta.taskIds,
    skillIds = meta.skillIds;
  if (!isStringArray(taskIds) || !isStringArray(skillIds)) throw corrupt("task or skill ids missing");
  const T = taskIds.length,
    K = skillIds.length;
  // A file without history features has no tensor (every file before them): weights 0, today's model; one
  // written before the later features holds the first FIRST_HISTORY_WEIGHTS (the others 0).
  const historyWeights = (): Float64Array => {
    const t = file.tensors.history;
    const out = new Float64Array(HISTORY_WEIGHTS);
    if (t === undefined) return out;
    out.set(f64("history", t.length === FIRST_HISTORY_WEIGHTS ? FIRST_HISTORY_WEIGHTS : HISTORY_WEIGHTS));
    return out;
  };
  const f64 = (name: string, length: number): Float64Array => {
    const t: TensorData | undefined = file.tensors[name];
    if (!(t instanceof Float64Array) || t.length !== length) throw corrupt(`tensor ${name}`);
    for (const v of t) if (!Number.isFinite(v)) throw corrupt(`tensor ${name} holds a non-finite value`);
    return t;
  };
  const i32 = (name: string, length?: number): Int32Array => {
    const t = file.tensors[name];
    if (!(t instanceof Int32Array) || (length !== undefined && t.length !== length)) throw corrupt(`tensor ${name}`);
    return t;
  };
  const taskSkillStart = i32("taskSkillStart", T + 1);
  const taskSkill = i32("taskSkill");
  const taskWeight = f64("taskWeight", taskSkill.length);
  for (let i = 0; i < T; i++) {
    const a = taskSkillStart[i]!,
      b = taskSkillStart[i + 1]!;
    if (a > b || b > taskSkill.length) throw corrupt("Q-matrix offsets");
  }
  for (const k of taskSkill) if (k < 0 || k >= K) throw corrupt("Q-matrix skill index");
  const catalog = CatalogIndex.fromFile({ taskIds, skillIds }, { qStart: taskSkillStart, qSkill: taskSkill, qWeight: taskWeight });
  const params: MetaParams = {
    global: f64("global", 3),
    taskOffset: f64("taskOffset", T),
    skillEase: f64("skillEase", K),
    skillWin: f64("skillWin", K),
    skillFail: f64("skillFail", K),
    phi0: f64("phi0", K + 1),
    alpha: f64("alpha", K + 1),
    decay: f64("decay", 2),
    boost: f64("boost", 2),
    recent: f64("recent", 2),
    // A file without history features has no tensor (every file before them): weights 0, today's model.
    history: historyWeights(),
  };
  if (!(params.recent[0]! >= 0 && params.recent[1]! >= 0 && params.recent[1]! < 1)) throw corrupt("tensor recent: α_ψ ≥ 0 and 0 ≤ λ < 1");
  // Options written before the history features have none (a default that turned some on must not read them in).
  const options = validateMetaOptions({ historyFeatures: [], ...meta.options });
  if (file.tensors.history === undefined && options.historyFeatures.length > 0) throw corrupt("history features without their weights");
  for (const f of HISTORY_FEATURES) {
    if (options.historyFeatures.includes(f)) continue;
    for (const i of HISTORY_SLOTS[f]) if (params.history[i] !== 0) throw corrupt(`tensor history: a weight of ${f}, which is off`);
  }
  return new MetaModel(
    file.model,
    catalog,
    params,
    options,
    undefined,
    readStart(meta.start),
    readPrivacy(meta.privacy),
    readNewTaskParams(meta.newTasks),
  );
}

/** meta.privacy of a file: absent or null for a model trained without DP (every file before it). */
function readPrivacy(x: unknown): PrivacyGuarantee | null {
  if (x === undefined || x === null) return null;
  const p = x as Record<string, unknown>;
  const fields = ["delta", "noiseMultiplier", "samplingRate", "steps", "clipNorm", "learners"] as const;
  if (typeof p !== "object" || fields.some((f) => typeof p[f] !== "number") || !(p.epsilon === null || typeof p.epsilon === "number")) {
    throw corrupt("meta.privacy");
  }
  return {
    epsilon: p.epsilon === null ? Number.POSITIVE_INFINITY : (p.epsilon as number),
    delta: p.delta as number,
    noiseMultiplier: p.noiseMultiplier as number,
    samplingRate: p.samplingRate as number,
    steps: p.steps as number,
    clipNorm: p.clipNorm as number,
    learners: p.learners as number,
  };
}

/** meta.start of a file; a file written before the start guard has none (its start is the learned one: "off"). */
function readStart(x: unknown): StartChoice {
  if (x === undefined) return GUARD_OFF;
  const s = x as StartChoice;
  const kinds: readonly string[] = [...START_KINDS, "off"];
  if (typeof s !== "object" || s === null || !kinds.includes(s.chosen) || !Array.isArray(s.candidates)) throw corrupt("meta.start");
  return s;
}

/** Convenience: decode bytes (format checks in serialization.ts) and load. */
export function loadMetaModelBytes(bytes: Uint8Array): MetaModel {
  return loadMetaModel(decodeModel(bytes));
}

function isStringArray(x: unknown): x is string[] {
  return Array.isArray(x) && x.every((v) => typeof v === "string");
}
