import { EngineError, EngineErrorCode } from "../errors.js";
import { compileCurriculum, DEFAULT_RECOMMEND_PARAMS, resolveRecommendParams, topologicalOrder } from "./index.js";

const graph = (entries: [string, string[]][]) => new Map(entries);

describe("topologicalOrder", () => {
  it("puts prerequisites first and breaks ties by the smallest id, whatever the input order", () => {
    const entries: [string, string[]][] = [
      ["d", ["b", "c"]],
      ["c", ["a"]],
      ["b", ["a"]],
      ["a", []],
      ["z", []],
      ["e", ["d", "z"]],
    ];
    const { order, cyclic } = topologicalOrder(graph(entries));
    expect(order).toEqual(["a", "b", "c", "d", "z", "e"]);
    expect(cyclic).toEqual([]);
    expect(topologicalOrder(graph([...entries].reverse())).order).toEqual(order);
  });

  it("handles many roots, self-loops, unknown prerequisites and cycles without hanging or throwing", () => {
    expect(
      topologicalOrder(
        graph([
          ["r3", []],
          ["r1", []],
          ["r2", ["r2", "nope"]],
        ]),
      ).order,
    ).toEqual(["r1", "r2", "r3"]);
    const cyc = topologicalOrder(
      graph([
        ["a", []],
        ["c", ["b"]],
        ["b", ["c"]],
        ["d", ["a"]],
      ]),
    );
    expect(cyc.order).toEqual(["a", "d", "b", "c"]);
    expect(cyc.cyclic).toEqual(["b", "c"]);
  });
});

describe("compileCurriculum", () => {
  it("orders skills, picks each task's served skill and groups tasks by skill", () => {
    const c = compileCurriculum({
      skills: [
        { skillId: "b", name: "B", prerequisites: ["a", "ghost"] },
        { skillId: "a", name: "A", prerequisites: [] },
        { skillId: "c", name: "", prerequisites: ["b"] },
      ],
      tasks: [
        {
          taskId: "t2",
          skills: [
            { skillId: "b", weight: 1 },
            { skillId: "a", weight: 0.5 },
          ],
        },
        {
          taskId: "t1",
          skills: [
            { skillId: "a", weight: 1 },
            { skillId: "c", weight: 1 },
          ],
          topics: ["sport"],
        },
        { taskId: "t3", skills: [{ skillId: "ghost", weight: 1 }] },
      ],
    });
    expect(c.order).toEqual(["a", "b", "c"]);
    expect(c.skills.get("b")!.prerequisites).toEqual(["a"]);
    expect(c.skills.get("c")!.name).toBe("c"); // an empty name falls back to the id
    expect(c.tasks.get("t2")!.skillId).toBe("b");
    expect(c.tasks.get("t1")!.skillId).toBe("c"); // equal weights: the later skill in DAG order
    expect(c.tasks.get("t3")!.skillId).toBeNull();
    expect(c.tasksBySkill.get("b")!.map((t) => t.taskId)).toEqual(["t2"]);
    expect(compileCurriculum(c)).toBe(c);
  });
});

describe("resolveRecommendParams", () => {
  it("fills defaults and refuses values out of range with INVALID_PARAMETERS", () => {
    expect(resolveRecommendParams()).toEqual(DEFAULT_RECOMMEND_PARAMS);
    expect(resolveRecommendParams({ repeatWindow: 0 }).repeatWindow).toBe(0);
    const bad: Partial<typeof DEFAULT_RECOMMEND_PARAMS>[] = [
      { bandLow: 0.9 },
      { bandTarget: 0.9 },
      { bandHigh: 1 },
      { bandLow: NaN },
      { prerequisiteGap: -0.1 },
      { repeatWindow: 1.5 },
      { maxSharePerSkill: 0 },
      { maxAttemptsToMastery: 0 },
      { masteryThreshold: 1 },
      { defaultCount: -1 },
    ];
    for (const p of bad) {
      expect(() => resolveRecommendParams(p)).toThrow(EngineError);
      try {
        resolveRecommendParams(p);
      } catch (e) {
        expect((e as EngineError).code).toBe(EngineErrorCode.InvalidParameters);
      }
    }
  });
});
