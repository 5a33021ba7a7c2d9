/**
 * A small school with a value in every encrypted column (persistence/crypto/encrypted-columns.ts),
 * written and read back through the services: the key tests compare what the services read before and
 * after an upgrade or a rotation.
 */
import type { DataSource } from "typeorm";
import { createServices, type Services } from "../../src/services/index.js";
import type { FieldCipher } from "../../src/persistence/crypto/field-cipher.js";
import { type Actor, Role } from "../../src/services/auth/actor.js";
import { createLogger } from "../../src/shared/logger.js";

export interface PersonalWorld {
  readonly actor: Actor;
  readonly learnerIds: string[];
  readonly goalIds: string[];
  readonly teacherId: string;
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
  return { actor, learnerIds, goalIds, teacherId };
}

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
  return { teacher: (await services.schools.teacher(w.actor, w.teacherId)).displayName, learners };
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
  };
}
