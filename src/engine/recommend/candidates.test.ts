/**
 * candidatePredictions: the tasks recommend() chooses from, derived independently from the rules (a task
 * serving an unmastered skill, no prerequisite of its skills below the gate, not among the recent tasks).
 */
import { trainers } from "../registry.js";
import { simulateSchool, splitLearners } from "../simulator/index.js";
import type { KnowledgeModel } from "../types.js";
import { candidatePredictions, recommend } from "./index.js";

const school = simulateSchool({ learners: 80 }, 7);
const split = splitLearners(school, { seed: 1 });
const curriculum = {
  skills: school.skills.map(({ skillId, name, prerequisites }) => ({ skillId, name, prerequisites })),
  tasks: school.tasks.map(({ taskId, skills, topics }) => ({ taskId, skills, topics })),
};
const prereqs = new Map(school.skills.map((s) => [s.skillId, s.prerequisites]));
const TAU = 0.8,
  GATE = TAU - 0.25;
const sorted = (xs: ArrayLike<number>) => Array.from(xs).sort((a, b) => a - b);

let elo: KnowledgeModel;
beforeAll(async () => {
  const eloOptions = { seed: 1, a: 0.4, b: 0.03 }; // fixed step sizes: no grid search, a fast fit
  elo = await trainers.elo!.fit(split.train, eloOptions);
});

describe("candidatePredictions", () => {
  it("predicts every eligible task, leaves out the recent and pinned ones, and holds every recommended task", () => {
    let checked = 0;
    for (const learnerId of [...split.test.sequences.keys()].slice(0, 10)) {
      const state = split.test.sequences.get(learnerId)!.reduce((s, t) => elo.update(s, t), elo.initialState());
      const m = new Map(elo.mastery(state).map((x) => [x.skillId, x.p]));
      const eligible = school.tasks.filter(
        (t) => m.get(t.primarySkillId)! < TAU && t.skills.every((q) => prereqs.get(q.skillId)!.every((p) => m.get(p)! >= GATE)),
      );
      if (eligible.length < 4) continue; // the gate yields or every skill is mastered: other rules
      checked++;
      const predicted = (tasks: typeof eligible) => tasks.map((t) => elo.predict(state, t.taskId));
      const all = candidatePredictions({ model: elo, state, curriculum });
      expect(sorted(all)).toEqual(sorted(predicted(eligible)).map((p) => expect.closeTo(p, 12)));
      const [recent, pinned] = [eligible[0]!.taskId, eligible[1]!.taskId];
      const fewer = candidatePredictions({
        model: elo,
        state,
        curriculum,
        recentTaskIds: [recent],
        overrides: { pinnedTaskIds: [pinned] },
      });
      const kept = eligible.filter((t) => t.taskId !== recent && t.taskId !== pinned);
      expect(sorted(fewer)).toEqual(sorted(predicted(kept)).map((p) => expect.closeTo(p, 12)));
      // the band picks among them: every recommended task is a candidate
      for (const r of recommend({ model: elo, state, curriculum, count: 5 })) {
        expect(all.some((p) => Math.abs(p - r.predictedSuccess) < 1e-12)).toBe(true);
      }
    }
    expect(checked).toBeGreaterThan(3);
  });

  it("is empty without a task to choose, and rejects an unknown strategy as recommend does", () => {
    const state = elo.initialState();
    expect(candidatePredictions({ model: elo, state, curriculum: { skills: curriculum.skills, tasks: [] } })).toHaveLength(0);
    expect(() => candidatePredictions({ model: elo, state, curriculum, strategy: "easiest" as never })).toThrow(/unknown strategy/);
  });
});
