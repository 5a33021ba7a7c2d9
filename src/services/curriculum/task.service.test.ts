/** The task rules the service enforces whatever the caller (GraphQL validates too, but services stand alone). */
import { BadInputError } from "../common/domain-error.js";
import { checkDuration, checkKind, normalizeTaskSkills, normalizeTopics } from "./task.service.js";
import { MAX_EXPECTED_DURATION_SECONDS, MAX_TOPICS } from "../common/input-bounds.js";
import { checkCurriculumCode } from "./skill.service.js";

const detailsOf = (f: () => unknown): Record<string, unknown> | undefined => {
  try {
    f();
  } catch (e) {
    if (e instanceof BadInputError) return e.details as Record<string, unknown>;
    throw e;
  }
  return undefined;
};

test("topics are trimmed, lower-cased and de-duplicated in order", () => {
  expect(normalizeTopics([" Pizza", "SPORTS", "pizza ", "music"])).toEqual(["pizza", "sports", "music"]);
  expect(normalizeTopics([])).toEqual([]);
});

test("empty, overlong and too many topics are refused", () => {
  expect(detailsOf(() => normalizeTopics(["ok", "  "]))).toMatchObject({ field: "topics" });
  expect(detailsOf(() => normalizeTopics(["x".repeat(51)]))).toMatchObject({ field: "topics" });
  const many = Array.from({ length: MAX_TOPICS + 1 }, (_, i) => `t${i}`);
  expect(detailsOf(() => normalizeTopics(many))).toMatchObject({ field: "topics", max: MAX_TOPICS });
  // Duplicates count once: 21 spellings of 20 topics are fine.
  expect(normalizeTopics([...many.slice(0, MAX_TOPICS), "T0"])).toHaveLength(MAX_TOPICS);
});

test("the Q-matrix row: default weight 1, weights in (0, 1], at least one skill, none twice", () => {
  expect(normalizeTaskSkills([{ skillId: "a" }, { skillId: "b", weight: 0.5 }, { skillId: "c", weight: null }])).toEqual([
    { skillId: "a", weight: 1 },
    { skillId: "b", weight: 0.5 },
    { skillId: "c", weight: 1 },
  ]);
  expect(normalizeTaskSkills([{ skillId: "a", weight: 1 }])).toEqual([{ skillId: "a", weight: 1 }]);
  for (const weight of [0, -0.1, 1.0001, Number.NaN, Number.POSITIVE_INFINITY]) {
    expect(detailsOf(() => normalizeTaskSkills([{ skillId: "a", weight }]))).toMatchObject({ field: "skills.weight" });
  }
  expect(detailsOf(() => normalizeTaskSkills([]))).toMatchObject({ field: "skills" });
  expect(detailsOf(() => normalizeTaskSkills([{ skillId: "a" }, { skillId: "a", weight: 0.2 }]))).toMatchObject({
    field: "skills",
    skillId: "a",
  });
});

test("durations are integers from 0 to a day; kinds are known; codes are short identifiers", () => {
  expect(() => checkDuration(0)).not.toThrow();
  expect(() => checkDuration(MAX_EXPECTED_DURATION_SECONDS)).not.toThrow();
  for (const d of [-1, 1.5, Number.NaN, MAX_EXPECTED_DURATION_SECONDS + 1, 2 ** 31 - 1])
    expect(detailsOf(() => checkDuration(d))).toMatchObject({ field: "expectedDurationSeconds" });
  expect(() => checkKind("EXERCISE")).not.toThrow();
  expect(detailsOf(() => checkKind("Exercise"))).toMatchObject({ field: "kind" });
  expect(() => checkCurriculumCode("FRAC.EQUIV-2:a_b")).not.toThrow();
  for (const c of ["", "has space", ".lead", "x".repeat(101), "é"])
    expect(detailsOf(() => checkCurriculumCode(c))).toMatchObject({ field: "code" });
});
