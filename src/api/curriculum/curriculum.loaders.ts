/**
 * Per-request loaders of the curriculum: skills and tasks by id, a task's Q-matrix row, a skill's
 * prerequisites and dependents. Each batches all keys of one level of the GraphQL tree into one
 * query, scoped to the caller's school. Spread into `createLoaders` (api/common/loaders.ts).
 */
import DataLoader from "dataloader";
import type { Actor } from "../../services/auth/actor.js";
import type { Services } from "../../services/index.js";
import type { Skill } from "../../persistence/curriculum/skill.entity.js";

/** A loader of rows by id; missing or invisible rows resolve to null. */
function rowsById<T extends { id: string }>(fetch: (ids: readonly string[]) => Promise<T[]>) {
  return new DataLoader<string, T | null>(async (ids) => {
    const map = new Map((await fetch(ids)).map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  });
}

/** A loader of a list per key from a batch function returning a map. */
function listsByKey<V>(fetch: (keys: readonly string[]) => Promise<Map<string, V[]>>) {
  return new DataLoader<string, V[]>(async (keys) => {
    const map = await fetch(keys);
    return keys.map((k) => map.get(k) ?? []);
  });
}

export function createCurriculumLoaders(services: Services, actor: () => Actor) {
  const skill = rowsById((ids) => services.skills.byIds(actor(), ids));
  /** Skills reached through the prerequisite graph are primed into `skill`, to be loaded once. */
  const primed = (map: Map<string, Skill[]>) => {
    for (const list of map.values()) for (const s of list) skill.prime(s.id, s);
    return map;
  };
  return {
    skill,
    task: rowsById((ids) => services.tasks.byIds(actor(), ids)),
    skillsOfTask: listsByKey((ids) => services.tasks.skillsOf(actor(), ids)),
    prerequisitesOfSkill: listsByKey(async (ids) => primed(await services.skills.prerequisitesOf(actor(), ids))),
    dependentsOfSkill: listsByKey(async (ids) => primed(await services.skills.dependentsOf(actor(), ids))),
  };
}
