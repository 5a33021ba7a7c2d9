/**
 * A small school with a value in every encrypted column (persistence/crypto/encrypted-columns.ts), the
 * LRS's included,
 * written and read back through the services: the key tests compare what the services read before and
 * after an upgrade or a rotation.
 */
import type { DataSource } from "typeorm";
import { createServices, type Services } from "../../src/services/index.js";
import type { FieldCipher } from "../../src/persistence/crypto/field-cipher.js";
import { type Actor, Role } from "../../src/services/auth/actor.js";
import { createLogger } from "../../src/shared/logger.js";
import { createHash } from "node:crypto";
import type { XapiClient } from "../../src/services/xapi/xapi-credential.service.js";
import type { DocumentAddress } from "../../src/services/xapi/xapi-document.service.js";

export interface PersonalWorld {
  readonly actor: Actor;
  readonly learnerIds: string[];
  readonly goalIds: string[];
  readonly teacherId: string;
  /** The LRS's values (a statement about the first learner, its attachment, a state document); absent in a world of a version before the LRS. */
  readonly xapi?: { readonly client: XapiClient; readonly statementId: string; readonly document: DocumentAddress };
}

/** What the services read of a world's personal data. */
export interface PersonalData {
  readonly teacher: string;
  readonly learners: {
    id: string;
    displayName: string | null;
    email: string | null;
    interests: string[];
    attributes: string[];
    goal: string;
  }[];
  readonly xapi?: { actor: unknown; attachment: string; document: string };
}

export function servicesWith(ds: DataSource, cipher: FieldCipher): Services {
  return createServices({ dataSource: ds, cipher, logger: createLogger("silent"), maxPageSize: 100 });
}

export async function createPersonalWorld(services: Services, learners = 3): Promise<PersonalWorld> {
  const school = await services.schools.create("Personal data school");
  const actor: Actor = { schoolId: school.id, role: Role.Admin, subject: "test" };
  const teacherId = (await services.schools.createTeacher(actor, "Mx. Okonkwo-Laurent")).id;
  const skill = await services.skills.create(actor, { code: "ratios", name: "Ratios" });
  const learnerIds: string[] = [];
  const goalIds: string[] = [];
  for (let i = 0; i < learners; i++) {
    const l = await services.learners.create(actor, {
      externalRef: `pw-${i}`,
      interests: [`topic-${i}`, "music"],
      profile: { displayName: `Zélie Martin-${i}`, email: `zelie.${i}@example.invalid` },
    });
    learnerIds.push(l.id);
    await services.learnerAttributes.set(actor, l.id, "first_language", `language-${i}`);
    await services.learnerAttributes.set(actor, l.id, "gender", i % 2 ? "girl" : "boy");
    goalIds.push((await services.goals.create(actor, { learnerId: l.id, title: `Zélie's goal ${i}`, skillIds: [skill.id] })).id);
  }
  // The LRS: a statement (with an attachment) naming the first learner's e-mail, and a state document;
  // the first write also makes the database's index key. Four more encrypted values.
  const issued = await services.xapiCredentials.issue(school.id, { label: "personal world", scope: "ALL" }, "test");
  const client = (await services.xapiCredentials.authenticate(issued.credential.key, issued.secret))!;
  const {
    ids: [statementId],
  } = await services.xapiStatements.store(
    client,
    {
      actor: XAPI_ACTOR,
      verb: { id: "http://adlnet.gov/expapi/verbs/answered" },
      object: { id: "http://zpd.test/personal/1" },
      attachments: [
        { usageType: "urn:zpd:essay", display: { en: "essay" }, contentType: "text/plain", length: ESSAY.length, sha2: ESSAY_SHA2 },
      ],
    },
    [{ sha2: ESSAY_SHA2, contentType: "text/plain", content: ESSAY }],
  );
  const document: DocumentAddress = {
    kind: "state",
    activityId: "http://zpd.test/personal/1",
    agent: JSON.stringify(XAPI_ACTOR),
    documentId: "notes",
  };
  await services.xapiDocuments.write(client, document, { content: Buffer.from(XAPI_NOTE), contentType: "text/plain" }, false, {});
  return { actor, learnerIds, goalIds, teacherId, xapi: { client, statementId: statementId!, document } };
}

const XAPI_ACTOR = { name: "Zélie Martin-0", mbox: "mailto:zelie.0@example.invalid" };
const ESSAY = Buffer.from("Zélie's essay on ratios");
const ESSAY_SHA2 = createHash("sha256").update(ESSAY).digest("hex");
const XAPI_NOTE = "Zélie asked for help on ratios";

export async function readPersonalWorld(services: Services, w: PersonalWorld): Promise<PersonalData> {
  const profiles = await services.learners.profiles(w.actor, w.learnerIds);
  const learners = [];
  for (const [i, id] of w.learnerIds.entries()) {
    const attributes = (await services.learnerAttributes.list(w.actor, id, { first: 10 })).nodes.map((a) => `${a.name}=${a.value}`);
    learners.push({
      id,
      displayName: profiles.get(id)?.displayName ?? null,
      email: profiles.get(id)?.email ?? null,
      interests: (await services.learners.get(w.actor, id)).interests,
      attributes,
      goal: (await services.goals.get(w.actor, w.goalIds[i]!)).title,
    });
  }
  const teacher = (await services.schools.teacher(w.actor, w.teacherId)).displayName;
  if (!w.xapi) return { teacher, learners };
  const read = await services.xapiStatements.byId(w.xapi.client, w.xapi.statementId, false, {
    format: "exact",
    languages: [],
    attachments: true,
  });
  const xapi = {
    actor: read.statement.actor,
    attachment: read.attachments.map((a) => a.content.toString()).join(),
    document: (await services.xapiDocuments.get(w.xapi.client, w.xapi.document)).content.toString(),
  };
  return { teacher, learners, xapi };
}

/** The world as `createPersonalWorld` wrote it (derived from its inputs, not read back). */
export function expectedPersonalData(w: PersonalWorld): PersonalData {
  return {
    teacher: "Mx. Okonkwo-Laurent",
    learners: w.learnerIds.map((id, i) => ({
      id,
      displayName: `Zélie Martin-${i}`,
      email: `zelie.${i}@example.invalid`,
      interests: [`topic-${i}`, "music"],
      attributes: [`first_language=language-${i}`, `gender=${i % 2 ? "girl" : "boy"}`],
      goal: `Zélie's goal ${i}`,
    })),
    ...(w.xapi ? { xapi: { actor: XAPI_ACTOR, attachment: ESSAY.toString(), document: XAPI_NOTE } } : {}),
  };
}
