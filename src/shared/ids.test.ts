import { isUuid, uuidv7, uuidv7s } from "./ids.js";

test("uuid v7: valid, version 7, variant 10, strictly increasing within one millisecond and across", () => {
  const ids = [...uuidv7s(5000), uuidv7(Date.now() + 5)];
  for (const id of ids) {
    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe("7");
    expect("89ab").toContain(id[19]);
  }
  for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!).toBe(true);
  expect(new Set(ids).size).toBe(ids.length);
});

test("the time prefix is the millisecond clock", () => {
  const t = Date.UTC(2030, 0, 1);
  expect(parseInt(uuidv7(t).replace(/-/g, "").slice(0, 12), 16)).toBeGreaterThanOrEqual(t);
});
