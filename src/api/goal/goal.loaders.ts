/**
 * Per-request loaders of goals and paths: a goal's target skills, a goal's path, a path's steps (with
 * their tasks and skills), goals and paths by id. One query per level of the GraphQL tree, scoped to
 * the caller. Spread into `createLoaders` (api/common/loaders.ts).
 */
import DataLoader from "dataloader";
import type { Actor } from "../../services/auth/actor.js";
import type { Services } from "../../services/index.js";

function rowsById<T extends { id: string }>(fetch: (ids: readonly string[]) => Promise<T[]>) {
  return new DataLoader<string, T | null>(async (ids) => {
    const map = new Map((await fetch(ids)).map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  });
}

function listsByKey<V>(fetch: (keys: readonly string[]) => Promise<Map<string, V[]>>) {
  return new DataLoader<string, V[]>(async (keys) => {
    const map = await fetch(keys);
    return keys.map((k) => map.get(k) ?? []);
  });
}

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
