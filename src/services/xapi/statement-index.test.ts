/**
 * What a statement is found by (statement-index.ts): the agent filter sees the actor and an agent object
 * with a Group's members; related agents add authority, instructor, team and a sub-statement's; the
 * activity filter sees the object only, related activities the context activities and a sub-statement's.
 */
import { indexStatement, VOIDED_VERB } from "./statement-index.js";

const agent = (n: string) => ({ mbox: `mailto:${n}@example.org` });

test("an Activity statement: its object for the activity filter, the context's activities for related ones", () => {
  const ix = indexStatement({
    actor: { objectType: "Group", mbox: "mailto:class@example.org", member: [agent("a"), agent("b")] },
    verb: { id: "urn:v:answered" },
    object: { id: "urn:act:1", definition: { name: { en: "One" } } },
    authority: agent("app"),
    context: {
      registration: "5C2F0F5E-2F0A-4C1E-9A7D-0D3E6F6A1B2C",
      instructor: agent("teacher"),
      contextActivities: { parent: { id: "urn:act:course" }, grouping: [{ id: "urn:act:unit", definition: { name: { en: "Unit" } } }] },
    },
  });
  expect(ix.activityIds).toEqual(["urn:act:1"]);
  expect(ix.relatedActivityIds).toEqual(["urn:act:1", "urn:act:course", "urn:act:unit"]);
  expect(ix.agentIfis).toEqual(["mbox:mailto:class@example.org", "mbox:mailto:a@example.org", "mbox:mailto:b@example.org"]);
  expect(ix.relatedAgentIfis).toEqual([...ix.agentIfis, "mbox:mailto:app@example.org", "mbox:mailto:teacher@example.org"]);
  expect(ix.registration).toBe("5c2f0f5e-2f0a-4c1e-9a7d-0d3e6f6a1b2c");
  expect(ix.activities.map((a) => a.id)).toEqual(["urn:act:1", "urn:act:unit"]);
  expect(ix.voids).toBe(false);
});

test("a sub-statement's actor, object and context count as related, never for the plain filters", () => {
  const ix = indexStatement({
    actor: agent("a"),
    verb: { id: "urn:v:planned" },
    object: {
      objectType: "SubStatement",
      actor: agent("b"),
      verb: { id: "urn:v:will-answer" },
      object: { id: "urn:act:2" },
      context: { contextActivities: { other: [{ id: "urn:act:other" }] } },
    },
  });
  expect(ix.activityIds).toEqual([]);
  expect(ix.relatedActivityIds).toEqual(["urn:act:2", "urn:act:other"]);
  expect(ix.agentIfis).toEqual(["mbox:mailto:a@example.org"]);
  expect(ix.relatedAgentIfis).toEqual(["mbox:mailto:a@example.org", "mbox:mailto:b@example.org"]);
});

test("an Agent object is found by the agent filter; a StatementRef is a target, and voids with the voided verb", () => {
  expect(
    indexStatement({ actor: agent("a"), verb: { id: "urn:v:mentored" }, object: { objectType: "Agent", ...agent("b") } }).agentIfis,
  ).toEqual(["mbox:mailto:a@example.org", "mbox:mailto:b@example.org"]);
  const ref = { objectType: "StatementRef", id: "5C2F0F5E-2F0A-4C1E-9A7D-0D3E6F6A1B2C" };
  const voiding = indexStatement({ actor: agent("a"), verb: { id: VOIDED_VERB }, object: ref });
  expect(voiding).toMatchObject({ refId: "5c2f0f5e-2f0a-4c1e-9a7d-0d3e6f6a1b2c", voids: true });
  expect(indexStatement({ actor: agent("a"), verb: { id: "urn:v:liked" }, object: ref })).toMatchObject({
    voids: false,
    refId: ref.id.toLowerCase(),
  });
});
