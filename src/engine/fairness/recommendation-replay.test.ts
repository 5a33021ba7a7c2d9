import { trainers } from "../registry.js";
import { simulateSchool, splitLearners } from "../simulator/index.js";
import { recommend } from "../recommend/index.js";
import type { KnowledgeModel } from "../types.js";
import { replayRecommendations } from "./recommendation-replay.js";

// A seeded school and an Elo model fitted on its train learners; the test learners are replayed.
const school = simulateSchool({ learners: 60 }, 11);
const split = splitLearners(school, { seed: 1 });
const curriculum = {
  skills: school.skills.map(({ skillId, name, prerequisites }) => ({ skillId, name, prerequisites })),
  tasks: school.tasks.map(({ taskId, skills, topics }) => ({ taskId, skills, topics })),
};
const NOW = Date.UTC(2026, 5, 1);
let elo: KnowledgeModel;
beforeAll(async () => {
  const eloOptions = { seed: 1, a: 0.4, b: 0.03 }; // fixed step sizes: no grid search, a fast fit
  elo = await trainers.elo!.fit(split.train, eloOptions);
});

describe("replayRecommendations", () => {
  it("gives one entry per learner, in the sequences' order, equal to recommend() on the learner's replayed state", () => {
    const out = replayRecommendations({ model: elo, curriculum, sequences: split.test.sequences, now: NOW });
    expect(out).toHaveLength(split.test.sequences.size);
    const [firstId, firstSeq] = [...split.test.sequences][0]!;
    const state = firstSeq.reduce((s, t) => elo.update(s, t), elo.initialState());
    const direct = recommend({
      model: elo,
      state,
      curriculum,
      count: 5,
      recentTaskIds: firstSeq
        .map((t) => t.taskId)
        .slice(-20)
        .reverse(),
      now: NOW,
    });
    expect(firstId).toBeDefined();
    expect(out[0]!.predictedSuccess).toEqual(direct.map((r) => r.predictedSuccess));
    for (const r of out) {
      expect(r).not.toBeNull();
      expect(r!.goalAdvancingShare).toBeGreaterThanOrEqual(0);
      expect(r!.goalAdvancingShare).toBeLessThanOrEqual(1);
      expect(r!.attemptsToMastery).toBeGreaterThanOrEqual(0);
    }
  });

  it("reads each learner's goal, and a per-learner parameter override moves only that learner's recommendations", () => {
    const ids = [...split.test.sequences.keys()];
    const lastSkill = school.skills.at(-1)!.skillId;
    const goals = new Map(ids.map((id) => [id, { skillIds: [lastSkill], masteryThreshold: 0.8 }]));
    const base = replayRecommendations({ model: elo, curriculum, sequences: split.test.sequences, goals, now: NOW });
    // A band moved up for the first learner only: that learner is offered easier tasks, the others the same.
    const easier = replayRecommendations({
      model: elo,
      curriculum,
      sequences: split.test.sequences,
      goals,
      now: NOW,
      paramsFor: (id) => (id === ids[0] ? { bandLow: 0.9, bandHigh: 0.97, bandTarget: 0.94 } : undefined),
    });
    const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(easier[0]!.predictedSuccess)).toBeGreaterThan(mean(base[0]!.predictedSuccess));
    expect(easier.slice(1)).toEqual(base.slice(1));
  });
});
