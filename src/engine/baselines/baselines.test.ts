import { simulateSchool, splitLearners } from "../simulator/index.js";
import { auc } from "../metrics/index.js";
import { EngineError, EngineErrorCode } from "../errors.js";
import { loadModel, trainers } from "../registry.js";
import type { Catalog, KnowledgeModel, TrainingSet } from "../types.js";

const school = simulateSchool({ learners: 260, skills: 10 }, 21);
// One extra catalogue task that no learner ever attempts: the never-seen-in-training case.
const catalog: Catalog = {
  skillIds: school.catalog.skillIds,
  tasks: [...school.catalog.tasks, { taskId: "new-task", skills: [{ skillId: school.catalog.skillIds[0]!, weight: 1 }] }],
};
const { train, test } = splitLearners({ catalog, sequences: school.sequences }, { seed: 3, testFraction: 0.25 });
const names = ["irt", "elo", "pfa", "bestlr", "bkt", "bkt-forget"];

/** The benchmark protocol on simulator held-out learners. */
function heldOut(model: KnowledgeModel, set: TrainingSet): { p: number[]; y: number[] } {
  const p: number[] = [],
    y: number[] = [];
  for (const seq of set.sequences.values()) {
    let state = model.initialState();
    seq.forEach((trace, k) => {
      const prediction = model.predict(state, trace.taskId);
      if (k > 0) {
        p.push(prediction);
        y.push(trace.correct);
      }
      state = model.update(state, trace);
    });
  }
  return { p, y };
}

const models = new Map<string, KnowledgeModel>();
beforeAll(async () => {
  for (const name of names) models.set(name, await trainers[name]!.fit(train, { seed: 7 }));
});

const expectCode = (f: () => unknown, code: EngineErrorCode) => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(EngineError);
    expect((e as EngineError).code).toBe(code);
    return;
  }
  throw new Error(`expected EngineError ${code}`);
};

describe.each(names)("%s", (name) => {
  it("beats chance clearly on held-out simulated learners, never NaN", () => {
    const { p, y } = heldOut(models.get(name)!, test);
    expect(p.every((x) => Number.isFinite(x) && x > 0 && x < 1)).toBe(true);
    expect(auc(p, y)).toBeGreaterThan(0.65);
  });

  it("serialises and loads back with identical predictions", () => {
    const model = models.get(name)!;
    const loaded = loadModel(model.serialize());
    expect(loaded.name).toBe(name);
    expect(heldOut(loaded, test).p).toEqual(heldOut(model, test).p);
    const seq = [...test.sequences.values()][0]!;
    let a = model.initialState(),
      b = loaded.initialState();
    for (const t of seq.slice(0, 10)) {
      a = model.update(a, t);
      b = loaded.update(b, t);
    }
    expect(loaded.mastery(b)).toEqual(model.mastery(a));
  });

  it("gives the same model for the same seed", async () => {
    const again = await trainers[name]!.fit(train, { seed: 7 });
    expect(Buffer.from(again.serialize()).equals(Buffer.from(models.get(name)!.serialize()))).toBe(true);
  });

  it("predicts alike one task at a time, many at once, and after a replay, at every step of a learner", () => {
    const model = models.get(name)!;
    const ids = catalog.tasks.map((t) => t.taskId);
    const seq = [...test.sequences.values()][2]!;
    let state = model.initialState();
    seq.forEach((trace, k) => {
      const many = model.predictMany(state, ids);
      ids.forEach((id, i) => {
        expect(many[i]).toBe(model.predict(state, id));
      });
      state = model.update(state, trace);
      expect(model.predictMany(model.replay(model.initialState(), seq.slice(0, k + 1)), ids)).toEqual(model.predictMany(state, ids));
    });
  });

  it("answers every catalogue task in predictMany, including a task never seen in training", () => {
    const model = models.get(name)!;
    let state = model.initialState();
    for (const t of [...test.sequences.values()][1]!.slice(0, 5)) state = model.update(state, t);
    const ids = catalog.tasks.map((t) => t.taskId);
    const many = model.predictMany(state, ids);
    expect(many).toHaveLength(ids.length);
    ids.forEach((id, i) => {
      expect(many[i]).toBe(model.predict(state, id));
    });
    const fresh = model.predict(state, "new-task");
    expect(fresh).toBeGreaterThan(0.01);
    expect(fresh).toBeLessThan(0.99);
    // the new task can be practised, and the state does not mutate
    const before = JSON.stringify(state);
    const after = model.update(state, { learnerId: "x", taskId: "new-task", correct: 1 });
    expect(JSON.stringify(state)).toBe(before);
    expect(after.attempts).toBe(state.attempts + 1);
  });

  it("reports mastery with uncertainty for every skill", () => {
    const model = models.get(name)!;
    const all = model.mastery(model.initialState());
    expect(all.map((m) => m.skillId)).toEqual(catalog.skillIds);
    for (const m of all) {
      expect(m.p).toBeGreaterThan(0);
      expect(m.p).toBeLessThan(1);
      expect(Number.isFinite(m.sd) && m.sd >= 0).toBe(true);
      expect(m.attempts).toBe(0);
    }
    // practising a skill successfully raises its mastery
    const skill = catalog.skillIds[0]!;
    const task = catalog.tasks.find((t) => t.skills.length === 1 && t.skills[0]!.skillId === skill)!.taskId;
    let state = model.initialState();
    for (let i = 0; i < 6; i++) state = model.update(state, { learnerId: "x", taskId: task, correct: 1 });
    const [m0] = model.mastery(model.initialState(), [skill]);
    const [m1] = model.mastery(state, [skill]);
    expect(m1!.p).toBeGreaterThan(m0!.p);
    expect(m1!.attempts).toBe(6);
  });

  it("refuses bad input with typed errors", async () => {
    const model = models.get(name)!;
    const state = model.initialState();
    expectCode(() => model.predict(state, "no-such-task"), EngineErrorCode.UnknownTask);
    expectCode(() => model.predictMany(state, ["no-such-task"]), EngineErrorCode.UnknownTask);
    expectCode(() => model.update(state, { learnerId: "x", taskId: "no-such-task", correct: 1 }), EngineErrorCode.UnknownTask);
    expectCode(() => model.mastery(state, ["no-such-skill"]), EngineErrorCode.UnknownSkill);
    expectCode(() => model.predict({ model: "other", attempts: 0, data: {} }, catalog.tasks[0]!.taskId), EngineErrorCode.StateMismatch);
    await expect(trainers[name]!.fit({ catalog, sequences: new Map() }, { seed: 1 })).rejects.toMatchObject({
      code: EngineErrorCode.EmptyTrainingSet,
    });
    await expect(
      trainers[name]!.fit({ catalog, sequences: new Map([["u", [{ learnerId: "u", taskId: "nope", correct: 1 }]]]) }, { seed: 1 }),
    ).rejects.toMatchObject({ code: EngineErrorCode.UnknownTask });
    const badCatalog: Catalog = { skillIds: ["a"], tasks: [{ taskId: "t", skills: [{ skillId: "b", weight: 1 }] }] };
    await expect(
      trainers[name]!.fit({ catalog: badCatalog, sequences: new Map([["u", [{ learnerId: "u", taskId: "t", correct: 1 }]]]) }, { seed: 1 }),
    ).rejects.toMatchObject({ code: EngineErrorCode.UnknownSkill });
  });
});
