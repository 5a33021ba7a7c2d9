/**
 * Per-request DataLoaders: every relation a resolver follows is batched into one query per level
 * of the GraphQL tree, whatever the page size (no N+1). Loaders are scoped to the caller, so a
 * batch never returns rows the caller may not see.
 */
import DataLoader from "dataloader";
import { listsByKey, rowsById } from "./batch-loaders.js";
import type { Actor } from "../../services/auth/actor.js";
import type { Services } from "../../services/index.js";
import { createCurriculumLoaders } from "../curriculum/curriculum.loaders.js";
import { createGoalLoaders } from "../goal/goal.loaders.js";
import { createConsentLoaders } from "../consent/consent.loaders.js";
import { createMasteryLoaders } from "../mastery/mastery.loaders.js";
import { createModelLoaders } from "../model/model.loaders.js";

type Key = string;

export function createLoaders(services: Services, actor: () => Actor) {
  return {
    learner: rowsById((ids) => services.learners.byIds(actor(), ids)),
    learnerProfile: new DataLoader<Key, { displayName: string | null; email: string | null } | null>(async (ids) => {
      const map = await services.learners.profiles(actor(), ids);
      return ids.map((id) => map.get(id) ?? null);
    }),
    cohortIdsOfLearner: listsByKey((ids) => services.learners.cohortIdsOf(actor(), ids)),
    cohort: rowsById((ids) => services.cohorts.byIds(actor(), ids)),
    teacherIdsOfCohort: listsByKey((ids) => services.cohorts.teacherIdsOf(actor(), ids)),
    teacher: rowsById((ids) => services.schools.teachersByIds(actor(), ids)),
    ...createCurriculumLoaders(services, actor),
    ...createGoalLoaders(services, actor),
    ...createConsentLoaders(services, actor),
    ...createMasteryLoaders(services, actor),
    ...createModelLoaders(services, actor),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;
