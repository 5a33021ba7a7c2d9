/**
 * Per-request loaders of goals and paths: a goal's target skills, a goal's path, a path's steps (with
 * their tasks and skills), goals and paths by id. One query per level of the GraphQL tree, scoped to
 * the caller. Spread into `createLoaders` (api/common/loaders.ts).
 */
import DataLoader from "dataloader";
import { listsByKey, rowsById } from "../common/batch-loaders.js";
import type { Actor } from "../../services/auth/actor.js";
import type { Services } from "../../services/index.js";

export function createGoalLoaders(services: Services, actor: () => Actor) {
  return {
    goal: rowsById((ids) => services.goals.byIds(actor(), ids)),
    skillsOfGoal: listsByKey((ids) => services.goals.skillsOf(actor(), ids)),
    learningPath: rowsById((ids) => services.learningPaths.byIds(actor(), ids)),
    pathOfGoal: new DataLoader<string, Awaited<ReturnType<Services["learningPaths"]["byIds"]>>[number] | null>(async (goalIds) => {
      const map = await services.learningPaths.byGoalIds(actor(), goalIds);
      return goalIds.map((id) => map.get(id) ?? null);
    }),
    stepsOfPath: listsByKey((ids) => services.learningPaths.stepsOf(actor(), ids)),
  };
}
