import { trainers } from "../registry.js";
import { simulateSchool, splitLearners } from "../simulator/index.js";
import { goalProgress, planPath, recommend, RECOMMEND_STRATEGIES, type CurriculumGraph } from "./index.js";

// The module reads models only through KnowledgeModel: every trainer of the registry must do.
const school = simulateSchool({ learners: 40, skills: 6, tasksPerSkill: 6 }, 3);
const split = splitLearners(school, { seed: 2 });
const curriculum: CurriculumGraph = { skills: school.skills, tasks: school.tasks };
const finite = (x: unknown) => typeof x !== "number" || Number.isFinite(x);
const allFinite = (value: unknown): boolean =>
  value === null || typeof value !== "object" ? finite(value) : Object.values(value as object).every(allFinite);

describe("recommend and planPath with every model of the registry", () => {
  for (const name of Object.keys(trainers)) {
    it(`${name}: finite, explained answers for a new and a practised learner`, async () => {
      const model = await trainers[name]!.fit(split.train, { seed: 1 });
      const practised = [...split.test.sequences.values()][0]!.reduce((s, tr) => model.update(s, tr), model.initialState());
      for (const state of [model.initialState(), practised]) {
        for (const strategy of RECOMMEND_STRATEGIES) {
          const recs = recommend({ model, state, curriculum, count: 4, strategy, interests: ["sport"] });
          expect(recs.length).toBe(4);
          expect(allFinite(recs)).toBe(true);
          for (const r of recs) expect(r.explanation).toMatch(/^practises .+predicted success (0\.\d\d|1\.00)/);
        }
        const plan = planPath({ model, state, curriculum, targetSkillIds: [school.skills[school.skills.length - 1]!.skillId] });
        expect(allFinite(plan)).toBe(true);
        expect(plan.skills.length).toBeGreaterThan(0);
        const progress = goalProgress({ plan, now: 0, deadline: 30 * 86_400_000, attemptsPerDay: 10 });
        expect(allFinite(progress)).toBe(true);
      }
    });
  }
});
