/**
 * KnowledgeModel.replay against its definition, the fold of `update`, for every registered model
 * (through the engine's public entry point, on simulator data with fixed seeds): the same state number
 * for number (and key for key: the persistence layer stores its JSON), the same mastery and
 * predictions; the input state untouched; an unknown task failing as `update` fails.
 */
import { EngineErrorCode, initBackend, type KnowledgeModel, type LearnerState, simulateSchool, type Trace, trainers } from "./index.js";

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
