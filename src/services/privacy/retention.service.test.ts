import { BadInputError } from "../common/domain-error.js";
import { retentionCutoff } from "./retention.service.js";

describe("retentionCutoff", () => {
  test.each([
    // at, days → 00:00 UTC of at's UTC day, minus days (hand-computed)
    ["2026-11-01T12:00:00Z", 7, "2026-10-25T00:00:00.000Z"],
    ["2026-11-01T00:00:00Z", 1, "2026-10-31T00:00:00.000Z"],
    ["2026-11-01T23:59:59.999Z", 1, "2026-10-31T00:00:00.000Z"],
    ["2024-03-01T08:00:00Z", 1, "2024-02-29T00:00:00.000Z"], // a leap day
    ["2027-01-10T05:00:00Z", 365, "2026-01-10T00:00:00.000Z"],
  ])("at %s, %i days → %s", (at, days, cutoff) => {
    expect(retentionCutoff(new Date(at), days).toISOString()).toBe(cutoff);
  });

  test("every attempt it deletes is at least the period old, and none is older than it by a day or more", () => {
    for (let h = 0; h < 48; h += 0.75) {
      const at = new Date(Date.UTC(2026, 5, 1) + h * 3_600_000);
      const age = at.getTime() - retentionCutoff(at, 30).getTime();
      expect(age).toBeGreaterThanOrEqual(30 * 86_400_000);
      expect(age).toBeLessThan(31 * 86_400_000);
    }
  });

  test("a period that would delete everything is refused", () => {
    for (const days of [0, -1, 1.5, Number.NaN]) expect(() => retentionCutoff(new Date(), days)).toThrow(BadInputError);
  });
});
