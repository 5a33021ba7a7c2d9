/**
 * A delta package on top of a generated bulk one (generate.ts), as a SIS sends between bulk exports:
 * users.csv and enrollments.csv declared `delta`, every row with its `status` and `dateLastModified`:
 *
 * - `changed` of the users (students and teachers) with a new family name and e-mail (`active`);
 * - `deleted` of the students leaving: their user row and each of their enrollments `tobedeleted`;
 * - `arrived` new students, each enrolled in CLASSES_PER_STUDENT classes imported before (references the
 *   import resolves against its earlier links: classes.csv is absent).
 */
import { createRng } from "../../src/engine/math.js";
import {
  CLASSES_PER_STUDENT,
  type EnrollmentRecord,
  enrollmentsCsv,
  type GeneratedRoster,
  guid,
  type UserRecord,
  usersCsv,
  withManifest,
} from "./generate.js";

export interface DeltaShape {
  /** Share of the students and teachers whose names change. */
  readonly changed: number;
  /** Share of the students marked tobedeleted. */
  readonly deleted: number;
  /** Share (of the bulk's students) of new students. */
  readonly arrived: number;
  readonly seed: number;
}

/** What the delta's import must report and leave behind. */
export interface DeltaExpectation {
  readonly learnersUpdated: number;
  readonly teachersUpdated: number;
  readonly learnersCreated: number;
  /** Memberships the departures remove (their enrollments). */
  readonly membershipsDeleted: number;
  readonly membershipsCreated: number;
  readonly rows: number;
}

export interface GeneratedDelta {
  readonly files: Map<string, Uint8Array>;
  readonly expect: DeltaExpectation;
  /** A changed student, to read back: its sourcedId and school, and the display name it must now have. */
  readonly sample: { readonly sourcedId: string; readonly school: string; readonly displayName: string } | null;
}

export function generateDelta(bulk: GeneratedRoster, shape: DeltaShape): GeneratedDelta {
  const rng = createRng(shape.seed);
  const people = bulk.users.filter((u) => u.role !== "administrator");
  const students = people.filter((u) => u.role === "student");
  const shuffled = rng.shuffle(people);
  const changed = shuffled.slice(0, Math.round(shape.changed * people.length));
  const changedIds = new Set(changed.map((u) => u.sourcedId));
  const leaving = rng.shuffle(students.filter((u) => !changedIds.has(u.sourcedId))).slice(0, Math.round(shape.deleted * students.length));
  const leavingIds = new Set(leaving.map((u) => u.sourcedId));
  const renamed: UserRecord[] = changed.map((u) => ({
    ...u,
    familyName: `${u.familyName}-Okoro`,
    email: `${u.username}.okoro@riverside.example.org`,
  }));
  const schools = [...bulk.classesBySchool.keys()];
  const arrived: UserRecord[] = Array.from({ length: Math.round(shape.arrived * students.length) }, (_, i) => {
    const username = `n${String(i).padStart(6, "0")}`;
    return {
      sourcedId: guid(rng),
      role: "student",
      school: schools[i % schools.length]!,
      givenName: "Zoë",
      familyName: "Newcomer, Jr.",
      email: `${username}@riverside.example.org`,
      username,
      grade: "07",
    };
  });
  const newEnrollments: EnrollmentRecord[] = arrived.flatMap((u) => {
    const classes = rng.shuffle(bulk.classesBySchool.get(u.school)!).slice(0, CLASSES_PER_STUDENT);
    return classes.map((c) => ({
      sourcedId: guid(rng),
      classSourcedId: c,
      schoolSourcedId: u.school,
      userSourcedId: u.sourcedId,
      role: "student" as const,
      primary: false,
    }));
  });
  const leavingEnrollments = bulk.enrollments.filter((e) => leavingIds.has(e.userSourcedId));
  const users = usersCsv([...renamed, ...leaving, ...arrived], (u) => (leavingIds.has(u.sourcedId) ? "tobedeleted" : "active"));
  const enrollments = enrollmentsCsv([...leavingEnrollments, ...newEnrollments], (e) =>
    leavingIds.has(e.userSourcedId) ? "tobedeleted" : "active",
  );
  const sampled = renamed.find((u) => u.role === "student");
  return {
    files: withManifest({ "users.csv": users, "enrollments.csv": enrollments }, "delta"),
    expect: {
      learnersUpdated: renamed.filter((u) => u.role === "student").length,
      teachersUpdated: renamed.filter((u) => u.role === "teacher").length,
      learnersCreated: arrived.length,
      membershipsDeleted: leavingEnrollments.length,
      membershipsCreated: newEnrollments.length,
      rows: users.rows + enrollments.rows,
    },
    sample: sampled
      ? { sourcedId: sampled.sourcedId, school: sampled.school, displayName: `${sampled.givenName} ${sampled.familyName}` }
      : null,
  };
}
