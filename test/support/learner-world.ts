/**
 * A school for the learner-level e2e tests: two cohorts (Maple taught by a teacher, Oak not), a
 * learner in each, three skills and four tasks (inserted as rows, so that these tests do not depend
 * on the curriculum API), and a token for every role.
 */
import { Role } from "../../src/services/auth/actor.js";
import { Skill } from "../../src/persistence/curriculum/skill.entity.js";
import { Task, TaskKind } from "../../src/persistence/curriculum/task.entity.js";
import type { TestServer } from "./test-server.js";

export interface LearnerWorld {
  schoolId: string;
  admin: string;
  service: string;
  analyst: string;
  teacher: string;
  /** A learner in Maple (taught by `teacher`) and its token. */
  inMaple: string;
  learnerMaple: string;
  /** A learner in Oak (not taught by `teacher`) and its token. */
  inOak: string;
  learnerOak: string;
  /** Skills by code: A.1, A.2, B.1. */
  skills: Record<string, string>;
  /** Tasks by code: T1…T4. */
  tasks: Record<string, string>;
  /** The cohorts' ids, and the id of the teacher of Maple (the one `teacher` names). */
  cohorts: { maple: string; oak: string };
  teacherId: string;
}

export async function learnerWorld(s: TestServer, name = "Learner World"): Promise<LearnerWorld> {
  const { schoolId, admin } = await s.newSchool(name);
  const gql = async (q: string, v: Record<string, unknown>) => {
    const r = await s.gql(q, v, admin);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data;
  };
  const maple = (await gql(`mutation($n: String!) { createCohort(input: { name: $n }) { id } }`, { n: "Maple" })).createCohort.id;
  const oak = (await gql(`mutation($n: String!) { createCohort(input: { name: $n }) { id } }`, { n: "Oak" })).createCohort.id;
  const teacherId = (await gql(`mutation($n: String!) { createTeacher(input: { displayName: $n }) { id } }`, { n: "T. Maple" }))
    .createTeacher.id;
  await gql(`mutation($c: UUID!, $t: UUID!) { assignTeacher(cohortId: $c, teacherId: $t) { id } }`, { c: maple, t: teacherId });
  const createLearner = `mutation($input: CreateLearnerInput!) { createLearner(input: $input) { id } }`;
  const inMaple = (await gql(createLearner, { input: { externalRef: "maple-1", cohortIds: [maple] } })).createLearner.id;
  const inOak = (await gql(createLearner, { input: { externalRef: "oak-1", cohortIds: [oak] } })).createLearner.id;

  const ds = s.app.db.dataSource;
  const skills: Record<string, string> = {};
  // Inserted out of code order, so that "in code order" is a real assertion.
  for (const code of ["B.1", "A.2", "A.1"]) {
    const row = await ds
      .getRepository(Skill)
      .save(ds.getRepository(Skill).create({ schoolId, code, name: `Skill ${code}`, description: "" }));
    skills[code] = row.id;
  }
  const tasks: Record<string, string> = {};
  for (const code of ["T1", "T2", "T3", "T4"]) {
    const row = await ds.getRepository(Task).save(
      ds.getRepository(Task).create({
        schoolId,
        code,
        title: `Task ${code}`,
        kind: TaskKind.Exercise,
        topics: [],
        expectedDurationSeconds: 60,
        difficulty: null,
      }),
    );
    tasks[code] = row.id;
  }
  return {
    schoolId,
    admin,
    inMaple,
    inOak,
    skills,
    tasks,
    cohorts: { maple, oak },
    teacherId,
    service: await s.token({ schoolId, role: Role.Service }),
    analyst: await s.token({ schoolId, role: Role.Analyst }),
    teacher: await s.token({ schoolId, role: Role.Teacher, teacherId }),
    learnerMaple: await s.token({ schoolId, role: Role.Learner, learnerId: inMaple }),
    learnerOak: await s.token({ schoolId, role: Role.Learner, learnerId: inOak }),
  };
}

/** Row count of a table, optionally for one school. */
export async function countRows(s: TestServer, table: string, schoolId?: string): Promise<number> {
  const rows = schoolId
    ? await s.app.db.dataSource.query(`SELECT count(*)::int AS n FROM "${table}" WHERE school_id = $1`, [schoolId])
    : await s.app.db.dataSource.query(`SELECT count(*)::int AS n FROM "${table}"`);
  return Number(rows[0].n);
}

export const UNKNOWN_ID = "00000000-0000-7000-8000-000000000000";
