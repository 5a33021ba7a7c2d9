import { checkPageSize, decodeCursor, encodeCursor } from "./pagination.js";

describe("pagination arguments", () => {
  test("cursors round-trip their key values, dates as ISO strings", () => {
    const c = encodeCursor([new Date("2026-01-02T03:04:05.000Z"), "id-1"]);
    expect(decodeCursor(c, 2)).toEqual(["2026-01-02T03:04:05.000Z", "id-1"]);
  });

  test.each(["garbage", encodeCursor(["only-one"]), Buffer.from("{}").toString("base64url")])("a bad cursor %s is BAD_USER_INPUT", (c) => {
    expect(() => decodeCursor(c, 2)).toThrow(expect.objectContaining({ code: "BAD_USER_INPUT" }));
  });

  test("page size defaults to 20, refuses negatives and anything above the maximum", () => {
    expect(checkPageSize(undefined, 100)).toBe(20);
    expect(checkPageSize(undefined, 5)).toBe(5);
    expect(checkPageSize(100, 100)).toBe(100);
    expect(() => checkPageSize(101, 100)).toThrow(expect.objectContaining({ code: "BAD_USER_INPUT" }));
    expect(() => checkPageSize(-1, 100)).toThrow(expect.objectContaining({ code: "BAD_USER_INPUT" }));
  });
});
