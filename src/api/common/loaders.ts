/**
 * Per-request DataLoaders: every relation a resolver follows is batched into one query per level
 * of the GraphQL tree, whatever the page size (no N+1). Loaders are scoped to the caller, so a
 * batch never returns rows the caller may not see.
 */
import DataLoader from "dataloader";
import type { Actor } from "../../services/auth/actor.js";
import type { Services } from "../../services/index.js";
import { createCurriculumLoaders } from "../curriculum/curriculum.loaders.js";
import { createGoalLoaders } from "../goal/goal.loaders.js";
import { createConsentLoaders } from "../consent/consent.loaders.js";
import { createMasteryLoaders } from "../mastery/mastery.loaders.js";
import { createModelLoaders } from "../model/model.loaders.js";

type Key = string;

/** A loader of rows by id; missing or invisible rows resolve to null. */
function byIdLoader<T extends { id: string }>(fetch: (ids: readonly Key[]) => Promise<T[]>) {
  return new DataLoader<Key, T | null>(async (ids) => {
    const rows = await fetch(ids);
    const map = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  });
}

/** A loader of a list per key from a batch function returning a map. */
export function groupLoader<V>(fetch: (keys: readonly Key[]) => Promise<Map<Key, V[]>>) {
  return new DataLoader<Key, V[]>(async (keys) => {
    const map = await fetch(keys);
    return keys.map((k) => map.get(k) ?? []);
  });
}

export function createLoaders(services: Services, actor: () => Actor) {
  return {
    learner: byIdLoader((ids) => services.learners.byIds(actor(), ids)),
    learnerProfile: new DataLoader<Key, { displayName: string | null; email: string | null } | null>(async (ids) => {
      const map = await services.learners.profiles(actor(), ids);
      return ids.map((id) => map.get(id) ?? null);
    }),
    cohortIdsOfLearner: groupLoader((ids) => services.learners.cohortIdsOf(actor(), ids)),
    cohort: byIdLoader((ids) => services.cohorts.byIds(actor(), ids)),
    teacherIdsOfCohort: groupLoader((ids) => services.cohorts.teacherIdsOf(actor(), ids)),
    teacher: byIdLoader((ids) => services.schools.teachersByIds(actor(), ids)),
    ...createCurriculumLoaders(services, actor),
    ...createGoalLoaders(services, actor),
    ...createConsentLoaders(services, actor),
    ...createMasteryLoaders(services, actor),
    ...createModelLoaders(services, actor),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
