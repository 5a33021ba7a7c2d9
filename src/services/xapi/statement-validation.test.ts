/**
 * The statement checks (statement-validation.ts, xapi-values.ts) against the MUSTs of xAPI 1.0.3: a
 * statement using every property passes; each broken variant is refused with its path and why.
 */
import { StatementValidationError, validateStatement } from "./statement-validation.js";
import { durationSeconds, isDuration, isIri, isLanguageTag, isTimestamp } from "./xapi-values.js";

const FULL = {
  id: "fd41c918-b88b-4b20-a0a5-a4c32391aaa0",
  actor: { objectType: "Agent", name: "Ada", mbox: "mailto:ada@example.org" },
  verb: { id: "http://adlnet.gov/expapi/verbs/answered", display: { "en-US": "answered", "fr-FR": "a répondu" } },
  object: {
    objectType: "Activity",
    id: "https://school.example/tasks/fractions-1",
    definition: {
      name: { en: "Fractions 1" },
      description: { en: "Add two fractions" },
      type: "http://adlnet.gov/expapi/activities/cmi.interaction",
      moreInfo: "https://school.example/tasks/fractions-1/about",
      interactionType: "choice",
      correctResponsesPattern: ["b"],
      choices: [
        { id: "a", description: { en: "1/2" } },
        { id: "b", description: { en: "3/4" } },
      ],
      extensions: { "https://school.example/ext/level": 3 },
    },
  },
  result: { score: { scaled: 0.75, raw: 3, min: 0, max: 4 }, success: true, completion: true, response: "b", duration: "PT1M30.5S" },
  context: {
    registration: "ec531277-b57b-4c15-8d91-d292c5b2b8f7",
    instructor: { account: { homePage: "https://school.example", name: "teacher-7" } },
    team: { objectType: "Group", name: "Team A", member: [{ mbox_sha1sum: "ebd31e95054c018b10727ccffd2ef2ec3a016ee9" }] },
    contextActivities: {
      parent: { id: "https://school.example/courses/maths-5" },
      grouping: [{ id: "https://school.example/units/fractions" }],
    },
    revision: "2",
    platform: "ZPD quiz",
    language: "en-GB",
    statement: { objectType: "StatementRef", id: "5c2f0f5e-2f0a-4c1e-9a7d-0d3e6f6a1b2c" },
    extensions: { "https://school.example/ext/device": "tablet" },
  },
  timestamp: "2026-12-07T10:15:30.123+01:00",
  version: "1.0.3",
  attachments: [
    {
      usageType: "http://adlnet.gov/expapi/attachments/signature",
      display: { en: "signature" },
      contentType: "application/octet-stream",
      length: 10,
      sha2: "672fa5fa658017f1b72d65036f13379c6ab05d4ab3b6664908d8acf0b6a0c634",
    },
  ],
};

/** The full statement with `change` applied at a dotted path (undefined deletes). */
function variant(path: string, value: unknown): unknown {
  const copy = structuredClone(FULL) as Record<string, unknown>;
  const keys = path.split(".");
  let at = copy as Record<string, unknown>;
  for (const k of keys.slice(0, -1)) at = at[k] as Record<string, unknown>;
  if (value === undefined) delete at[keys.at(-1)!];
  else at[keys.at(-1)!] = value;
  return copy;
}

function problems(statement: unknown): string[] {
  try {
    validateStatement(statement);
  } catch (e) {
    if (e instanceof StatementValidationError) return e.problems.map((p) => `${p.path}: ${p.why}`);
    throw e;
  }
  return [];
}

test("a statement using every property passes; so does the smallest one", () => {
  expect(problems(FULL)).toEqual([]);
  expect(problems({ actor: { mbox: "mailto:a@b.org" }, verb: { id: "urn:x:v" }, object: { id: "urn:x:o" } })).toEqual([]);
});

test.each([
  ["id", "not-a-uuid", "id: must be a UUID"],
  ["actor", undefined, "actor: is required"],
  ["actor.mbox", "ada@example.org", 'actor.mbox: must be a "mailto:" IRI of an e-mail address'],
  ["actor.openid", "https://id.example/ada", "actor: an Agent must have exactly one of mbox, mbox_sha1sum, openid, account"],
  ["actor.objectType", "Person", 'actor.objectType: must be "Agent" or "Group"'],
  ["actor.nickname", "ada", "actor.nickname: is not a property it may have"],
  ["verb.id", "answered", "verb.id: must be an IRI"],
  ["verb.display", { "not a tag!": "x" }, "verb.display.not a tag!: is not a language tag (RFC 5646)"],
  ["object.objectType", "Lesson", "object.objectType: must be Activity, Agent, Group, StatementRef or SubStatement"],
  ["object.definition.moreInfo", "urn:not:resolvable", "object.definition.moreInfo: must be an IRL"],
  [
    "object.definition.interactionType",
    "essay",
    "object.definition.interactionType: must be one of true-false, choice, fill-in, long-fill-in, matching, performance, sequencing, likert, numeric, other",
  ],
  ["object.definition.choices", [{ id: "a" }, { id: "a" }], "object.definition.choices[1].id: repeats another component's id"],
  ["result.score", { scaled: 1.5 }, "result.score.scaled: must be within [-1, 1]"],
  ["result.score", { raw: 5, min: 0, max: 4 }, "result.score.raw: must not exceed max"],
  ["result.success", "yes", "result.success: must be true or false"],
  ["result.duration", "90 seconds", "result.duration: must be an ISO 8601 duration"],
  ["result.response", null, "result.response: must not be null"],
  ["context.registration", "123", "context.registration: must be a UUID"],
  ["context.team", { mbox: "mailto:t@example.org" }, "context.team: must be a Group"],
  ["context.contextActivities", { sibling: [] }, "context.contextActivities.sibling: is not a property it may have"],
  [
    "context.statement",
    { objectType: "SubStatement", id: "5c2f0f5e-2f0a-4c1e-9a7d-0d3e6f6a1b2c" },
    'context.statement.objectType: must be "StatementRef"',
  ],
  ["context.extensions", { level: 1 }, "context.extensions.level: an extension's key must be an IRI"],
  ["timestamp", "2026-12-07 10:15", "timestamp: must be an ISO 8601 date-time"],
  ["timestamp", "2026-12-07T10:15:30-00:00", "timestamp: must be an ISO 8601 date-time"],
  ["version", "2.0.0", 'version: must be a 1.0.x version ("1.0.3")'],
  [
    "attachments",
    [{ usageType: "urn:x:u", display: { en: "x" }, contentType: "text/plain", length: -1, sha2: "00" }],
    "attachments[0].length: must be a non-negative integer",
  ],
  ["extra", 1, "extra: is not a property it may have"],
  ["verb.id", "http://adlnet.gov/expapi/verbs/voided", "object: a voiding statement's object must be a StatementRef"],
  ["object.definition.interactionType", undefined, "object.definition.correctResponsesPattern: needs an interactionType"],
  [
    "authority",
    { objectType: "Group", mbox: "mailto:apps@example.org", member: [{ mbox: "mailto:a@example.org" }, { mbox: "mailto:b@example.org" }] },
    "authority: an authority that is a Group must be anonymous (an OAuth consumer and user)",
  ],
  [
    "authority",
    { objectType: "Group", member: [{ mbox: "mailto:a@example.org" }] },
    "authority.member: an authority that is a Group has exactly two Agents",
  ],
])("%s = %j is refused: %s", (path, value, expected) => {
  expect(problems(variant(path, value))).toContain(expected);
});

test("Groups: an anonymous one lists its members, which are Agents; an identified one has one identifier", () => {
  const group = (g: unknown) => problems(variant("actor", g));
  expect(group({ objectType: "Group", member: [{ mbox: "mailto:a@example.org" }] })).toEqual([]);
  expect(group({ objectType: "Group", name: "no members, no id" })).toContain(
    "actor: an anonymous Group (no identifier) must list its members",
  );
  expect(group({ objectType: "Group", member: [{ objectType: "Group", member: [] }] })).toContain(
    "actor.member[0]: a Group's members are Agents, not Groups",
  );
  expect(group({ objectType: "Group", mbox: "mailto:g@example.org", openid: "https://g.example" })).toContain(
    "actor: a Group has at most one of mbox, mbox_sha1sum, openid, account",
  );
});

test("a SubStatement has no id, stored, version or authority and no SubStatement; revision and platform are for activities only", () => {
  const sub = { objectType: "SubStatement", actor: FULL.actor, verb: FULL.verb, object: { id: "urn:x:o" } };
  // The full statement's context has a revision and a platform: only for an Activity object (2.4.6), so
  // a statement about a SubStatement is refused with them and accepted without.
  expect(problems(variant("object", sub))).toEqual([
    "context.revision: is only for a statement about an Activity",
    "context.platform: is only for a statement about an Activity",
  ]);
  const { revision: _r, platform: _p, ...plainContext } = FULL.context as Record<string, unknown>;
  expect(problems({ ...(variant("object", sub) as object), context: plainContext })).toEqual([]);
  expect(problems(variant("object", { ...sub, id: FULL.id }))).toContain("object.id: is not a property it may have");
  expect(problems(variant("object", { ...sub, object: { ...sub, objectType: "SubStatement" } }))).toContain(
    "object.object: a SubStatement must not contain a SubStatement",
  );
  expect(problems(variant("object", { objectType: "Agent", mbox: "mailto:b@example.org" }))).toEqual([
    "context.revision: is only for a statement about an Activity",
    "context.platform: is only for a statement about an Activity",
  ]);
});

test("value rules: IRIs, language tags, timestamps on the calendar, durations", () => {
  expect([isIri("urn:isbn:0451450523"), isIri("http://a.b/c d"), isIri("no-scheme"), isIri("1http://x")]).toEqual([
    true,
    false,
    false,
    false,
  ]);
  expect(["en", "en-US", "zh-Hant-TW", "sgn-BE-FR", "x-private", "en-", "toolongxx"].map(isLanguageTag)).toEqual([
    true,
    true,
    true,
    true,
    true,
    false,
    false,
  ]);
  expect(
    [
      "2026-02-28T00:00Z",
      "2026-02-29T00:00Z",
      "2024-02-29T23:59:59.999Z",
      "2026-04-31T10:00Z",
      "2026-01-01T24:00Z",
      "2026-01-01T10:00",
    ].map(isTimestamp),
  ).toEqual([true, false, true, false, false, true]);
  expect(["PT1M30.5S", "P1DT2H", "P2W", "P", "PT", "P1H"].map(isDuration)).toEqual([true, true, true, false, false, false]);
  expect(durationSeconds("PT1M30.5S")).toBe(90.5);
  expect(durationSeconds("P1DT1S")).toBe(86_401);
});

test("context's revision and platform are for statements about an Activity only", () => {
  const ref = { objectType: "StatementRef", id: "5c2f0f5e-2f0a-4c1e-9a7d-0d3e6f6a1b2c" };
  const withRef = { ...(variant("object", ref) as object), context: { platform: "web", revision: "2" } };
  expect(problems(withRef)).toEqual([
    "context.revision: is only for a statement about an Activity",
    "context.platform: is only for a statement about an Activity",
  ]);
  expect(problems({ ...FULL, context: { platform: "web", revision: "2" } })).toEqual([]);
});
