import { assertNoPrerequisiteCycle, findPrerequisiteCycle, PrerequisiteEdge } from "./prerequisite-graph.js";
import { BadInputError, ErrorCode } from "../common/domain-error.js";

const e = (skillId: string, prerequisiteId: string): PrerequisiteEdge => ({ skillId, prerequisiteId });

describe("findPrerequisiteCycle", () => {
  test("an edge in an empty graph is safe", () => {
    expect(findPrerequisiteCycle([], "A", "B")).toBeUndefined();
  });

  test("a self-loop is a cycle of one skill", () => {
    expect(findPrerequisiteCycle([], "A", "A")).toEqual(["A", "A"]);
  });

  test("the reverse of an existing edge closes a two-cycle", () => {
    expect(findPrerequisiteCycle([e("A", "B")], "B", "A")).toEqual(["B", "A", "B"]);
  });

  test("closing A→B→C→A reports the skills in dependency order", () => {
    const edges = [e("A", "B"), e("B", "C")];
    expect(findPrerequisiteCycle(edges, "C", "A")).toEqual(["C", "A", "B", "C"]);
  });

  test("diamonds and shortcuts are not cycles", () => {
    // D depends on B and C, both depend on A; a shortcut D→A adds no cycle.
    const edges = [e("D", "B"), e("D", "C"), e("B", "A"), e("C", "A")];
    expect(findPrerequisiteCycle(edges, "D", "A")).toBeUndefined();
    expect(findPrerequisiteCycle(edges, "E", "D")).toBeUndefined();
    // …but A depending on D would.
    expect(findPrerequisiteCycle(edges, "A", "D")).toEqual(["A", "D", "B", "A"]);
  });

  test("the shortest cycle is reported, and unrelated components are ignored", () => {
    const edges = [e("A", "B"), e("B", "C"), e("C", "D"), e("A", "D"), e("X", "Y"), e("Y", "Z")];
    expect(findPrerequisiteCycle(edges, "D", "A")).toEqual(["D", "A", "D"]);
    expect(findPrerequisiteCycle(edges, "Z", "A")).toBeUndefined();
  });

  test("a long chain is found without recursion limits", () => {
    const n = 20000;
    const edges = Array.from({ length: n - 1 }, (_, i) => e(`s${i}`, `s${i + 1}`));
    const cycle = findPrerequisiteCycle(edges, `s${n - 1}`, "s0");
    expect(cycle).toHaveLength(n + 1);
    expect(cycle![0]).toBe(`s${n - 1}`);
    expect(cycle![1]).toBe("s0");
    expect(cycle![n]).toBe(`s${n - 1}`);
  });

  test("an existing parallel edge does not confuse the search", () => {
    expect(findPrerequisiteCycle([e("A", "B"), e("A", "B")], "A", "B")).toBeUndefined();
  });
});

describe("assertNoPrerequisiteCycle", () => {
  test("passes a safe edge", () => {
    expect(() => assertNoPrerequisiteCycle([e("A", "B")], "C", "A")).not.toThrow();
  });

  test("throws BAD_USER_INPUT with reason PREREQUISITE_CYCLE and the cycle", () => {
    let caught: unknown;
    try {
      assertNoPrerequisiteCycle([e("A", "B"), e("B", "C")], "C", "A");
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(BadInputError);
    const err = caught as BadInputError;
    expect(err.code).toBe(ErrorCode.BadUserInput);
    expect(err.details).toEqual({ reason: "PREREQUISITE_CYCLE", cycle: ["C", "A", "B", "C"] });
    expect(err.message).toContain("C → A → B → C");
  });

  test("a self-loop says so", () => {
    expect(() => assertNoPrerequisiteCycle([], "A", "A")).toThrow(/own prerequisite/);
  });
});
