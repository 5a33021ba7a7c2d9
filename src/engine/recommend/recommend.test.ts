import { EngineError, EngineErrorCode } from "../errors.js";
import { trainers } from "../registry.js";
import { simulateSchool, splitLearners } from "../simulator/index.js";
import type { KnowledgeModel, LearnerState } from "../types.js";
import { createRng } from "../math.js";
import {
  compileCurriculum,
  explainReason,
  explorationProbability,
  recommend,
  recommendFromCandidates,
  recommendationCandidates,
  type CurriculumGraph,
  type Recommendation,
} from "./index.js";

// A seeded school (the fractions DAG, 12 skills × 12 tasks) and baselines fitted on its train learners.
const school = simulateSchool({ learners: 80 }, 7);
const split = splitLearners(school, { seed: 1 });
const curriculum: CurriculumGraph = {
  skills: school.skills.map(({ skillId, name, prerequisites }) => ({ skillId, name, prerequisites })),
  tasks: school.tasks.map(({ taskId, skills, topics }) => ({ taskId, skills, topics })),
};
const primary = new Map(school.tasks.map((t) => [t.taskId, t.primarySkillId]));
const prereqs = new Map(school.skills.map((s) => [s.skillId, s.prerequisites]));
const topicsOf = new Map(school.tasks.map((t) => [t.taskId, t.topics]));
const TAU = 0.8,
  LOW = 0.65,
  HIGH = 0.85,
  GATE = TAU - 0.25;

let elo: KnowledgeModel, pfa: KnowledgeModel;
beforeAll(async () => {
  const eloOptions = { seed: 1, a: 0.4, b: 0.03 }; // fixed step sizes: no grid search, a fast fit
  elo = await trainers.elo!.fit(split.train, eloOptions);
  pfa = await trainers.pfa!.fit(split.train, { seed: 1 });
});

const answer = (model: KnowledgeModel, state: LearnerState, taskId: string, correct: 0 | 1) =>
  model.update(state, { learnerId: "x", taskId, correct });
const mastery = (model: KnowledgeModel, state: LearnerState, skillId: string) => model.mastery(state, [skillId])[0]!.p;
const replay = (model: KnowledgeModel, learnerId: string) =>
  split.test.sequences.get(learnerId)!.reduce((s, tr) => model.update(s, tr), model.initialState());
const expectFinite = (recs: readonly Recommendation[]) => {
  for (const r of recs) {
    for (const x of [
      r.predictedSuccess,
      r.expectedProgress,
      r.reason.mastery,
      r.reason.masterySd,
      ...r.reason.prerequisites.map((p) => p.mastery),
    ]) {
      expect(Number.isFinite(x)).toBe(true);
    }
    expect(r.explanation).not.toMatch(/NaN|undefined/);
  }
};
const expectInvalid = (f: () => unknown) => {
  expect(f).toThrow(EngineError);
  try {
    f();
  } catch (e) {
    expect((e as EngineError).code).toBe(EngineErrorCode.InvalidParameters);
  }
};

describe("recommend", () => {
  it("moves on to the next skill in the DAG once the learner masters a skill (Elo and PFA)", () => {
    const chain = ["frac-meaning", "frac-equivalent", "frac-simplify", "frac-multiply"]; // a path of the DAG
    for (const model of [elo, pfa]) {
      let state = model.initialState();
      const start = new Map(chain.map((k) => [k, mastery(model, state, k)]));
      expect(chain.filter((k) => start.get(k)! < TAU).length).toBeGreaterThanOrEqual(3);
      const visited: string[] = [];
      let review = false;
      for (let i = 0; i < 400 && !review; i++) {
        const [r] = recommend({ model, state, curriculum, targetSkillIds: ["frac-multiply"], count: 1 });
        expect(r).toBeDefined();
        if (r!.reason.code === "REVIEW") review = true;
        else {
          if (visited[visited.length - 1] !== r!.skillId) {
            // a skill is left only once mastered, and never for an earlier one
            if (visited.length > 0) expect(mastery(model, state, visited[visited.length - 1]!)).toBeGreaterThanOrEqual(TAU);
            visited.push(r!.skillId);
          }
          state = answer(model, state, r!.taskId, 1);
        }
      }
      expect(review).toBe(true);
      expect(visited.length).toBeGreaterThanOrEqual(3);
      const idx = visited.map((k) => chain.indexOf(k));
      expect(idx.every((x, i) => x >= 0 && (i === 0 || x > idx[i - 1]!))).toBe(true);
      for (const k of chain) expect(mastery(model, state, k)).toBeGreaterThanOrEqual(TAU);
      for (const k of visited) expect(mastery(model, state, k)).toBeGreaterThan(start.get(k)!);
      // the mastered skills are no longer recommended (beyond review of the goal itself)
      const after = recommend({ model, state, curriculum, targetSkillIds: ["frac-multiply"], count: 5 });
      expect(after.length).toBeGreaterThan(0);
      expect(after.every((r) => r.skillId === "frac-multiply" && r.reason.code === "REVIEW")).toBe(true);
    }
  });

  it("a goal skill estimated mastered behind an unmastered prerequisite: review serves that prerequisite, never nothing", () => {
    // percent answered right until PFA rates it mastered; decimals (its prerequisite) never practised.
    let state = pfa.initialState();
    const tasks = school.tasks.filter((t) => t.primarySkillId === "percent" && t.skills.length === 1).map((t) => t.taskId);
    for (let i = 0; i < 200 && mastery(pfa, state, "percent") < TAU; i++) state = answer(pfa, state, tasks[i % tasks.length]!, 1);
    expect(mastery(pfa, state, "percent")).toBeGreaterThanOrEqual(TAU);
    expect(mastery(pfa, state, "decimals")).toBeLessThan(GATE);
    const recs = recommend({ model: pfa, state, curriculum, targetSkillIds: ["percent"], count: 5 });
    expect(recs.length).toBe(5);
    expect(recs.every((r) => r.reason.code === "REVIEW")).toBe(true);
    // Nothing recommended sits behind a prerequisite under the gate; the chain's unmastered prerequisites come first.
    for (const r of recs)
      for (const pre of prereqs.get(primary.get(r.taskId)!)!) expect(mastery(pfa, state, pre)).toBeGreaterThanOrEqual(GATE);
    expect(recs[0]!.skillId).not.toBe("percent");
    expect(mastery(pfa, state, recs[0]!.skillId)).toBeLessThan(TAU);
    expectFinite(recs);
  });

  it("serves prerequisites before the goal, with the PREREQUISITE_GAP reason and a readable explanation", () => {
    const state = elo.initialState();
    const recs = recommend({ model: elo, state, curriculum, targetSkillIds: ["frac-equivalent"], count: 1 });
    expect(recs[0]!.skillId).toBe("frac-meaning");
    expect(recs[0]!.reason.code).toBe("PREREQUISITE_GAP");
    expect(recs[0]!.reason.prerequisiteOf.map((s) => s.skillId)).toEqual(["frac-equivalent"]);
    expect(recs[0]!.explanation).toMatch(
      /^practises Meaning of a fraction \(part of a whole\), mastery 0\.\d\d \(not yet mastered, needed for Equivalent fractions\); it has no prerequisites; predicted success 0\.\d\d/,
    );
    expect(recs[0]!.predictedSuccess).toBeCloseTo(elo.predict(state, recs[0]!.taskId), 12);
    // a mastery just under τ never reads as τ
    const reason = {
      ...recs[0]!.reason,
      mastery: 0.7996,
      prerequisites: [{ skillId: "p", name: "Ratios", mastery: 0.7999, mastered: false }],
    };
    expect(explainReason(reason)).toMatch(/mastery 0\.79 .*its prerequisite Ratios \(0\.79\) is not yet mastered/);
  });

  it("aims predicted success at the band whenever enough tasks in the band are eligible", () => {
    let checked = 0;
    for (const learnerId of [...split.test.sequences.keys()].slice(0, 10)) {
      const state = replay(elo, learnerId);
      const m = new Map(elo.mastery(state).map((x) => [x.skillId, x.p]));
      // eligible, independently: serves an unmastered skill, no prerequisite of its skills under the gate
      const inBandEligible = school.tasks.filter(
        (t) =>
          m.get(t.primarySkillId)! < TAU &&
          t.skills.every((q) => prereqs.get(q.skillId)!.every((p) => m.get(p)! >= GATE)) &&
          elo.predict(state, t.taskId) >= LOW &&
          elo.predict(state, t.taskId) <= HIGH,
      );
      const recs = recommend({ model: elo, state, curriculum, count: 5 });
      expectFinite(recs);
      for (const r of recs) expect(r.predictedSuccess).toBeCloseTo(elo.predict(state, r.taskId), 12);
      if (inBandEligible.length >= 5) {
        checked++;
        expect(recs).toHaveLength(5);
        for (const r of recs) {
          expect(r.predictedSuccess).toBeGreaterThanOrEqual(LOW);
          expect(r.predictedSuccess).toBeLessThanOrEqual(HIGH);
          expect(r.reason.inBand).toBe(true);
        }
      }
      // a narrower band is honoured too
      const narrow = recommend({ model: elo, state, curriculum, count: 3 }, { bandLow: 0.72, bandHigh: 0.78, bandTarget: 0.75 });
      const narrowEligible = inBandEligible.filter((t) => Math.abs(elo.predict(state, t.taskId) - 0.75) <= 0.03);
      if (narrowEligible.length >= 3) for (const r of narrow) expect(Math.abs(r.predictedSuccess - 0.75)).toBeLessThanOrEqual(0.03 + 1e-12);
    }
    expect(checked).toBeGreaterThan(3);
  });

  it("leaves out tasks whose prerequisites are far from mastered", () => {
    let state = elo.initialState();
    const before = recommend({ model: elo, state, curriculum, count: 12 });
    // at first, tasks building on frac-meaning are recommended…
    expect(before.some((r) => prereqs.get(r.skillId)!.includes("frac-meaning"))).toBe(true);
    for (const t of school.tasks.filter((x) => x.primarySkillId === "frac-meaning").slice(0, 8)) state = answer(elo, state, t.taskId, 0);
    expect(mastery(elo, state, "frac-meaning")).toBeLessThan(GATE);
    for (const strategy of ["zpd", "lowest-mastery"] as const) {
      const recs = recommend({ model: elo, state, curriculum, count: 12, strategy });
      expect(recs.length).toBeGreaterThan(0);
      for (const r of recs) {
        for (const q of school.tasks.find((t) => t.taskId === r.taskId)!.skills) {
          for (const p of prereqs.get(q.skillId)!) expect(mastery(elo, state, p)).toBeGreaterThanOrEqual(GATE);
        }
      }
    }
  });

  it("puts pinned tasks first, never shows skipped tasks and avoids immediate repeats", () => {
    const state = replay(elo, [...split.test.sequences.keys()][0]!);
    const base = recommend({ model: elo, state, curriculum, count: 5 });
    expect(base).toHaveLength(5);
    const pinned = school.tasks.find((t) => !base.some((r) => r.taskId === t.taskId) && t.primarySkillId === "frac-divide")!.taskId;
    const recs = recommend({
      model: elo,
      state,
      curriculum,
      count: 5,
      overrides: { pinnedTaskIds: [pinned, base[4]!.taskId, "no-such-task"], skippedTaskIds: [base[0]!.taskId, base[4]!.taskId] },
      recentTaskIds: [base[1]!.taskId, "other-1", "other-2", base[2]!.taskId],
    });
    expect(recs).toHaveLength(5);
    expect(recs[0]!.taskId).toBe(pinned);
    expect(recs[0]!.reason.code).toBe("PINNED");
    expect(recs[0]!.explanation).toMatch(/^pinned by a teacher; practises Dividing fractions/);
    const ids = recs.map((r) => r.taskId);
    expect(ids).not.toContain(base[0]!.taskId); // skipped
    expect(ids).not.toContain(base[4]!.taskId); // skipped beats pinned
    expect(ids).not.toContain(base[1]!.taskId); // among the last 3 tasks
    expect(ids).toContain(base[2]!.taskId); // 4th most recent: outside the default window of 3
    expect(new Set(ids).size).toBe(ids.length);
    const wide = recommend(
      { model: elo, state, curriculum, count: 5, recentTaskIds: [base[1]!.taskId, "o1", "o2", base[2]!.taskId] },
      { repeatWindow: 4 },
    );
    expect(wide.map((r) => r.taskId)).not.toContain(base[2]!.taskId);
  });

  it("spreads over skills: at most ⌈count/2⌉ from one skill while other skills have tasks in the band", () => {
    const state = elo.initialState();
    const perSkill = (recs: readonly Recommendation[]) => {
      const n = new Map<string, number>();
      for (const r of recs) n.set(r.skillId, (n.get(r.skillId) ?? 0) + 1);
      return Math.max(...n.values());
    };
    const recs = recommend({ model: elo, state, curriculum, count: 4 });
    expect(recs).toHaveLength(4);
    expect(recs.every((r) => r.reason.inBand)).toBe(true);
    expect(perSkill(recs)).toBeLessThanOrEqual(2);
    expect(new Set(recs.map((r) => r.skillId)).size).toBeGreaterThan(1);
    // without the cap, the first skill in DAG order would take more
    expect(perSkill(recommend({ model: elo, state, curriculum, count: 4 }, { maxSharePerSkill: 1 }))).toBeGreaterThan(2);
  });

  it("lets interests break ties without pulling a task out of the band", () => {
    // PFA predicts every task of a skill alike: a real tie that interests must break.
    const state = pfa.initialState();
    const [plain] = recommend({ model: pfa, state, curriculum, count: 1 });
    const tied = school.tasks.filter(
      (t) => t.primarySkillId === plain!.skillId && pfa.predict(state, t.taskId) === plain!.predictedSuccess,
    );
    const topic = tied.flatMap((t) => t.topics).find((tp) => !topicsOf.get(plain!.taskId)!.includes(tp))!;
    expect(topic).toBeDefined();
    const [withInterest] = recommend({ model: pfa, state, curriculum, count: 1, interests: [topic] });
    expect(withInterest!.taskId).not.toBe(plain!.taskId);
    expect(topicsOf.get(withInterest!.taskId)).toContain(topic);
    expect(withInterest!.reason.matchedInterests).toEqual([topic]);
    expect(withInterest!.explanation).toContain(`matches the learner's interest in ${topic}`);
    expect(withInterest!.predictedSuccess).toBe(plain!.predictedSuccess);

    // Elo: every topic is an interest, and tasks matching two topics lie outside the band too;
    // the recommendations stay in the band.
    let checked = 0;
    for (const learnerId of [...split.test.sequences.keys()].slice(0, 6)) {
      const s = replay(elo, learnerId);
      const plainRecs = recommend({ model: elo, state: s, curriculum, count: 5 });
      if (!plainRecs.every((r) => r.reason.inBand)) continue;
      checked++;
      const recs = recommend({
        model: elo,
        state: s,
        curriculum,
        count: 5,
        interests: ["pizza", "sport", "money", "cooking", "music", "travel", "nature", "games"],
      });
      for (const r of recs) expect(r.reason.inBand).toBe(true);
      expect(recs.some((r) => r.reason.matchedInterests.length === 2) || recs.every((r) => r.reason.matchedInterests.length === 1)).toBe(
        true,
      );
    }
    expect(checked).toBeGreaterThan(2);
  });

  it("the curriculum strategy ignores the learner's state", () => {
    const fresh = elo.initialState();
    const trained = replay(elo, [...split.test.sequences.keys()][1]!);
    let failing = fresh;
    for (const t of school.tasks.slice(0, 30)) failing = answer(elo, failing, t.taskId, 0);
    const ids = (s: LearnerState, strategy: "curriculum" | "zpd") =>
      recommend({ model: elo, state: s, curriculum, count: 6, strategy, targetSkillIds: ["frac-compare", "percent"] }).map((r) => r.taskId);
    const c = ids(fresh, "curriculum");
    expect(c).toHaveLength(6);
    expect(ids(trained, "curriculum")).toEqual(c);
    expect(ids(failing, "curriculum")).toEqual(c);
    // …while the personalised strategy does not
    expect(new Set([ids(fresh, "zpd").join(), ids(trained, "zpd").join(), ids(failing, "zpd").join()]).size).toBeGreaterThan(1);
    const recs = recommend({
      model: elo,
      state: trained,
      curriculum,
      count: 6,
      strategy: "curriculum",
      interests: ["sport"],
      targetSkillIds: ["frac-compare", "percent"],
    });
    expect(recs.map((r) => r.taskId)).toEqual(c); // interests are personal data too
    expect(recs.every((r) => r.reason.code === "CURRICULUM_ORDER")).toBe(true);
    expect(recs[0]!.skillId).toBe("frac-meaning");
    // DAG order: no recommendation is a prerequisite of an earlier one
    recs.forEach((r, i) => {
      recs.slice(0, i).forEach((e) => {
        expect(prereqs.get(e.skillId)).not.toContain(r.skillId);
      });
    });
    const all = recommend({ model: elo, state: fresh, curriculum, count: 24, strategy: "curriculum" }, { maxSharePerSkill: 1 });
    all.forEach((r, i) => {
      all.slice(0, i).forEach((e) => {
        expect(prereqs.get(e.skillId)).not.toContain(r.skillId);
      });
    });
    expect(new Set(all.map((r) => r.skillId)).size).toBe(2);
  });

  it("lowest-mastery serves the least-mastered workable skill first", () => {
    const state = replay(elo, [...split.test.sequences.keys()][2]!);
    const recs = recommend({ model: elo, state, curriculum, count: 6, strategy: "lowest-mastery" }, { maxSharePerSkill: 1 });
    const ms = recs.map((r) => r.reason.mastery);
    expect([...ms].sort((a, b) => a - b)).toEqual(ms);
    expect(recs.every((r) => r.reason.code === "LOWEST_MASTERY")).toBe(true);
  });

  it("answers sensibly for a learner with no attempts, under every strategy", () => {
    for (const model of [elo, pfa]) {
      for (const strategy of ["zpd", "lowest-mastery", "curriculum"] as const) {
        const recs = recommend({ model, state: model.initialState(), curriculum, count: 5, strategy });
        expect(recs).toHaveLength(5);
        expectFinite(recs);
      }
    }
  });

  it("handles tasks and skills the model has never seen, and a goal skill without tasks", () => {
    const extended: CurriculumGraph = {
      skills: [
        ...curriculum.skills,
        { skillId: "new-skill", name: "A new skill", prerequisites: ["frac-meaning"] },
        { skillId: "orphan", name: "Orphan", prerequisites: ["frac-meaning"] },
      ],
      tasks: [
        ...curriculum.tasks,
        { taskId: "new-task", skills: [{ skillId: "new-skill", weight: 1 }], topics: ["sport"] },
        { taskId: "new-meaning-task", skills: [{ skillId: "frac-meaning", weight: 1 }] },
      ],
    };
    let state = elo.initialState();
    const recs = recommend({ model: elo, state, curriculum: extended, targetSkillIds: ["new-skill"], count: 20 });
    expectFinite(recs);
    const fresh = recs.find((r) => r.taskId === "new-meaning-task")!;
    expect(fresh.reason.calibrated).toBe(false);
    expect(fresh.predictedSuccess).toBeCloseTo(mastery(elo, state, "frac-meaning"), 12); // the skill-mastery prior
    expect(fresh.expectedProgress).toBe(0);
    expect(recs.some((r) => r.taskId === "new-task")).toBe(true);

    // a goal skill with no tasks: its unmastered prerequisite's tasks, then nothing, never an error
    const orphan = recommend({ model: elo, state, curriculum: extended, targetSkillIds: ["orphan"], count: 3 });
    expect(orphan.length).toBe(3);
    expect(orphan.every((r) => r.skillId === "frac-meaning" && r.reason.code === "PREREQUISITE_GAP")).toBe(true);
    for (const t of school.tasks.filter((x) => x.primarySkillId === "frac-meaning")) state = answer(elo, state, t.taskId, 1);
    expect(mastery(elo, state, "frac-meaning")).toBeGreaterThanOrEqual(TAU);
    expect(recommend({ model: elo, state, curriculum: extended, targetSkillIds: ["orphan"], count: 3 })).toEqual([]);
  });

  it("handles a DAG with many roots, fewer candidates than asked, empty inputs and bad arguments", () => {
    const roots: CurriculumGraph = { skills: curriculum.skills.map((s) => ({ ...s, prerequisites: [] })), tasks: curriculum.tasks };
    const state = elo.initialState();
    const many = recommend({ model: elo, state, curriculum: compileCurriculum(roots), count: 12 });
    expect(many).toHaveLength(12);
    expectFinite(many);
    expect(new Set(many.map((r) => r.skillId)).size).toBeGreaterThan(1);

    const few = recommend({ model: elo, state, curriculum, targetSkillIds: ["frac-meaning"], count: 50 });
    expect(few.length).toBe(12);
    expect(new Set(few.map((r) => r.taskId)).size).toBe(12);
    expect(few.every((r) => primary.get(r.taskId) === "frac-meaning")).toBe(true);

    expect(recommend({ model: elo, state, curriculum: { skills: [], tasks: [] }, count: 5 })).toEqual([]);
    expect(recommend({ model: elo, state, curriculum, count: 0 })).toEqual([]);
    expect(recommend({ model: elo, state, curriculum, targetSkillIds: ["no-such-skill"], count: 5 })).toEqual([]);
    expectInvalid(() => recommend({ model: elo, state, curriculum, count: -1 }));
    expectInvalid(() => recommend({ model: elo, state, curriculum, count: 2.5 }));
    expectInvalid(() => recommend({ model: elo, state, curriculum, strategy: "random" as never }));
    expectInvalid(() => recommend({ model: elo, state, curriculum, masteryThreshold: 1.2 }));
    expectInvalid(() => recommend({ model: elo, state, curriculum }, { bandLow: 0.9 }));
    // a state of another model is the caller's bug: a typed error, not a silent answer
    expect(() => recommend({ model: elo, state: pfa.initialState(), curriculum })).toThrow(
      expect.objectContaining({ code: EngineErrorCode.StateMismatch }),
    );
  });
});

describe("expectedProgress", () => {
  it("is never negative, is the capped expected mastery gain per skill, and shows the learning of models with practice effects", async () => {
    const bkt = await trainers.bkt!.fit(split.train, { seed: 1 });
    const positives = new Map<string, number>();
    for (const [kind, model] of [
      ["elo", elo],
      ["pfa", pfa],
      ["bkt", bkt],
    ] as const) {
      positives.set(kind, 0);
      for (const learnerId of [...split.test.sequences.keys()].slice(0, 20)) {
        const state = replay(model, learnerId);
        for (const r of recommend({ model, state, curriculum, count: 10 })) {
          expect(r.expectedProgress).toBeGreaterThanOrEqual(0);
          const task = school.tasks.find((t) => t.taskId === r.taskId)!;
          if (task.skills.length !== 1) continue;
          // By hand for a single-skill task: max(0, min(E[m'], τ) − min(m, τ)).
          const k = task.skills[0]!.skillId;
          const expected =
            r.predictedSuccess * mastery(model, answer(model, state, r.taskId, 1), k) +
            (1 - r.predictedSuccess) * mastery(model, answer(model, state, r.taskId, 0), k);
          expect(r.expectedProgress).toBeCloseTo(Math.max(0, Math.min(expected, TAU) - Math.min(mastery(model, state, k), TAU)), 12);
          if (r.expectedProgress > 0) positives.set(kind, positives.get(kind)! + 1);
        }
      }
    }
    // BKT's learning rate is a practice effect: it expects progress on some recommended items.
    expect(positives.get("bkt")).toBeGreaterThan(0);
  });
});

describe("ε-exploration (recommendFromCandidates)", () => {
  const input = () => ({ model: pfa, state: pfa.initialState(), curriculum, count: 3 });

  it("counts the candidates it ranked, and without exploration answers as recommend, with no propensity", () => {
    const ranked = recommendFromCandidates(input());
    expect(ranked.items).toEqual(recommend(input()));
    expect(ranked.items.every((r) => r.propensity === undefined)).toBe(true);
    expect(ranked.candidates).toBe(recommendationCandidates(input()).tasks.length);
    expect(ranked.candidates).toBeGreaterThan(3);
  });

  it("ε = 1: the first item is uniform over the candidates (propensity 1/n), the rest keep the rule's order", () => {
    const greedy = recommend(input()).map((r) => r.taskId);
    const seen = new Map<string, number>();
    const draws = 2000;
    let n = 0;
    for (let seed = 1; seed <= draws; seed++) {
      const r = recommendFromCandidates({ ...input(), exploration: { epsilon: 1, rng: createRng(seed) } });
      n = r.candidates;
      const [first, ...rest] = r.items;
      expect(first!.propensity).toBeCloseTo(1 / n, 12);
      expect(rest.every((x) => x.propensity === undefined)).toBe(true);
      // The rest: the rule's list without the drawn task, in its order.
      expect(rest.map((x) => x.taskId)).toEqual(greedy.filter((id) => id !== first!.taskId).slice(0, 2));
      seen.set(first!.taskId, (seen.get(first!.taskId) ?? 0) + 1);
    }
    expect(seen.size).toBe(n);
    // Each candidate's share within 5 standard deviations of 1/n.
    const sd = Math.sqrt((1 / n) * (1 - 1 / n) * draws);
    for (const k of seen.values()) expect(Math.abs(k - draws / n)).toBeLessThan(5 * sd);
  });

  it("the propensities: (1 − ε) + ε/n for the rule's choice, ε/n for another; they sum to 1; other strategies never explore", () => {
    expect(explorationProbability(4, 2, 0.2, 2)).toBeCloseTo(0.85, 12);
    expect(explorationProbability(4, 2, 0.2, 0)).toBeCloseTo(0.05, 12);
    const total = [0, 1, 2, 3].reduce((s, i) => s + explorationProbability(4, 2, 0.2, i), 0);
    expect(total).toBeCloseTo(1, 12);
    const greedy = recommend(input())[0]!.taskId;
    for (let seed = 1; seed <= 50; seed++) {
      const r = recommendFromCandidates({ ...input(), exploration: { epsilon: 0.3, rng: createRng(seed) } });
      const p = r.items[0]!.propensity!;
      expect(p).toBeCloseTo(r.items[0]!.taskId === greedy ? 0.7 + 0.3 / r.candidates : 0.3 / r.candidates, 12);
      const lowest = recommendFromCandidates({
        ...input(),
        strategy: "lowest-mastery",
        exploration: { epsilon: 0.3, rng: createRng(seed) },
      });
      expect(lowest.items).toEqual(recommend({ ...input(), strategy: "lowest-mastery" }));
    }
    expectInvalid(() => recommendFromCandidates({ ...input(), exploration: { epsilon: 1.5, rng: createRng(1) } }));
  });
});
