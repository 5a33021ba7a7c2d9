/**
 * Per-request loaders of the curriculum: skills and tasks by id, a task's Q-matrix row, a skill's
 * prerequisites and dependents. Each batches all keys of one level of the GraphQL tree into one
 * query, scoped to the caller's school. Spread into `createLoaders` (api/common/loaders.ts).
 */
import { listsByKey, rowsById } from "../common/batch-loaders.js";
import type { Actor } from "../../services/auth/actor.js";
import type { Services } from "../../services/index.js";
import type { Skill } from "../../persistence/curriculum/skill.entity.js";

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
