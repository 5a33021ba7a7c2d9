import { TaskIdInterner } from "./task-id-interner.js";

const A = "01a22670-9516-7000-8b25-d9c725c9146a";
const B = "01a22670-9516-7001-abe3-40064f473303";
// Shares A's last 12 hex digits (the interner's number) but differs earlier.
const A_TWIN = "ffffffff-9516-7000-8b25-d9c725c9146a";
const UNKNOWN = "01a22670-9516-7009-b607-f11f0fbb16da";

/** A copy of `s` that is not the same string instance (built from characters). */
const fresh = (s: string) => [...s].join("");

describe("TaskIdInterner.split", () => {
  const interner = new TaskIdInterner([A, B, A_TWIN]);

  test.each([
    ["", [""]],
    [A, [A]],
    [`${A},${B},${A}`, [A, B, A]],
    [`${A},${UNKNOWN},${B}`, [A, UNKNOWN, B]],
    [`${A_TWIN},${A}`, [A_TWIN, A]],
    [`x,${A},not-a-uuid,,${B}`, ["x", A, "not-a-uuid", "", B]],
    [`${A},`, [A, ""]],
    [`${A.toUpperCase()},${B}`, [A.toUpperCase(), B]],
  ])("%j gives what split(',') gives", (list, expected) => {
    expect(interner.split(fresh(list))).toEqual(expected);
    expect(interner.split(list)).toEqual(list.split(","));
  });

  test("known ids come back as the interner's own instances (the instances it was given)", () => {
    const ids = [fresh(A), fresh(B)];
    const own = new TaskIdInterner(ids);
    const out = own.split(fresh(`${B},${A},${B}`));
    expect(out[0]).toBe(ids[1]);
    expect(out[1]).toBe(ids[0]);
    // Object.is on strings compares content, so also check that a Map keyed by the originals finds them.
    const index = new Map(ids.map((id, i) => [id, i]));
    expect(out.map((id) => index.get(id))).toEqual([1, 0, 1]);
  });

  test("an interner over nothing, or over ids that are not uuids, splits like split", () => {
    for (const it of [new TaskIdInterner([]), new TaskIdInterner(["task-1", "", "zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"])]) {
      expect(it.split(`${A},task-1,${B}`)).toEqual([A, "task-1", B]);
    }
  });
});
