/**
 * The LRS's data across a rotation of the personal-data key (docs/operations.md, "Personal data at rest"):
 * statements, attachments, documents and the agents' index key are re-encrypted by the rotation's pass
 * like every personal value; after it, with the old key dropped, everything reads back and an agent's
 * statements and documents are still found by the agent (the keyed hashes did not change).
 * PGlite, or a scratch database of its own on DATABASE_URL.
 */
import { createHash, randomBytes } from "node:crypto";
import { openScratchDatabase, type ScratchDatabase } from "../support/scratch-database.js";
import { servicesWith } from "../support/personal-world.js";
import { openKeyring } from "../../src/services/keys/keyring.js";
import { finishRotation, reencryptAll } from "../../src/services/keys/reencryption.js";
import { countValuesUnder } from "../../src/persistence/crypto/key-registry.js";
import { keyIdOf } from "../../src/persistence/crypto/field-cipher.js";
import type { XapiClient } from "../../src/services/xapi/xapi-credential.service.js";

const K1 = randomBytes(32);
const K2 = randomBytes(32);
let scratch: ScratchDatabase;

beforeAll(async () => {
  scratch = await openScratchDatabase("xapikeys");
}, 120_000);
afterAll(async () => {
  await scratch?.close().catch(() => {});
});

test("after a rotation and without the old key, statements, attachments and documents read back and are found by their agent", async () => {
  const ds = scratch.db.dataSource;
  const first = servicesWith(ds, (await openKeyring(ds, { current: K1 })).cipher);
  const school = await first.schools.create("xAPI rotation school");
  const issued = await first.xapiCredentials.issue(school.id, { label: "quiz", scope: "ALL" }, "test");
  const client: XapiClient = (await first.xapiCredentials.authenticate(issued.credential.key, issued.secret))!;
  const content = Buffer.from("an essay");
  const sha2 = createHash("sha256").update(content).digest("hex");
  const agent = { mbox: "mailto:rotated@example.org" };
  const {
    ids: [id],
  } = await first.xapiStatements.store(
    client,
    {
      actor: agent,
      verb: { id: "http://adlnet.gov/expapi/verbs/answered" },
      object: { id: "http://zpd.test/rot/1" },
      attachments: [{ usageType: "urn:zpd:essay", display: { en: "essay" }, contentType: "text/plain", length: content.length, sha2 }],
    },
    [{ sha2, contentType: "text/plain", content }],
  );
  const address = { kind: "state" as const, activityId: "http://zpd.test/rot/1", agent: JSON.stringify(agent), documentId: "bookmark" };
  await first.xapiDocuments.write(client, address, { content: Buffer.from('{"page":7}'), contentType: "application/json" }, false, {});
  const underK1 = await countValuesUnder(ds.manager, keyIdOf(K1));
  for (const column of [
    "xapi_statement.statement_enc",
    "xapi_attachment.content_enc",
    "xapi_document.content_enc",
    "xapi_index_key.secret_enc",
  ])
    expect(underK1.get(column)).toBeGreaterThan(0);

  const rotating = (await openKeyring(ds, { current: K2, old: [K1] })).cipher;
  const rewritten = await reencryptAll(ds, rotating);
  expect(Object.fromEntries(rewritten)).toEqual(Object.fromEntries(underK1));
  expect((await finishRotation(ds, rotating)).retired).toContain(keyIdOf(K1));

  const after = servicesWith(ds, (await openKeyring(ds, { current: K2 })).cipher);
  const read = { format: "exact" as const, languages: [], attachments: true };
  const found = await after.xapiStatements.query(client, { agent }, read);
  expect(found.statements.map((s) => s.id)).toEqual([id]);
  expect(found.attachments.map((a) => a.content.toString())).toEqual(["an essay"]);
  expect((await after.xapiDocuments.get(client, address)).content.toString()).toBe('{"page":7}');
});
