/**
 * Comparison and formats of stored statements (statement-format.ts): what the LRS sets, UUID case,
 * timestamp representation, member order and single context activities do not make two statements
 * differ; anything else does. `ids` keeps identifiers only; `canonical` one language per map.
 */
import { acceptedLanguages, formatStatement, sameStatement, withArrays } from "./statement-format.js";

const BASE = {
  id: "5c2f0f5e-2f0a-4c1e-9a7d-0d3e6f6a1b2c",
  actor: { objectType: "Group", member: [{ mbox: "mailto:a@example.org" }, { mbox: "mailto:b@example.org" }] },
  verb: { id: "urn:v:answered", display: { "en-US": "answered", "fr-FR": "a répondu" } },
  object: { id: "urn:act:1", definition: { name: { "en-US": "One", "en-GB": "One (GB)" } } },
  context: { contextActivities: { parent: { id: "urn:act:course" } } },
  timestamp: "2026-12-07T10:00:00Z",
};

test("the same statement in another representation is the same; other content is not", () => {
  const again = {
    ...BASE,
    id: BASE.id.toUpperCase(),
    actor: { ...BASE.actor, member: [...BASE.actor.member].reverse() },
    context: { contextActivities: { parent: [{ id: "urn:act:course" }] } },
    timestamp: "2026-12-07T11:00:00+01:00",
    stored: "2026-12-07T12:00:00Z",
    authority: { mbox: "mailto:lrs@example.org" },
    version: "1.0.3",
  };
  expect(sameStatement(BASE, again)).toBe(true);
  expect(sameStatement(BASE, { ...BASE, object: { id: "urn:act:2" } })).toBe(false);
  expect(sameStatement(BASE, { ...BASE, timestamp: "2026-12-07T10:00:01Z" })).toBe(false);
  expect(sameStatement(BASE, { ...BASE, result: { success: true } })).toBe(false);
});

test("context activities are stored as arrays", () => {
  expect(withArrays(BASE).context).toEqual({ contextActivities: { parent: [{ id: "urn:act:course" }] } });
});

test("ids keeps identifiers: an Agent's IFI, an anonymous Group's members, an Activity's and a Verb's id", () => {
  const ids = formatStatement(withArrays(BASE), "ids");
  expect(ids.actor).toEqual({
    objectType: "Group",
    member: [
      { objectType: "Agent", mbox: "mailto:a@example.org" },
      { objectType: "Agent", mbox: "mailto:b@example.org" },
    ],
  });
  expect(ids.verb).toEqual({ id: "urn:v:answered" });
  expect(ids.object).toEqual({ id: "urn:act:1" });
  expect(ids.context).toEqual({ contextActivities: { parent: [{ id: "urn:act:course" }] } });
});

test("canonical keeps one language per map: the reader's best, else the map's first; definitions from the store", () => {
  expect(acceptedLanguages("fr-FR;q=0.5, en-GB, *;q=0.1")).toEqual(["en-GB", "fr-FR"]);
  const gb = formatStatement(BASE, "canonical", ["en-GB"]);
  expect((gb.verb as { display: object }).display).toEqual({ "en-US": "answered" });
  expect((gb.object as { definition: { name: object } }).definition.name).toEqual({ "en-GB": "One (GB)" });
  const fr = formatStatement(BASE, "canonical", ["fr"], new Map([["urn:act:1", { name: { "fr-FR": "Un", "en-US": "One" } }]]));
  expect((fr.verb as { display: object }).display).toEqual({ "fr-FR": "a répondu" });
  expect((fr.object as { definition: { name: object } }).definition).toEqual({ name: { "fr-FR": "Un" } });
  expect(formatStatement(BASE, "exact", ["fr"])).toBe(BASE);
});
