/**
 * Meta's history features (equations.ts, "History features") on simulated schools whose answers carry a
 * known history effect — a retry after a failure succeeds more often, a task gets easier with each win
 * on it, a skill's last outcome carries over, a skill is forgotten while the learner does other things,
 * a run of failures on a skill weighs more than one, the last outcome's weight grows with practice:
 * each feature learns a weight of the effect's sign and predicts the attempts it concerns better than
 * Meta without it. And: the product's learner state (update, replay, the working copy) computes what the
 * training computed; the same seed gives the same model; a model file without history weights and a
 * learner state of revision 2 still load.
 */
import { initBackend } from "../backend.js";
import { EngineErrorCode } from "../errors.js";
import { createRng, sigmoid } from "../math.js";
import { auc } from "../metrics/index.js";
import { workingCopyOf } from "../replay.js";
import { decodeModel, encodeModel } from "../serialization.js";
import type { Catalog, LearnerState, Trace, TrainingSet } from "../types.js";
import { HISTORY_FEATURES, HISTORY_SLOTS, HISTORY_WEIGHTS, type HistoryFeature } from "./equations.js";
import { loadMetaModel, type MetaModel, metaTrainer } from "./index.js";

/** What the simulated learner did before an attempt, as the truth's effects read it. */
interface Before {
  /** Outcome of the previous attempt if it was on the same task, else −1. */
  readonly previous: number;
  /** Earlier wins on this exact task. */
  readonly taskWins: number;
  /** Per skill of the task: outcome of the last attempt touching it (−1: none) and attempts since. */
  readonly last: readonly number[];
  readonly gap: readonly number[];
  /** Per skill: the run of equal outcomes its attempts end on (+ wins, − fails; 0: none), and its attempts. */
  readonly run: readonly number[];
  readonly count: readonly number[];
}

/**
 * A school of 8 skills × 6 tasks (a quarter of the tasks with a second skill), learners of ability
 * N(0, 1), tasks of difficulty N(0, 1): P(correct) = σ(ability − difficulty + effect(history)). After a
 * failure the learner retries the task at once with probability 0.5, after a success with 0.15;
 * otherwise it revisits one of its last four tasks with probability 0.3, else takes a random task.
 */
function school(effect: (b: Before) => number, seed: number, learners = 240): { train: TrainingSet; test: TrainingSet } {
  const rng = createRng(seed);
  const skills = Array.from({ length: 8 }, (_, k) => `s${k}`);
  const tasks = Array.from({ length: 48 }, (_, i) => ({
    taskId: `t${i}`,
    skills: i % 4 === 1 ? [i % 8, (i + 3) % 8] : [i % 8],
    difficulty: rng.normal(),
  }));
  const catalog: Catalog = {
    skillIds: skills,
    tasks: tasks.map((t) => ({ taskId: t.taskId, skills: t.skills.map((k) => ({ skillId: skills[k]!, weight: 1 })) })),
  };
  const sequences = new Map<string, Trace[]>();
  for (let u = 0; u < learners; u++) {
    const learnerId = `u${String(u).padStart(4, "0")}`;
    const ability = rng.normal();
    const seq: Trace[] = [];
    const wins = new Map<number, number>();
    const last = new Array<number>(8).fill(-1);
    const lastAt = new Array<number>(8).fill(0);
    const run = new Array<number>(8).fill(0);
    const count = new Array<number>(8).fill(0);
    const recent: number[] = [];
    let task = rng.int(tasks.length);
    const n = 40 + rng.int(60);
    for (let a = 0; a < n; a++) {
      if (a > 0) {
        const y = seq[a - 1]!.correct;
        const retry = rng.next() < (y === 0 ? 0.5 : 0.15);
        if (!retry) task = recent.length > 1 && rng.next() < 0.3 ? recent[rng.int(recent.length)]! : rng.int(tasks.length);
      }
      const t = tasks[task]!;
      const before: Before = {
        previous: a > 0 && seq[a - 1]!.taskId === t.taskId ? seq[a - 1]!.correct : -1,
        taskWins: wins.get(task) ?? 0,
        last: t.skills.map((k) => last[k]!),
        gap: t.skills.map((k) => (last[k]! < 0 ? 0 : a - lastAt[k]! - 1)),
        run: t.skills.map((k) => run[k]!),
        count: t.skills.map((k) => count[k]!),
      };
      const correct = rng.next() < sigmoid(ability - t.difficulty + effect(before)) ? 1 : 0;
      seq.push({ learnerId, taskId: t.taskId, correct });
      if (correct) wins.set(task, (wins.get(task) ?? 0) + 1);
      for (const k of t.skills) {
        last[k] = correct;
        lastAt[k] = a;
        run[k] = correct === 1 ? Math.max(run[k]!, 0) + 1 : Math.min(run[k]!, 0) - 1;
        count[k]!++;
      }
      if (!recent.includes(task)) recent.push(task);
      if (recent.length > 4) recent.shift();
    }
    sequences.set(learnerId, seq);
  }
  const ids = [...sequences.keys()];
  const cut = Math.floor(ids.length * 0.7);
  const part = (from: number, to: number): TrainingSet => ({
    catalog,
    sequences: new Map(ids.slice(from, to).map((id) => [id, sequences.get(id)!])),
  });
  return { train: part(0, cut), test: part(cut, ids.length) };
}

/** Small windows and batches for a small school (CI has 2 cores). */
const fast = { window: 32, batchWindows: 64, minStepsPerEpoch: 1, maxEpochs: 12, learningRate: 0.05, learningRateDecay: 1, patience: 3 };

/** AUC of the online protocol on the test attempts `concerned` picks (from the history before them). */
function onlineAuc(model: MetaModel, test: TrainingSet, concerned: (seq: readonly Trace[], a: number) => boolean): number {
  const p: number[] = [],
    y: number[] = [];
  for (const seq of test.sequences.values()) {
    let state = model.initialState();
    seq.forEach((trace, a) => {
      if (concerned(seq, a)) {
        p.push(model.predict(state, trace.taskId));
        y.push(trace.correct);
      }
      state = model.update(state, trace);
    });
  }
  return auc(p, y);
}

const skillsOf = (set: TrainingSet, taskId: string) => set.catalog.tasks.find((t) => t.taskId === taskId)!.skills.map((s) => s.skillId);

interface Case {
  readonly feature: HistoryFeature;
  /** The truth's effect on the logit. */
  readonly effect: (b: Before) => number;
  /** The learned weights' combination whose sign the effect fixes (ω: MetaParams.history). */
  readonly learned: (w: Float64Array) => number;
  /** The test attempts the feature concerns. */
  readonly concerned: (set: TrainingSet) => (seq: readonly Trace[], a: number) => boolean;
}

const CASES: readonly Case[] = [
  {
    // A retry right after a failure is much likelier to succeed; right after a success, a bit less.
    feature: "repeat",
    effect: (b) => (b.previous === 0 ? 1.5 : b.previous === 1 ? -0.5 : 0),
    learned: (w) => w[0]! - w[1]!,
    concerned: () => (seq, a) => a > 0 && seq[a - 1]!.taskId === seq[a]!.taskId,
  },
  {
    // Each win on the task makes it easier (the learner remembers the answer).
    feature: "taskCounts",
    effect: (b) => 2 * Math.log1p(b.taskWins),
    learned: (w) => w[2]!,
    concerned: () => (seq, a) => seq.slice(0, a).some((t) => t.taskId === seq[a]!.taskId),
  },
  {
    // The last outcome on a skill carries over to its next task (a per-skill state, as DKT reads it).
    feature: "lastOutcome",
    effect: (b) => b.last.reduce((z, o) => z + (o === 1 ? 0.8 : o === 0 ? -0.8 : 0), 0),
    learned: (w) => w[4]! - w[5]!,
    concerned: (set) => (seq, a) => {
      const skills = skillsOf(set, seq[a]!.taskId);
      return seq.slice(0, a).some((t) => skillsOf(set, t.taskId).some((k) => skills.includes(k)));
    },
  },
  {
    // A skill is forgotten while the learner works on others.
    feature: "skillGap",
    effect: (b) => b.gap.reduce((z, g, i) => z - (b.last[i]! >= 0 ? 0.7 * Math.log1p(g) : 0), 0),
    learned: (w) => -w[6]!,
    concerned: (set) => (seq, a) => {
      const skills = skillsOf(set, seq[a]!.taskId);
      return seq.slice(0, a).some((t) => skillsOf(set, t.taskId).some((k) => skills.includes(k)));
    },
  },
  {
    // A run of two or more failures on a skill sinks the next answer; a run of two or more wins lifts it.
    feature: "skillStreak",
    effect: (b) => b.run.reduce((z, c) => z + (c <= -2 ? -1.5 : c >= 2 ? 0.8 : 0), 0),
    learned: (w) => (w[7]! + w[8]! + w[9]!) / 3 - (w[10]! + w[11]! + w[12]!) / 3,
    concerned: (set) => (seq, a) => {
      const skills = skillsOf(set, seq[a]!.taskId);
      return seq.slice(0, a).some((t) => skillsOf(set, t.taskId).some((k) => skills.includes(k)));
    },
  },
  // No case for "skillDecay" (off by default): on a school built with that very effect (0.8·D or 1.5·D)
  // Meta without it predicts within 0.004 AUC of Meta with it — θ_k's meta-learned steps already track a
  // decayed residual of the skill — so the "better by 0.005" check fails; it cost AUC on both shipped sets
  // (docs/benchmarks/kt-features.md). Its state and arithmetic are checked below and in meta-math.test.ts.
  {
    // A failure on a skill weighs more the more the learner has practised it.
    feature: "outcomeByCount",
    effect: (b) => b.last.reduce((z, o, i) => z + (o === 0 ? -0.8 * Math.log1p(b.count[i]!) : 0), 0),
    learned: (w) => -w[15]!,
    concerned: (set) => (seq, a) => {
      const skills = skillsOf(set, seq[a]!.taskId);
      return seq.slice(0, a).some((t) => skillsOf(set, t.taskId).some((k) => skills.includes(k)));
    },
  },
];

beforeAll(async () => {
  await initBackend();
});

describe.each(CASES)("history feature $feature on a school with that effect", ({ feature, effect, learned, concerned }) => {
  it("learns a weight of the effect's sign and predicts the attempts it concerns better than Meta without it", async () => {
    const { train, test } = school(effect, 17);
    const plain = (await metaTrainer.fit(train, { seed: 1, ...fast, historyFeatures: [] })) as MetaModel;
    const withIt = (await metaTrainer.fit(train, { seed: 1, ...fast, historyFeatures: [feature] })) as MetaModel;
    expect(learned(withIt.params.history)).toBeGreaterThan(0.2);
    // Only the feature's own weights moved.
    const own = HISTORY_SLOTS[feature];
    withIt.params.history.forEach((w, i) => {
      if (!own.includes(i)) expect(w).toBe(0);
    });
    const pick = concerned(test);
    expect(onlineAuc(withIt, test, pick)).toBeGreaterThan(onlineAuc(plain, test, pick) + 0.005);
  }, 60_000);
});

describe.each([
  { all: ["repeat", "taskCounts", "lastOutcome", "skillGap"] as HistoryFeature[], entry: 7 },
  { all: [...HISTORY_FEATURES], entry: 9 },
])("the product's learner state with the history features $all", ({ all, entry }) => {
  const { train, test } = school((b) => (b.previous === 0 ? 1 : 0) + 0.5 * Math.log1p(b.taskWins), 5, 120);
  let model: MetaModel;
  beforeAll(async () => {
    model = (await metaTrainer.fit(train, { seed: 2, ...fast, maxEpochs: 3, historyFeatures: all, taskMemory: 3 })) as MetaModel;
  }, 60_000);
  const fold = (s: LearnerState, traces: readonly Trace[]) => traces.reduce((acc, t) => model.update(acc, t), s);
  const taskIds = train.catalog.tasks.map((t) => t.taskId);

  it("keeps a bounded memory of tasks and each practised skill's last outcome, in revision 3", () => {
    const seq = [...test.sequences.values()][0]!;
    const state = fold(model.initialState(), seq);
    const data = state.data as { v: number; h: [string, number, number, number][]; s: Record<string, number[]> };
    expect(data.v).toBe(3);
    expect(data.h.length).toBe(3);
    expect(data.h[0]).toEqual([seq.at(-1)!.taskId, expect.any(Number), expect.any(Number), seq.at(-1)!.correct]);
    for (const e of Object.values(data.s)) expect(e).toHaveLength(entry);
    // The file holds the first 7 history weights while the later features are off (files as before them).
    expect(decodeModel(model.serialize()).tensors.history).toHaveLength(entry === 7 ? 7 : HISTORY_WEIGHTS);
  });

  it("replay and the working copy give what the fold of update gives, number for number", () => {
    for (const seq of [...test.sequences.values()].slice(0, 6)) {
      const cut = Math.floor(seq.length / 3);
      const start = fold(model.initialState(), seq.slice(0, cut));
      const folded = fold(start, seq.slice(cut));
      expect(JSON.stringify(model.replay(start, seq.slice(cut)))).toBe(JSON.stringify(folded));
      const copy = workingCopyOf(model, start);
      for (const t of seq.slice(cut)) copy.update(t);
      expect(JSON.stringify(copy.state())).toBe(JSON.stringify(folded));
      expect(model.mastery(model.replay(start, seq.slice(cut)))).toEqual(model.mastery(folded));
    }
  });

  it("the same seed gives a byte-identical model", async () => {
    const again = (await metaTrainer.fit(train, { seed: 2, ...fast, maxEpochs: 3, historyFeatures: all, taskMemory: 3 })) as MetaModel;
    expect(Buffer.from(again.serialize()).equals(Buffer.from(model.serialize()))).toBe(true);
  }, 60_000);

  it("reads a revision-2 state as a history it never saw, and moves it to revision 3 on the next attempt", () => {
    const seq = [...test.sequences.values()][1]!;
    const full = fold(model.initialState(), seq.slice(0, 20));
    const data = full.data as { g: number[]; s: Record<string, number[]> };
    const old: LearnerState = {
      ...full,
      data: { v: 2, g: data.g, s: Object.fromEntries(Object.entries(data.s).map(([k, e]) => [k, e.slice(0, 5)])) },
    };
    // The same state under the same parameters without history weights: what revision 2 knows.
    const file = decodeModel(model.serialize());
    const zeroed = loadMetaModel({ ...file, tensors: { ...file.tensors, history: new Float64Array(7) } }) as MetaModel;
    const asZeroed = { ...old, model: zeroed.stateTag };
    expect(model.predictMany(old, taskIds)).toEqual(zeroed.predictMany(asZeroed, taskIds));
    expect(model.predictMany(old, taskIds)).not.toEqual(model.predictMany(full, taskIds));
    const next = model.update(old, seq[20]!);
    const nd = next.data as { v: number; h: unknown[]; s: Record<string, number[]> };
    expect(nd.v).toBe(3);
    expect(nd.h).toHaveLength(1);
    for (const k of skillsOf(train, seq[20]!.taskId)) expect(nd.s[k]).toHaveLength(entry);
    expect(JSON.stringify(model.replay(old, seq.slice(20)))).toBe(JSON.stringify(fold(old, seq.slice(20))));
  });

  it("a file's history weights must match its features", () => {
    const file = decodeModel(model.serialize());
    const { history: _, ...without } = file.tensors;
    expect(() => loadMetaModel({ ...file, tensors: without })).toThrow(expect.objectContaining({ code: EngineErrorCode.CorruptModel }));
    const options = { ...(file.meta as { options: object }).options, historyFeatures: ["repeat"] };
    const bad = encodeModel({ ...file, meta: { ...(file.meta as object), options } });
    expect(() => loadMetaModel(decodeModel(bad))).toThrow(expect.objectContaining({ code: EngineErrorCode.CorruptModel }));
  });
});

describe("a model without history features", () => {
  it("writes the file and learner states of before: no history tensor or options, revision-2 states", async () => {
    const { train, test } = school(() => 0, 9, 60);
    const model = (await metaTrainer.fit(train, { seed: 3, ...fast, maxEpochs: 2, historyFeatures: [] })) as MetaModel;
    const file = decodeModel(model.serialize());
    expect(file.tensors.history).toBeUndefined();
    const options = (file.meta as { options: Record<string, unknown> }).options;
    expect(options.historyFeatures).toBeUndefined();
    expect(options.taskMemory).toBeUndefined();
    expect(options.l2Start).toBeDefined();
    // Loaded, it is the same model (same bytes, so the same state tag: its learners' stored states stay valid).
    const loaded = loadMetaModel(file) as MetaModel;
    expect(Buffer.from(loaded.serialize()).equals(Buffer.from(model.serialize()))).toBe(true);
    expect(loaded.stateTag).toBe(model.stateTag);
    expect([...loaded.params.history]).toEqual(new Array<number>(HISTORY_WEIGHTS).fill(0));
    const state = [...test.sequences.values()][0]!.reduce((s, t) => loaded.update(s, t), loaded.initialState());
    const data = state.data as { v: number; h?: unknown; s: Record<string, number[]> };
    expect(data.v).toBe(2);
    expect(data.h).toBeUndefined();
    for (const entry of Object.values(data.s)) expect(entry).toHaveLength(5);
  }, 60_000);
});
