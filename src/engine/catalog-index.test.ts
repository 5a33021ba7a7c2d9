/**
 * The one catalogue compiler and its one rule: a catalogue that does not check out (here, a duplicate
 * skill or task id) is an EngineError for every model that compiles it — Meta used to drop a
 * duplicate skill id silently while the baselines threw.
 */
import { CatalogIndex } from "./catalog-index.js";
import {
  EngineError,
  EngineErrorCode,
  initBackend,
  simulateSchool,
  trainers,
  trainTaskEmbedding,
  type Catalog,
  type TrainingSet,
} from "./index.js";

const school = simulateSchool({ learners: 20, skills: 4, tasksPerSkill: 3, multiSkillFraction: 0.5 }, 4);
const duplicateSkill: Catalog = { ...school.catalog, skillIds: [...school.catalog.skillIds, school.catalog.skillIds[1]!] };
const duplicateTask: Catalog = { ...school.catalog, tasks: [...school.catalog.tasks, { ...school.catalog.tasks[2]! }] };

async function codeOf(f: () => unknown): Promise<EngineErrorCode | "no error"> {
  try {
    await f();
  } catch (e) {
    if (e instanceof EngineError) return e.code;
    throw e;
  }
  return "no error";
}

describe("CatalogIndex.fromCatalog", () => {
  test("indexes ids in the catalogue's order with the Q-matrix in CSR form", () => {
    const cat = CatalogIndex.fromCatalog(school.catalog);
    expect(cat.taskIds).toEqual(school.catalog.tasks.map((t) => t.taskId));
    expect(cat.skillIds).toEqual(school.catalog.skillIds);
    school.catalog.tasks.forEach((task, t) => {
      const cells = [];
      for (let j = cat.qStart[t]!; j < cat.qStart[t + 1]!; j++)
        cells.push({ skillId: cat.skillIds[cat.qSkill[j]!], weight: cat.qWeight[j] });
      expect(cells).toEqual(task.skills);
    });
    expect(cat.maxSkills).toBe(Math.max(1, ...school.catalog.tasks.map((t) => t.skills.length)));
  });

  test.each([
    ["skill", duplicateSkill],
    ["task", duplicateTask],
  ])("a duplicate %s id is INVALID_DATA", async (_, catalog) => {
    expect(await codeOf(() => CatalogIndex.fromCatalog(catalog))).toBe(EngineErrorCode.InvalidData);
  });
});

describe("every model compiles the catalogue the same way", () => {
  beforeAll(() => initBackend());
  const fits: [string, (data: TrainingSet) => Promise<unknown>][] = [
    ...Object.entries(trainers).map(
      ([name, trainer]) =>
        [name, (data: TrainingSet) => trainer.fit(data, { seed: 1, maxEpochs: 1 } as never)] as [
          string,
          (data: TrainingSet) => Promise<unknown>,
        ],
    ),
    ["task embedding", (data) => trainTaskEmbedding(data, { seed: 1, maxSteps: 1 })],
  ];
  test.each(fits)("%s rejects a duplicate skill id and a duplicate task id", async (_, train) => {
    expect(await codeOf(() => train({ catalog: duplicateSkill, sequences: school.sequences }))).toBe(EngineErrorCode.InvalidData);
    expect(await codeOf(() => train({ catalog: duplicateTask, sequences: school.sequences }))).toBe(EngineErrorCode.InvalidData);
  });
});
