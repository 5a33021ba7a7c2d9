import { GoalService } from "./goal.service.js";
import { LearnerAttributeService } from "../learner-attribute/learner-attribute.service.js";
import { BadInputError } from "../common/domain-error.js";

describe("goal validation", () => {
  test("the mastery threshold must lie in (0, 1]", () => {
    expect(GoalService.checkThreshold(1)).toBe(1);
    expect(GoalService.checkThreshold(0.0001)).toBe(0.0001);
    for (const bad of [0, -0.5, 1.0001, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => GoalService.checkThreshold(bad)).toThrow(BadInputError);
  });

  test("skill ids are de-duplicated; none or too many are refused", () => {
    expect(GoalService.checkSkillIds(["a", "b", "a"])).toEqual(["a", "b"]);
    expect(() => GoalService.checkSkillIds([])).toThrow(BadInputError);
    expect(() => GoalService.checkSkillIds(Array.from({ length: 101 }, (_, i) => `s${i}`))).toThrow(BadInputError);
    // The list as sent is bounded, not only its distinct ids.
    expect(() => GoalService.checkSkillIds(Array.from({ length: 101 }, () => "s"))).toThrow(BadInputError);
  });

  test("titles are trimmed and bounded; invalid dates are refused", () => {
    expect(GoalService.checkTitle("  Ratios ")).toBe("Ratios");
    expect(() => GoalService.checkTitle("   ")).toThrow(BadInputError);
    expect(() => GoalService.checkTitle("x".repeat(201))).toThrow(BadInputError);
    expect(GoalService.checkDeadline(null)).toBeNull();
    expect(() => GoalService.checkDeadline(new Date("not a date"))).toThrow(BadInputError);
  });

  test("a deadline lies in [2000-01-01, 2100-01-01)", () => {
    for (const ok of ["2000-01-01T00:00:00.000Z", "2027-06-30T00:00:00.000Z", "2099-12-31T23:59:59.999Z"])
      expect(GoalService.checkDeadline(new Date(ok))).toEqual(new Date(ok));
    for (const bad of ["1970-01-01T00:00:00.000Z", "1999-12-31T23:59:59.999Z", "2100-01-01T00:00:00.000Z", "+275760-09-13T00:00:00.000Z"])
      expect(() => GoalService.checkDeadline(new Date(bad))).toThrow(/deadline must/);
  });
});

describe("protected attribute validation", () => {
  test("names start with a letter and hold at most 64 word characters; values 1 to 200 characters", () => {
    expect(() => LearnerAttributeService.check("language_status", "EAL")).not.toThrow();
    expect(() => LearnerAttributeService.check("a".repeat(64), "x")).not.toThrow();
    for (const name of ["", "1st", "has space", "a".repeat(65), "naïve"])
      expect(() => LearnerAttributeService.check(name, "x")).toThrow(BadInputError);
    expect(() => LearnerAttributeService.check("gender", "")).toThrow(BadInputError);
    expect(() => LearnerAttributeService.check("gender", "v".repeat(201))).toThrow(BadInputError);
  });
});
