/**
 * KnowledgeModel.replay and the working copy (KnowledgeModel.workingCopy, through `workingCopyOf`)
 * against their definition, the fold of `update`, for every registered model (through the engine's
 * public entry point, on simulator data with fixed seeds): the same state number for number (and key
 * for key: the persistence layer stores its JSON), the same mastery and predictions; the input state
 * untouched; an unknown task failing as `update` fails. And a plan, whose roll-outs run on the working
 * copy, is the plan the fold of `update` gives.
 */
import { EngineErrorCode, initBackend, type KnowledgeModel, type LearnerState, simulateSchool, type Trace, trainers } from "./index.js";
import { planPath } from "./recommend/index.js";
import { workingCopyOf } from "./replay.js";

const school = simulateSchool({ learners: 60, skills: 6, tasksPerSkill: 6, multiSkillFraction: 0.5 }, 21);
const sequences = [...school.sequences.values()].slice(0, 12);
const taskIds = school.catalog.tasks.map((t) => t.taskId);
/** Meta and its ablation: one short epoch (the equality does not need a good model, only a trained one). */
const quick = { maxEpochs: 1, window: 32, batchWindows: 64 };
const models = new Map<string, KnowledgeModel>();

beforeAll(async () => {
  await initBackend();
  for (const [name, trainer] of Object.entries(trainers)) models.set(name, await trainer.fit(school, { seed: 5, ...quick }));
}, 120_000);

const fold = (m: KnowledgeModel, s: LearnerState, traces: readonly Trace[]) => traces.reduce((acc, t) => m.update(acc, t), s);

/** Freezes the state and everything in it: a replay that writes into its input throws (strict mode). */
function deepFreeze<T>(x: T): T {
  if (x !== null && typeof x === "object" && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x)) deepFreeze(v);
  }
  return x;
}

/** A learner part-way through: a third of the sequence applied, so the state already holds skills. */
function midway(m: KnowledgeModel, seq: readonly Trace[]): { start: LearnerState; rest: readonly Trace[] } {
  const cut = Math.floor(seq.length / 3);
  return { start: deepFreeze(fold(m, m.initialState(), seq.slice(0, cut))), rest: seq.slice(cut) };
}

function expectSame(m: KnowledgeModel, replayed: LearnerState, folded: LearnerState): void {
  expect(replayed).toEqual(folded);
  expect(JSON.stringify(replayed)).toBe(JSON.stringify(folded));
  expect(m.mastery(replayed)).toEqual(m.mastery(folded));
  expect(m.predictMany(replayed, taskIds)).toEqual(m.predictMany(folded, taskIds));
}

const names = Object.keys(trainers);

describe("replay equals the fold of update", () => {
  it("covers every registered model", () => {
    expect(names).toEqual(expect.arrayContaining(["meta", "ablation", "irt", "elo", "pfa", "bestlr", "bkt", "bkt-forget"]));
    expect([...models.keys()]).toEqual(names);
  });

  it.each(names)("%s: from the initial state and from a state part-way, leaving the input as it was", (name) => {
    const m = models.get(name)!;
    for (const seq of sequences) {
      const initial = deepFreeze(m.initialState());
      expectSame(m, m.replay(initial, seq), fold(m, initial, seq));
      const { start, rest } = midway(m, seq);
      const before = JSON.stringify(start);
      expectSame(m, m.replay(start, rest), fold(m, start, rest));
      expect(JSON.stringify(start)).toBe(before);
      expect(m.replay(start, [])).toEqual(start);
    }
  });

  it.each(names)("%s: an iterator handing out one reused trace object", (name) => {
    const m = models.get(name)!;
    const seq = sequences[1]!;
    function* reused(): Generator<Trace> {
      const t = { learnerId: "", taskId: "", correct: 0 as 0 | 1, at: 0 };
      for (const s of seq) {
        t.taskId = s.taskId;
        t.correct = s.correct;
        t.at = s.at ?? 0;
        yield t;
      }
    }
    expectSame(m, m.replay(m.initialState(), reused()), fold(m, m.initialState(), seq));
  });

  it.each(names)("%s: an unknown task fails as update does, with the input unchanged, and the next replay is unaffected", (name) => {
    const m = models.get(name)!;
    const { start, rest } = midway(m, sequences[2]!);
    const before = JSON.stringify(start);
    const unknown: Trace = { learnerId: "x", taskId: "no-such-task", correct: 1, at: 0 };
    expect(() => m.update(start, unknown)).toThrow(expect.objectContaining({ code: EngineErrorCode.UnknownTask }));
    expect(() => m.replay(start, [...rest.slice(0, 5), unknown, ...rest.slice(5)])).toThrow(
      expect.objectContaining({ code: EngineErrorCode.UnknownTask }),
    );
    expect(JSON.stringify(start)).toBe(before);
    // The failed replay left no working state behind (Meta reuses its working arrays).
    expectSame(m, m.replay(start, rest), fold(m, start, rest));
  });
});

/** The model without its own working copy: `workingCopyOf` then folds `update` (the definition). */
const withoutWorkingCopy = (m: KnowledgeModel): KnowledgeModel => ({
  name: m.name,
  initialState: () => m.initialState(),
  predict: (s, taskId) => m.predict(s, taskId),
  predictMany: (s, ids) => m.predictMany(s, ids),
  update: (s, trace) => m.update(s, trace),
  replay: (s, traces) => m.replay(s, traces),
  mastery: (s, skillIds) => m.mastery(s, skillIds),
  serialize: () => m.serialize(),
});

describe("the working copy equals the fold of update", () => {
  it("Meta and its ablation have their own", () => {
    expect(typeof models.get("meta")!.workingCopy).toBe("function");
    expect(typeof models.get("ablation")!.workingCopy).toBe("function");
    expect(withoutWorkingCopy(models.get("meta")!).workingCopy).toBeUndefined();
  });

  it.each(names)("%s: every prediction and mastery after each attempt, and the state reached; the input untouched", (name) => {
    const m = models.get(name)!;
    for (const seq of sequences.slice(0, 6)) {
      const { start, rest } = midway(m, seq);
      const before = JSON.stringify(start);
      const copy = workingCopyOf(m, start);
      let folded = start;
      for (const t of rest) {
        copy.update(t);
        folded = m.update(folded, t);
        expect(taskIds.map((id) => copy.predict(id))).toEqual(taskIds.map((id) => m.predict(folded, id)));
        expect(copy.mastery()).toEqual(m.mastery(folded));
      }
      expectSame(m, copy.state(), folded);
      expect(JSON.stringify(start)).toBe(before);
    }
  });

  it.each(names)("%s: an unknown task changes nothing; once its state is taken the copy refuses", (name) => {
    const m = models.get(name)!;
    const { start, rest } = midway(m, sequences[3]!);
    const unknown: Trace = { learnerId: "x", taskId: "no-such-task", correct: 1, at: 0 };
    const copy = workingCopyOf(m, start);
    copy.update(rest[0]!);
    expect(() => copy.update(unknown)).toThrow(expect.objectContaining({ code: EngineErrorCode.UnknownTask }));
    for (const t of rest.slice(1)) copy.update(t);
    expectSame(m, copy.state(), fold(m, start, rest));
    const refused = expect.objectContaining({ code: EngineErrorCode.InvalidParameters });
    expect(() => copy.predict(taskIds[0]!)).toThrow(refused);
    expect(() => copy.update(rest[0]!)).toThrow(refused);
    expect(() => copy.state()).toThrow(refused);
  });

  it.each(names)("%s: a plan (its roll-outs on the working copy) is the plan of the fold of update", (name) => {
    const m = models.get(name)!;
    const plain = withoutWorkingCopy(m);
    const curriculum = {
      skills: school.skills.map(({ skillId, name, prerequisites }) => ({ skillId, name, prerequisites })),
      tasks: school.tasks.map(({ taskId, skills, topics }) => ({ taskId, skills, topics })),
    };
    let rolledOut = 0;
    for (const seq of sequences) {
      const input = {
        state: m.replay(m.initialState(), seq),
        curriculum,
        recentAttempts: seq
          .slice(-10)
          .reverse()
          .map((t) => ({ taskId: t.taskId, correct: t.correct === 1 })),
        now: Date.UTC(2026, 5, 1),
      };
      const plan = planPath({ ...input, model: m });
      expect(plan).toEqual(planPath({ ...input, model: plain }));
      rolledOut += plan.skills.filter((k) => k.status === "CAPPED" || (k.estimatedAttemptsToMastery ?? 0) > 0).length;
    }
    // Roll-outs happened (a plan of mastered skills only would compare nothing).
    expect(rolledOut).toBeGreaterThan(0);
  });
});
