import { EngineError, EngineErrorCode } from "../errors.js";
import { trainers } from "../registry.js";
import { simulateSchool, splitLearners } from "../simulator/index.js";
import type { KnowledgeModel, LearnerState } from "../types.js";
import { goalProgress, planPath, type CurriculumGraph, type LearningPlan } from "./index.js";

const school = simulateSchool({ learners: 80 }, 7);
const split = splitLearners(school, { seed: 1 });
const curriculum: CurriculumGraph = {
  skills: school.skills.map(({ skillId, name, prerequisites }) => ({ skillId, name, prerequisites })),
  tasks: school.tasks.map(({ taskId, skills, topics }) => ({ taskId, skills, topics })),
};
const prereqs = new Map(school.skills.map((s) => [s.skillId, s.prerequisites]));
const ancestors = (k: string): Set<string> => {
  const out = new Set<string>();
  const stack = [...prereqs.get(k)!];
  while (stack.length) {
    const p = stack.pop()!;
    if (!out.has(p)) {
      out.add(p);
      stack.push(...prereqs.get(p)!);
    }
  }
  return out;
};
const TAU = 0.8;
const DAY = 86_400_000;

let elo: KnowledgeModel, pfa: KnowledgeModel;
beforeAll(async () => {
  const eloOptions = { seed: 1, a: 0.4, b: 0.03 }; // fixed step sizes: no grid search, a fast fit
  elo = await trainers.elo!.fit(split.train, eloOptions);
  pfa = await trainers.pfa!.fit(split.train, { seed: 1 });
});
const mastery = (model: KnowledgeModel, state: LearnerState, skillId: string) => model.mastery(state, [skillId])[0]!.p;
const answer = (model: KnowledgeModel, state: LearnerState, taskId: string, correct: 0 | 1) =>
  model.update(state, { learnerId: "x", taskId, correct });

/** Every plan skill and step comes after its prerequisites that are in the plan. */
const expectDagOrder = (plan: LearningPlan) => {
  const seen = new Set<string>();
  const inPlan = new Set(plan.skills.map((s) => s.skillId));
  for (const s of plan.skills) {
    for (const p of ancestors(s.skillId)) if (inPlan.has(p)) expect(seen.has(p)).toBe(true);
    seen.add(s.skillId);
  }
  const order = plan.skills.map((s) => s.skillId);
  const stepSkills = plan.steps.filter((s) => s.reason.code !== "PINNED").map((s) => order.indexOf(s.skillId));
  expect([...stepSkills].sort((a, b) => a - b)).toEqual(stepSkills);
};

describe("planPath", () => {
  it("lists the goal's skills and their unmastered prerequisites, prerequisites first, with a task per step", () => {
    for (const model of [elo, pfa]) {
      const state = model.initialState();
      const plan = planPath({ model, state, curriculum, targetSkillIds: ["percent", "frac-compare"] });
      const expected = new Set(["percent", "frac-compare"]);
      // the unmastered prerequisites reachable through unmastered skills
      const stack = ["percent", "frac-compare"];
      while (stack.length)
        for (const p of prereqs.get(stack.pop()!)!)
          if (mastery(model, state, p) < TAU && !expected.has(p)) {
            expected.add(p);
            stack.push(p);
          }
      expect(new Set(plan.skills.map((s) => s.skillId))).toEqual(expected);
      expect(plan.skills.some((s) => s.skillId === "frac-add-like" || s.skillId === "frac-multiply")).toBe(false); // not on the way to the goal
      expectDagOrder(plan);
      for (const s of plan.skills) {
        expect(s.target).toBe(s.skillId === "percent" || s.skillId === "frac-compare");
        expect(s.mastered).toBe(mastery(model, state, s.skillId) >= TAU);
        expect(Number.isFinite(s.mastery)).toBe(true);
      }
      // one step per unmastered plan skill, on a task of that skill, no task twice
      expect(plan.steps.map((s) => s.skillId)).toEqual(plan.skills.filter((s) => !s.mastered).map((s) => s.skillId));
      for (const step of plan.steps) {
        expect(school.tasks.find((t) => t.taskId === step.taskId)!.primarySkillId).toBe(step.skillId);
        expect(step.explanation).toMatch(/^practises .+, mastery 0\.\d\d.*predicted success 0\.\d\d/);
        expect(step.explanation).not.toMatch(/NaN|undefined/);
        expect(Number.isFinite(step.plannedSuccess)).toBe(true);
      }
      expect(new Set(plan.steps.map((s) => s.taskId)).size).toBe(plan.steps.length);
    }
  });

  it("estimates attempts to mastery by rolling the model out on the step's task (PFA learns, Elo does not)", () => {
    const state = pfa.initialState();
    const plan = planPath({ model: pfa, state, curriculum, targetSkillIds: ["frac-simplify"] });
    const first = plan.steps[0]!;
    const firstSkill = plan.skills.find((s) => s.skillId === first.skillId)!;
    expect(firstSkill.status).toBe("ESTIMATED");
    expect(first.estimatedAttemptsToMastery).toBe(firstSkill.estimatedAttemptsToMastery);
    // the documented roll-out, by hand, for the first step (it starts from the learner's state)
    let s = state,
      credit = 0,
      n = 0;
    while (mastery(pfa, s, first.skillId) < TAU && n < 50) {
      credit += pfa.predict(s, first.taskId);
      const y: 0 | 1 = credit >= 0.5 ? 1 : 0;
      credit -= y;
      s = answer(pfa, s, first.taskId, y);
      n++;
    }
    expect(first.estimatedAttemptsToMastery).toBe(n);
    expect(n).toBeGreaterThan(0);
    // practising the skill successfully brings the estimate down
    let practised = state;
    for (let i = 0; i < 3; i++) practised = answer(pfa, practised, first.taskId, 1);
    const again = planPath({ model: pfa, state: practised, curriculum, targetSkillIds: ["frac-simplify"] });
    const est = again.skills.find((x) => x.skillId === first.skillId)!;
    if (est) expect(est.mastered || est.estimatedAttemptsToMastery! < n).toBe(true);
    else expect(mastery(pfa, practised, first.skillId)).toBeGreaterThanOrEqual(TAU); // mastered prerequisites leave the plan

    // Elo's online update is an unbiased estimate with no practice effect: the roll-out cannot reach τ.
    const eloPlan = planPath({ model: elo, state: elo.initialState(), curriculum, targetSkillIds: ["frac-simplify"] });
    for (const k of eloPlan.skills)
      if (!k.mastered) {
        expect(k.status).toBe("CAPPED");
        expect(k.estimatedAttemptsToMastery).toBe(50);
      }
    const capped = planPath(
      { model: elo, state: elo.initialState(), curriculum, targetSkillIds: ["frac-simplify"] },
      { maxAttemptsToMastery: 7 },
    );
    expect(capped.skills.filter((k) => !k.mastered).every((k) => k.estimatedAttemptsToMastery === 7)).toBe(true);
  });

  it("respects pinned and skipped tasks and avoids recent ones", () => {
    const state = pfa.initialState();
    const base = planPath({ model: pfa, state, curriculum, targetSkillIds: ["frac-simplify"] });
    const pinned = school.tasks.find((t) => t.primarySkillId === "decimals")!.taskId;
    const skipped = base.steps[0]!.taskId;
    const recent = base.steps[1]!.taskId;
    const plan = planPath({
      model: pfa,
      state,
      curriculum,
      targetSkillIds: ["frac-simplify"],
      overrides: { pinnedTaskIds: [pinned], skippedTaskIds: [skipped] },
      recentTaskIds: [recent],
    });
    expect(plan.steps[0]!.taskId).toBe(pinned);
    expect(plan.steps[0]!.reason.code).toBe("PINNED");
    const ids = plan.steps.map((s) => s.taskId);
    expect(ids).not.toContain(skipped);
    expect(ids).not.toContain(recent);
    expect(plan.steps.slice(1).map((s) => s.skillId)).toEqual(base.steps.map((s) => s.skillId));
    expectDagOrder(plan);
  });

  it("answers sensibly for many roots, a goal skill without tasks, unknown tasks and an empty curriculum", () => {
    const roots: CurriculumGraph = { skills: curriculum.skills.map((s) => ({ ...s, prerequisites: [] })), tasks: curriculum.tasks };
    const plan = planPath({ model: elo, state: elo.initialState(), curriculum: roots });
    expect(plan.skills.map((s) => s.skillId)).toEqual([...school.catalog.skillIds].sort());
    const extended: CurriculumGraph = {
      skills: [
        ...curriculum.skills,
        { skillId: "orphan", name: "Orphan", prerequisites: ["frac-meaning"] },
        { skillId: "new", name: "New", prerequisites: [] },
      ],
      tasks: [...curriculum.tasks, { taskId: "new-t1", skills: [{ skillId: "new", weight: 1 }] }],
    };
    const p = planPath({ model: pfa, state: pfa.initialState(), curriculum: extended, targetSkillIds: ["orphan", "new"] });
    const orphan = p.skills.find((s) => s.skillId === "orphan")!;
    expect(orphan.status).toBe("NO_TASKS");
    expect(orphan.estimatedAttemptsToMastery).toBeNull();
    const fresh = p.skills.find((s) => s.skillId === "new")!;
    expect(fresh.status).toBe("NOT_MODELLED"); // the model cannot simulate a task it has never seen…
    expect(fresh.estimatedAttemptsToMastery).toBeNull();
    expect(p.steps.find((s) => s.skillId === "new")!.taskId).toBe("new-t1"); // …but the step is there
    for (const s of p.steps) expect(s.explanation).not.toMatch(/NaN|undefined/);
    const blocked = goalProgress({ plan: p, now: 0, deadline: 10 * DAY, attemptsPerDay: 20 });
    expect(blocked.status).toBe("BLOCKED");
    expect(blocked.blockedSkillIds).toEqual(["orphan"]);
    expect(blocked.lowerBound).toBe(true);
    expect(blocked.onTrack).toBe(false);
    expect(planPath({ model: elo, state: elo.initialState(), curriculum: { skills: [], tasks: [] } })).toEqual({
      steps: [],
      skills: [],
      masteryThreshold: TAU,
    });
    expect(() => planPath({ model: elo, state: elo.initialState(), curriculum, masteryThreshold: 0 })).toThrow(EngineError);
  });
});

describe("planPath after failures", () => {
  const singleSkillTasks = (k: string) => school.tasks.filter((t) => t.primarySkillId === k && t.skills.length === 1).map((t) => t.taskId);
  const p = (state: LearnerState, taskId: string) => pfa.predict(state, taskId);
  /** A PFA learner who has mastered `skills` (correct answers on their single-skill tasks). */
  const masteredIn = (skills: readonly string[]) => {
    let s = pfa.initialState();
    for (let i = 0; i < 60; i++) for (const k of skills) s = answer(pfa, s, singleSkillTasks(k)[i % singleSkillTasks(k).length]!, 1);
    for (const k of skills) expect(mastery(pfa, s, k)).toBeGreaterThanOrEqual(TAU);
    return s;
  };
  const fail = (state: LearnerState, taskId: string, n: number) => {
    for (let i = 0; i < n; i++) state = answer(pfa, state, taskId, 0);
    return { state, recentAttempts: Array.from({ length: n }, () => ({ taskId, correct: false })) };
  };

  it("brings an easier task than the one failed three times, and says so", () => {
    const start = masteredIn(["frac-meaning", "frac-equivalent"]);
    const goal = { model: pfa, curriculum, targetSkillIds: ["frac-simplify"] };
    const first = planPath({ ...goal, state: start }).steps[0]!;
    expect(first.skillId).toBe("frac-simplify");
    const { state, recentAttempts } = fail(start, first.taskId, 3);
    // With the failures, step 1 is an easier task of the skill.
    const again = planPath({ ...goal, state, recentAttempts });
    const step = again.steps[0]!;
    expect(step.skillId).toBe("frac-simplify");
    expect(step.taskId).not.toBe(first.taskId);
    expect(p(state, step.taskId)).toBeGreaterThan(p(state, first.taskId));
    expect(step.afterFailures).toEqual({ response: "EASIER", failures: 3, failedSkillId: "frac-simplify" });
    expect(step.explanation).toMatch(
      /^after 3 failed attempts in a row on Simplifying fractions: an easier task \(predicted success 0\.\d\d against 0\.\d\d/,
    );
    // Two failures are not a struggle yet: another task, but no claim that it is easier.
    const two = planPath({ ...goal, ...fail(start, first.taskId, 2) }).steps[0]!;
    expect(two.taskId).not.toBe(first.taskId);
    expect(two.afterFailures?.response).toBe("OTHER_TASK");
    // A success ends the run: the failures before it do not count.
    const broken = [
      { taskId: first.taskId, correct: false },
      { taskId: first.taskId, correct: false },
      { taskId: first.taskId, correct: true },
      ...recentAttempts,
    ];
    expect(planPath({ ...goal, state, recentAttempts: broken }).steps[0]!.afterFailures?.response).toBe("OTHER_TASK");
  });

  it("goes back to a prerequisite when no task is easier than the ones failed, and says why when there is none", () => {
    const start = masteredIn(["frac-meaning", "frac-equivalent"]);
    const goal = { model: pfa, curriculum, targetSkillIds: ["frac-simplify"] };
    // Fail the skill's easiest task: nothing of the skill is easier afterwards.
    const tasks = school.tasks.filter((t) => t.primarySkillId === "frac-simplify").map((t) => t.taskId);
    const easiest = [...tasks].sort((a, b) => p(start, b) - p(start, a))[0]!;
    const { state, recentAttempts } = fail(start, easiest, 3);
    expect(Math.max(...tasks.map((t) => p(state, t)))).toBe(p(state, easiest));
    const plan = planPath({ ...goal, state, recentAttempts });
    const [review, own] = plan.steps;
    expect(review!.skillId).toBe("frac-equivalent"); // the skill's only prerequisite, mastered: a review
    expect(review!.afterFailures).toEqual({ response: "PREREQUISITE_REVIEW", failures: 3, failedSkillId: "frac-simplify" });
    expect(review!.explanation).toMatch(/^review before Simplifying fractions/);
    expect(own!.skillId).toBe("frac-simplify");
    expect(own!.taskId).not.toBe(easiest);
    expect(own!.explanation).toMatch(/no easier task is left; first a review of its prerequisite Equivalent fractions/);
    expect(plan.skills.map((k) => k.skillId)).toEqual(["frac-simplify"]); // the review is a step, not a plan skill

    // A root skill has no prerequisite: another task than the one failed, and the reason says nothing easier is left.
    const rootStart = pfa.initialState();
    const roots = school.tasks.filter((t) => t.primarySkillId === "frac-meaning").map((t) => t.taskId);
    const rootEasiest = [...roots].sort((a, b) => p(rootStart, b) - p(rootStart, a))[0]!;
    const failed = fail(rootStart, rootEasiest, 4);
    const rootStep = planPath({ model: pfa, curriculum, targetSkillIds: ["frac-meaning"], ...failed }).steps[0]!;
    expect(rootStep.taskId).not.toBe(rootEasiest);
    expect(rootStep.afterFailures).toEqual({ response: "NO_EASIER", failures: 4, failedSkillId: "frac-meaning" });
    expect(rootStep.explanation).toMatch(
      /^after 4 failed attempts in a row on .+: no easier task is left and it has no prerequisite to go back to; another task than the one failed/,
    );
    expect(() => planPath({ model: pfa, curriculum, state: rootStart, recentAttempts: [null as never] })).toThrow(EngineError);
  });
});

describe("goalProgress", () => {
  it("reports the share mastered, attempts remaining and whether the pace meets the deadline", () => {
    const state = pfa.initialState();
    const plan = planPath({ model: pfa, state, curriculum, targetSkillIds: ["frac-simplify", "frac-meaning"] });
    const remaining = plan.skills.reduce((n, s) => n + (s.estimatedAttemptsToMastery ?? 0), 0);
    const now = Date.UTC(2026, 2, 1);
    const onTime = goalProgress({ plan, now, deadline: now + 30 * DAY, attemptsPerDay: remaining / 10 });
    expect(onTime.targetSkills).toBe(2);
    expect(onTime.masteredSkills).toBe(plan.skills.filter((s) => s.target && s.mastered).length);
    expect(onTime.shareMastered).toBeCloseTo(onTime.masteredSkills / 2, 12);
    expect(onTime.attemptsRemaining).toBe(remaining);
    expect(remaining).toBeGreaterThan(0);
    expect(onTime.daysNeeded).toBeCloseTo(10, 9);
    expect(onTime.onTrack).toBe(true);
    expect(onTime.status).toBe("ON_TRACK");
    const late = goalProgress({ plan, now, deadline: now + 5 * DAY, attemptsPerDay: remaining / 10 });
    expect(late.onTrack).toBe(false);
    expect(late.status).toBe("BEHIND");
    const idle = goalProgress({ plan, now, deadline: now + 5 * DAY, attemptsPerDay: 0 });
    expect(idle.daysNeeded).toBeNull();
    expect(idle.onTrack).toBe(false);
    const open = goalProgress({ plan, now, attemptsPerDay: 3 });
    expect(open.onTrack).toBeNull();
    expect(open.status).toBe("NO_DEADLINE");
    for (const g of [onTime, late, idle, open]) expect(g.explanation).not.toMatch(/NaN|undefined|Infinity/);
    expect(plan.skills.some((s) => s.status === "CAPPED")).toBe(false);
    expect(onTime.lowerBound).toBe(false);

    // Elo's estimates are all capped: a lower bound that fits the deadline is UNCERTAIN, one that misses it BEHIND
    const eloPlan = planPath({ model: elo, state: elo.initialState(), curriculum, targetSkillIds: ["frac-simplify"] });
    const bound = goalProgress({ plan: eloPlan, now, deadline: now + 365 * DAY, attemptsPerDay: 50 });
    expect(bound.lowerBound).toBe(true);
    expect(bound.onTrack).toBeNull();
    expect(bound.status).toBe("UNCERTAIN");
    expect(bound.explanation).toMatch(/^0 of 1 goal skills mastered; at least \d+ attempts remaining/);
    expect(goalProgress({ plan: eloPlan, now, deadline: now + DAY, attemptsPerDay: 1 }).status).toBe("BEHIND");

    // once every goal skill is mastered the goal is achieved
    let s = state;
    for (let i = 0; i < 60; i++)
      for (const k of ["frac-meaning", "frac-equivalent", "frac-simplify"])
        s = answer(pfa, s, school.tasks.find((t) => t.primarySkillId === k && t.skills.length === 1)!.taskId, 1);
    const done = goalProgress({
      plan: planPath({ model: pfa, state: s, curriculum, targetSkillIds: ["frac-simplify", "frac-meaning"] }),
      now,
      deadline: now - DAY,
      attemptsPerDay: 0,
    });
    expect(done.status).toBe("ACHIEVED");
    expect(done.shareMastered).toBe(1);
    expect(done.attemptsRemaining).toBe(0);
    expect(done.onTrack).toBe(true);
    expect(() => goalProgress({ plan, now: NaN, attemptsPerDay: 1 })).toThrow(
      expect.objectContaining({ code: EngineErrorCode.InvalidParameters }),
    );
    expect(() => goalProgress({ plan, now, attemptsPerDay: -1 })).toThrow(EngineError);
  });
});
