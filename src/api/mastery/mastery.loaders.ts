/** Per-request loaders of a learner's mastery and state summary (batched, scoped). Spread into `createLoaders`. */
import DataLoader from "dataloader";
import type { Actor } from "../../services/auth/actor.js";
import type { Services } from "../../services/index.js";
import type { LearnerStateSummary, MasteryWithSkill } from "../../services/mastery/mastery.service.js";

export function createMasteryLoaders(services: Services, actor: () => Actor) {
  return {
    masteryOfLearner: new DataLoader<string, MasteryWithSkill[]>(async (ids) => {
      const map = await services.mastery.masteryOf(actor(), ids);
      return ids.map((id) => map.get(id) ?? []);
    }),
    stateOfLearner: new DataLoader<string, LearnerStateSummary | null>(async (ids) => {
      const map = await services.mastery.statesOf(actor(), ids);
      return ids.map((id) => map.get(id) ?? null);
    }),
  };
}
