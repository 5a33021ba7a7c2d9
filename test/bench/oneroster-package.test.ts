/**
 * bench:oneroster's package generator (bench/oneroster/): it writes what OneRoster 1.1 says — the
 * manifest declares exactly the files present, every enrollment names a user and a class of the package
 * in the class's school — and the importer's own checker (planRoster) accepts the bulk package and its
 * delta. The counts it promises are recounted from the files, not restated.
 */
import { parse } from "csv-parse/sync";
import { generateDelta } from "../../bench/oneroster/delta.js";
import { CLASSES_PER_STUDENT, generateRoster } from "../../bench/oneroster/generate.js";
import { planRoster } from "../../src/services/roster/roster-plan.js";

const rowsOf = (files: Map<string, Uint8Array>, name: string): Record<string, string>[] =>
  parse(Buffer.from(files.get(name)!), { bom: true, columns: true, skip_empty_lines: true }) as Record<string, string>[];

const shape = { learners: 400, schools: 2, seed: 3, demographics: true }; // 8 classes a school: more than a student takes
const bulk = generateRoster(shape);

test("the manifest declares bulk exactly the data files the package holds, and absent the rest", () => {
  const manifest = new Map(rowsOf(bulk.files, "manifest.csv").map((r) => [r.propertyName!, r.value!]));
  expect(manifest.get("manifest.version")).toBe("1.0");
  expect(manifest.get("oneroster.version")).toBe("1.1");
  const declared = [...manifest].filter(([k, v]) => k.startsWith("file.") && v !== "absent").map(([k]) => `${k.slice(5)}.csv`);
  const present = [...bulk.files.keys()].filter((n) => n !== "manifest.csv");
  expect(declared.sort()).toEqual(present.sort());
  expect([...manifest].filter(([k]) => k.startsWith("file.")).every(([, v]) => v === "bulk" || v === "absent")).toBe(true);
});

test("every enrollment names a user and a class of the package, in the class's school; sourcedIds are unique", () => {
  const users = new Map(rowsOf(bulk.files, "users.csv").map((u) => [u.sourcedId!, u]));
  const classes = new Map(rowsOf(bulk.files, "classes.csv").map((c) => [c.sourcedId!, c]));
  const enrollments = rowsOf(bulk.files, "enrollments.csv");
  expect(enrollments.length).toBeGreaterThan(0);
  for (const e of enrollments) {
    const user = users.get(e.userSourcedId!);
    const cls = classes.get(e.classSourcedId!);
    expect(user?.role).toBe(e.role);
    expect(cls?.schoolSourcedId).toBe(e.schoolSourcedId);
    expect(user?.orgSourcedIds).toBe(e.schoolSourcedId);
  }
  for (const file of ["users.csv", "classes.csv", "enrollments.csv", "orgs.csv", "courses.csv"]) {
    const ids = rowsOf(bulk.files, file).map((r) => r.sourcedId);
    expect(new Set(ids).size).toBe(ids.length);
  }
});

test("the counts it promises are the files' own", () => {
  const users = rowsOf(bulk.files, "users.csv");
  const enrollments = rowsOf(bulk.files, "enrollments.csv");
  const students = users.filter((u) => u.role === "student");
  expect(students).toHaveLength(shape.learners);
  expect(bulk.expect.learners).toBe(students.length);
  expect(bulk.expect.teachers).toBe(users.filter((u) => u.role === "teacher").length);
  expect(bulk.expect.cohorts).toBe(rowsOf(bulk.files, "classes.csv").length);
  expect(bulk.expect.studentEnrollments).toBe(enrollments.filter((e) => e.role === "student").length);
  expect(bulk.expect.teacherEnrollments).toBe(enrollments.filter((e) => e.role === "teacher").length);
  // Each student in CLASSES_PER_STUDENT distinct classes (its school has more than that).
  const classesOf = new Map<string, Set<string>>();
  for (const e of enrollments.filter((e) => e.role === "student"))
    classesOf.set(e.userSourcedId!, (classesOf.get(e.userSourcedId!) ?? new Set()).add(e.classSourcedId!));
  expect([...classesOf.values()].every((c) => c.size === CLASSES_PER_STUDENT)).toBe(true);
  expect(classesOf.size).toBe(shape.learners);
  const dataRows = [...bulk.files.keys()].filter((n) => n !== "manifest.csv").reduce((n, f) => n + rowsOf(bulk.files, f).length, 0);
  expect(bulk.expect.rows).toBe(dataRows);
});

test("it writes what real exports do: a BOM, CRLF line ends and quoted fields in some files", () => {
  const text = (name: string) => Buffer.from(bulk.files.get(name)!).toString("utf8");
  expect(text("users.csv").startsWith("\uFEFF")).toBe(true);
  expect(text("users.csv")).toContain("\r\n");
  expect(text("courses.csv")).not.toContain("\r\n");
  expect(text("classes.csv")).toMatch(/^[^,\n]+,,,"[^"]+, set \d+",/m);
});

test("the same seed gives the same bytes; another seed does not", () => {
  const again = generateRoster(shape);
  expect([...again.files].map(([n, b]) => [n, Buffer.from(b).toString("hex")])).toEqual(
    [...bulk.files].map(([n, b]) => [n, Buffer.from(b).toString("hex")]),
  );
  expect(Buffer.from(generateRoster({ ...shape, seed: 4 }).files.get("users.csv")!).equals(Buffer.from(bulk.files.get("users.csv")!))).toBe(
    false,
  );
});

test("the importer's checker accepts the bulk package and its delta; the delta's departures take their enrollments", () => {
  const plan = planRoster(bulk.files, { demographics: true });
  expect(plan.users.filter((u) => u.role === "student")).toHaveLength(shape.learners);
  expect(plan.demographics).toHaveLength(shape.learners);
  expect(plan.outside).toEqual([]);
  const delta = generateDelta(bulk, { changed: 0.05, deleted: 0.05, arrived: 0.05, seed: 9 });
  const dplan = planRoster(delta.files);
  expect(dplan.modes).toMatchObject({ users: "delta", enrollments: "delta", classes: "absent", orgs: "absent" });
  const leaving = new Set(dplan.users.filter((u) => u.status === "tobedeleted").map((u) => u.sourcedId));
  expect(leaving.size).toBe(Math.round(0.05 * shape.learners));
  const deleted = dplan.enrollments.filter((e) => e.status === "tobedeleted");
  expect(deleted.every((e) => leaving.has(e.userSourcedId))).toBe(true);
  expect(deleted).toHaveLength(delta.expect.membershipsDeleted);
  expect(deleted.length).toBe(bulk.enrollments.filter((e) => leaving.has(e.userSourcedId)).length);
  // The new students' enrollments name classes of the bulk package (resolved against the earlier import).
  const bulkClasses = new Set(bulk.enrollments.map((e) => e.classSourcedId));
  const added = dplan.enrollments.filter((e) => e.status === "active");
  expect(added).toHaveLength(delta.expect.membershipsCreated);
  expect(added.every((e) => bulkClasses.has(e.classSourcedId))).toBe(true);
});
