import { isUuid, namedUuidv7 } from "./ids.js";

describe("namedUuidv7", () => {
  const T = Date.UTC(2026, 0, 1);
  it("is a function of its arguments, a valid version-7 UUID, and sorts by index within a name", () => {
    const ids = Array.from({ length: 5000 }, (_, i) => namedUuidv7(T, "demo:42:learner", i));
    expect(ids.map((_, i) => namedUuidv7(T, "demo:42:learner", i))).toEqual(ids);
    expect(ids.every((id) => isUuid(id) && id[14] === "7" && "89ab".includes(id[19]!))).toBe(true);
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids[0]!.slice(0, 13).replace("-", "")).toBe(T.toString(16).padStart(12, "0"));
  });

  it("gives other ids under another name", () => {
    const a = Array.from({ length: 100 }, (_, i) => namedUuidv7(T, "a", i));
    const b = new Set(Array.from({ length: 100 }, (_, i) => namedUuidv7(T, "b", i)));
    expect(a.filter((id) => b.has(id))).toEqual([]);
  });

  it("refuses an index it cannot encode", () => {
    expect(() => namedUuidv7(T, "a", -1)).toThrow(RangeError);
    expect(() => namedUuidv7(T, "a", 2 ** 26)).toThrow(RangeError);
  });
});
