import { DEFAULT_ATTEMPT_VERBS, MAX_ATTEMPT_VERBS, parseAttemptVerbs, statementAsAttempt } from "./statement-attempt.js";

const ADL = "http://adlnet.gov/expapi/verbs/";
const MASTERED = "https://example.org/verbs/mastered";
const statement = (verb: string, result?: object) => ({
  actor: { mbox: "mailto:pupil@example.org" },
  verb: { id: verb },
  object: { id: "https://quiz.example/tasks/1" },
  ...(result ? { result } : {}),
  timestamp: "2026-12-01T10:00:00.000Z",
});

describe("the default attempt verbs (ADL's)", () => {
  test("answered, completed, attempted take their outcome from the result; passed and failed say it when the result does not", () => {
    for (const v of ["answered", "completed", "attempted"]) {
      expect(statementAsAttempt(statement(ADL + v, { success: false }))).toMatchObject({ kind: "attempt", facts: { correct: false } });
      expect(statementAsAttempt(statement(ADL + v))).toEqual({ kind: "unmapped", reason: "NO_OUTCOME" });
    }
    expect(statementAsAttempt(statement(`${ADL}passed`))).toMatchObject({ kind: "attempt", facts: { correct: true } });
    expect(statementAsAttempt(statement(`${ADL}failed`))).toMatchObject({ kind: "attempt", facts: { correct: false } });
    // The result, when given, wins over the verb.
    expect(statementAsAttempt(statement(`${ADL}passed`, { success: false }))).toMatchObject({ facts: { correct: false } });
    expect(statementAsAttempt(statement(MASTERED, { success: true }))).toEqual({ kind: "ignored", reason: "NOT_AN_ATTEMPT_VERB" });
    expect(DEFAULT_ATTEMPT_VERBS.attempt.size).toBe(5);
  });
});

describe("ZPD_XAPI_ATTEMPT_VERBS (parseAttemptVerbs)", () => {
  test("a configured list replaces the default; =success and =failure give a verb its outcome", () => {
    const verbs = parseAttemptVerbs(` ${ADL}answered, ${MASTERED}=success ,https://example.org/verbs/gave-up=failure,`);
    expect([...verbs.attempt]).toEqual([`${ADL}answered`, MASTERED, "https://example.org/verbs/gave-up"]);
    expect(statementAsAttempt(statement(MASTERED), verbs)).toMatchObject({ kind: "attempt", facts: { correct: true, score: null } });
    expect(statementAsAttempt(statement("https://example.org/verbs/gave-up"), verbs)).toMatchObject({ facts: { correct: false } });
    expect(statementAsAttempt(statement(`${ADL}answered`, { score: { scaled: 0.8 } }), verbs)).toMatchObject({
      facts: { correct: true, score: 0.8 },
    });
    // Not listed any more: ADL's passed is not an attempt under this setting.
    expect(statementAsAttempt(statement(`${ADL}passed`), verbs)).toEqual({ kind: "ignored", reason: "NOT_AN_ATTEMPT_VERB" });
  });

  test("an IRI may hold '=' (a query) when it is not followed by an outcome", () => {
    const verbs = parseAttemptVerbs("https://example.org/verbs?name=tried,https://example.org/v=success");
    expect([...verbs.attempt]).toEqual(["https://example.org/verbs?name=tried", "https://example.org/v"]);
    expect([...verbs.success]).toEqual(["https://example.org/v"]);
  });

  test.each([
    ["", /at least one/],
    [" , ", /at least one/],
    ["answered", /not a verb IRI/],
    ["https://example.org/verbs/gave up", /not a verb IRI/],
    ["=success", /not a verb IRI/],
    [`${ADL}answered,${ADL}answered=success`, /listed twice/],
    ["http://adlnet.gov/expapi/verbs/voided", /voided verb/],
    [Array.from({ length: MAX_ATTEMPT_VERBS + 1 }, (_, i) => `https://example.org/v/${i}`).join(","), /at most 100/],
  ])("%j is refused with the reason", (setting, why) => {
    expect(() => parseAttemptVerbs(setting)).toThrow(why);
  });
});
