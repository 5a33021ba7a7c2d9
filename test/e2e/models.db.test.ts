/** Model versions and audit reports over real HTTP: listed with their figures, annotated, scoped by role. */
import { Role } from "../../src/services/auth/actor.js";
import { ModelStatus, ModelVersion } from "../../src/persistence/model/model-version.entity.js";
import { AuditKind, AuditReport } from "../../src/persistence/model/audit-report.entity.js";
import { codeOf, startTestServer, TestServer } from "../support/test-server.js";
import { UNKNOWN_ID } from "../support/learner-world.js";

let s: TestServer;
beforeAll(async () => {
  s = await startTestServer();
}, 60_000);
afterAll(async () => {
  await s?.stop();
});

const MV_FIELDS = `id version kind status hasWeights trainedFrom trainedTo metrics notes activatedAt`;
const VERSIONS = `query($first: Int, $after: String, $status: ModelStatus) { modelVersions(first: $first, after: $after, status: $status) { nodes { ${MV_FIELDS} } pageInfo { hasNextPage endCursor } } }`;
const VERSION = `query($id: UUID!) { modelVersion(id: $id) { ${MV_FIELDS} auditReports { nodes { kind passed } } } }`;
const ACTIVE = `{ activeModel { id version status } }`;
const AUDITS = `query($mv: UUID!, $first: Int, $after: String) { auditReports(modelVersionId: $mv, first: $first, after: $after) { nodes { id modelVersionId kind passed checks figures rendering } pageInfo { hasNextPage endCursor } } }`;
const AUDIT = `query($id: UUID!) { auditReport(id: $id) { id kind passed figures modelVersion { id version } } }`;
const UPDATE = `mutation($id: UUID!, $input: UpdateModelVersionInput!) { updateModelVersion(id: $id, input: $input) { id notes } }`;

interface ModelWorld {
  schoolId: string;
  tokens: Record<"admin" | "analyst" | "service" | "teacher" | "learner", string>;
  v1: string;
  v2: string;
  v3: string;
  privacy: string;
  fairness: string;
}

async function modelWorld(name: string): Promise<ModelWorld> {
  const { schoolId, admin } = await s.newSchool(name);
  const learnerId = (await s.gql(`mutation { createLearner(input: {}) { id } }`, {}, admin)).data!.createLearner.id;
  const teacherId = (await s.gql(`mutation { createTeacher(input: { displayName: "T" }) { id } }`, {}, admin)).data!.createTeacher.id;
  const ds = s.app.db.dataSource;
  const versions = ds.getRepository(ModelVersion);
  const v1 = await versions.save(
    versions.create({
      schoolId,
      version: 1,
      kind: "bkt",
      status: ModelStatus.Retired,
      weights: Buffer.from([1, 2, 3, 4]),
      trainedFrom: new Date("2026-09-01T00:00:00Z"),
      trainedTo: new Date("2026-10-01T00:00:00Z"),
      metrics: { auc: 0.72, rmse: 0.41 },
    }),
  );
  const v2 = await versions.save(
    versions.create({
      schoolId,
      version: 2,
      kind: "meta",
      status: ModelStatus.Active,
      weights: Buffer.from("weights-of-v2"),
      metrics: { auc: 0.78, byGroup: { a: 0.77, b: 0.79 } },
      activatedAt: new Date("2026-11-01T00:00:00Z"),
    }),
  );
  const v3 = await versions.save(
    versions.create({ schoolId, version: 3, kind: "meta", status: ModelStatus.Candidate, weights: null, metrics: {} }),
  );
  const audits = ds.getRepository(AuditReport);
  const privacy = await audits.save(
    audits.create({
      schoolId,
      modelVersionId: v2.id,
      kind: AuditKind.Privacy,
      passed: true,
      checks: [{ name: "membership-inference-auc", passed: true, value: 0.51, threshold: 0.6 }],
      figures: { attackAuc: 0.51 },
      rendering: "# Privacy\nok",
    }),
  );
  const fairness = await audits.save(
    audits.create({
      schoolId,
      modelVersionId: v2.id,
      kind: AuditKind.Fairness,
      passed: false,
      checks: [{ name: "abroca", passed: false, value: 0.09, threshold: 0.05 }],
      figures: { abroca: 0.09, groups: { a: { auc: 0.8 }, b: { auc: 0.71 } } },
      rendering: "# Fairness",
    }),
  );
  return {
    schoolId,
    v1: v1.id,
    v2: v2.id,
    v3: v3.id,
    privacy: privacy.id,
    fairness: fairness.id,
    tokens: {
      admin,
      analyst: await s.token({ schoolId, role: Role.Analyst }),
      service: await s.token({ schoolId, role: Role.Service }),
      teacher: await s.token({ schoolId, role: Role.Teacher, teacherId }),
      learner: await s.token({ schoolId, role: Role.Learner, learnerId }),
    },
  };
}

let w: ModelWorld;
beforeAll(async () => {
  w = await modelWorld("Models");
}, 60_000);

describe("reading model versions and audits", () => {
  test.each(["admin", "analyst", "service"] as const)(
    "%s lists versions with metrics, the active one, and their audits with figures",
    async (role) => {
      const t = w.tokens[role];
      const list = await s.gql(VERSIONS, { first: 10 }, t);
      expect(list.errors).toBeUndefined();
      expect(list.data!.modelVersions.nodes).toEqual([
        {
          id: w.v1,
          version: 1,
          kind: "bkt",
          status: "RETIRED",
          hasWeights: true,
          trainedFrom: "2026-09-01T00:00:00.000Z",
          trainedTo: "2026-10-01T00:00:00.000Z",
          metrics: { auc: 0.72, rmse: 0.41 },
          notes: "",
          activatedAt: null,
        },
        {
          id: w.v2,
          version: 2,
          kind: "meta",
          status: "ACTIVE",
          hasWeights: true,
          trainedFrom: null,
          trainedTo: null,
          metrics: { auc: 0.78, byGroup: { a: 0.77, b: 0.79 } },
          notes: "",
          activatedAt: "2026-11-01T00:00:00.000Z",
        },
        {
          id: w.v3,
          version: 3,
          kind: "meta",
          status: "CANDIDATE",
          hasWeights: false,
          trainedFrom: null,
          trainedTo: null,
          metrics: {},
          notes: "",
          activatedAt: null,
        },
      ]);
      expect((await s.gql(ACTIVE, {}, t)).data!.activeModel).toEqual({ id: w.v2, version: 2, status: "ACTIVE" });
      const one = await s.gql(VERSION, { id: w.v2 }, t);
      expect(one.data!.modelVersion.auditReports.nodes).toEqual([
        { kind: "PRIVACY", passed: true },
        { kind: "FAIRNESS", passed: false },
      ]);
      const audits = await s.gql(AUDITS, { mv: w.v2 }, t);
      expect(audits.data!.auditReports.nodes).toEqual([
        {
          id: w.privacy,
          modelVersionId: w.v2,
          kind: "PRIVACY",
          passed: true,
          checks: [{ name: "membership-inference-auc", passed: true, value: 0.51, threshold: 0.6 }],
          figures: { attackAuc: 0.51 },
          rendering: "# Privacy\nok",
        },
        {
          id: w.fairness,
          modelVersionId: w.v2,
          kind: "FAIRNESS",
          passed: false,
          checks: [{ name: "abroca", passed: false, value: 0.09, threshold: 0.05 }],
          figures: { abroca: 0.09, groups: { a: { auc: 0.8 }, b: { auc: 0.71 } } },
          rendering: "# Fairness",
        },
      ]);
      expect((await s.gql(AUDIT, { id: w.fairness }, t)).data!.auditReport).toEqual({
        id: w.fairness,
        kind: "FAIRNESS",
        passed: false,
        figures: { abroca: 0.09, groups: { a: { auc: 0.8 }, b: { auc: 0.71 } } },
        modelVersion: { id: w.v2, version: 2 },
      });
      expect((await s.gql(AUDITS, { mv: w.v3 }, t)).data!.auditReports.nodes).toEqual([]);
    },
  );

  test("versions filter by status and page with cursors", async () => {
    const cand = await s.gql(VERSIONS, { status: "CANDIDATE" }, w.tokens.analyst);
    expect(cand.data!.modelVersions.nodes.map((n: { version: number }) => n.version)).toEqual([3]);
    const p1 = await s.gql(VERSIONS, { first: 2 }, w.tokens.admin);
    expect(p1.data!.modelVersions.nodes.map((n: { version: number }) => n.version)).toEqual([1, 2]);
    expect(p1.data!.modelVersions.pageInfo.hasNextPage).toBe(true);
    const p2 = await s.gql(VERSIONS, { first: 2, after: p1.data!.modelVersions.pageInfo.endCursor }, w.tokens.admin);
    expect(p2.data!.modelVersions.nodes.map((n: { version: number }) => n.version)).toEqual([3]);
    expect(p2.data!.modelVersions.pageInfo.hasNextPage).toBe(false);
    const a1 = await s.gql(AUDITS, { mv: w.v2, first: 1 }, w.tokens.admin);
    expect(a1.data!.auditReports.nodes.map((n: { kind: string }) => n.kind)).toEqual(["PRIVACY"]);
    const a2 = await s.gql(AUDITS, { mv: w.v2, first: 1, after: a1.data!.auditReports.pageInfo.endCursor }, w.tokens.admin);
    expect(a2.data!.auditReports.nodes.map((n: { kind: string }) => n.kind)).toEqual(["FAIRNESS"]);
  });

  test("the weights are never exposed, only whether they exist", async () => {
    const r = await s.gql(`{ __type(name: "ModelVersion") { fields { name } } }`, {}, w.tokens.admin);
    const fields = r.data!.__type.fields.map((f: { name: string }) => f.name);
    expect(fields).toContain("hasWeights");
    expect(fields.filter((f: string) => /weights/i.test(f))).toEqual(["hasWeights"]);
  });
});

describe("who may read and annotate", () => {
  test.each(["teacher", "learner"] as const)("a %s is FORBIDDEN everywhere", async (role) => {
    const t = w.tokens[role];
    expect(codeOf(await s.gql(VERSIONS, {}, t))).toBe("FORBIDDEN");
    expect(codeOf(await s.gql(VERSION, { id: w.v2 }, t))).toBe("FORBIDDEN");
    expect(codeOf(await s.gql(ACTIVE, {}, t))).toBe("FORBIDDEN");
    expect(codeOf(await s.gql(AUDITS, { mv: w.v2 }, t))).toBe("FORBIDDEN");
    expect(codeOf(await s.gql(AUDIT, { id: w.privacy }, t))).toBe("FORBIDDEN");
    expect(codeOf(await s.gql(UPDATE, { id: w.v2, input: { notes: "x" } }, t))).toBe("FORBIDDEN");
  });

  test("an admin annotates a version; an analyst and a service may not", async () => {
    const world = await modelWorld("Annotations");
    expect(codeOf(await s.gql(UPDATE, { id: world.v3, input: { notes: "by analyst" } }, world.tokens.analyst))).toBe("FORBIDDEN");
    expect(codeOf(await s.gql(UPDATE, { id: world.v3, input: { notes: "by service" } }, world.tokens.service))).toBe("FORBIDDEN");
    expect((await s.gql(VERSION, { id: world.v3 }, world.tokens.admin)).data!.modelVersion.notes).toBe("");
    const r = await s.gql(UPDATE, { id: world.v3, input: { notes: "held back: calibration drift" } }, world.tokens.admin);
    expect(r.data!.updateModelVersion).toEqual({ id: world.v3, notes: "held back: calibration drift" });
    expect((await s.gql(VERSION, { id: world.v3 }, world.tokens.analyst)).data!.modelVersion).toMatchObject({
      notes: "held back: calibration drift",
      status: "CANDIDATE",
      hasWeights: false,
    });
    // Weights survive an update untouched.
    await s.gql(UPDATE, { id: world.v1, input: { notes: "old" } }, world.tokens.admin);
    const rows = await s.app.db.dataSource.query(`SELECT weights FROM model_version WHERE id = $1`, [world.v1]);
    expect(Buffer.from(rows[0].weights)).toEqual(Buffer.from([1, 2, 3, 4]));
  });

  test("no token reads or annotates another school's versions and audits", async () => {
    const other = await s.newSchool("No models");
    const analyst = await s.token({ schoolId: other.schoolId, role: Role.Analyst });
    for (const t of [other.admin, analyst]) {
      expect(codeOf(await s.gql(VERSION, { id: w.v2 }, t))).toBe("NOT_FOUND");
      expect(codeOf(await s.gql(AUDITS, { mv: w.v2 }, t))).toBe("NOT_FOUND");
      expect(codeOf(await s.gql(AUDIT, { id: w.privacy }, t))).toBe("NOT_FOUND");
      expect((await s.gql(VERSIONS, {}, t)).data!.modelVersions.nodes).toEqual([]);
      expect((await s.gql(ACTIVE, {}, t)).data!.activeModel).toBeNull();
    }
    expect(codeOf(await s.gql(UPDATE, { id: w.v2, input: { notes: "hijack" } }, other.admin))).toBe("NOT_FOUND");
    expect((await s.gql(VERSION, { id: w.v2 }, w.tokens.admin)).data!.modelVersion.notes).toBe("");
  });
});

describe("bad input", () => {
  test("malformed and unknown ids, unknown statuses, oversized pages and notes get coded errors", async () => {
    const t = w.tokens.admin;
    expect(codeOf(await s.gql(VERSION, { id: "nope" }, t))).toBe("BAD_USER_INPUT");
    expect(codeOf(await s.gql(VERSION, { id: UNKNOWN_ID }, t))).toBe("NOT_FOUND");
    expect(codeOf(await s.gql(AUDIT, { id: UNKNOWN_ID }, t))).toBe("NOT_FOUND");
    expect(codeOf(await s.gql(AUDITS, { mv: UNKNOWN_ID }, t))).toBe("NOT_FOUND");
    expect(codeOf(await s.gql(VERSIONS, { status: "LIVE" }, t))).toBe("BAD_USER_INPUT");
    expect(codeOf(await s.gql(VERSIONS, { first: 100000 }, t))).toBe("BAD_USER_INPUT");
    expect(codeOf(await s.gql(AUDITS, { mv: w.v2, first: 100000 }, t))).toBe("BAD_USER_INPUT");
    expect(codeOf(await s.gql(VERSIONS, { after: "garbage" }, t))).toBe("BAD_USER_INPUT");
    expect(codeOf(await s.gql(UPDATE, { id: w.v1, input: { notes: "n".repeat(10_001) } }, t))).toBe("BAD_USER_INPUT");
    expect(codeOf(await s.gql(UPDATE, { id: UNKNOWN_ID, input: { notes: "x" } }, t))).toBe("NOT_FOUND");
    expect((await s.gql(VERSION, { id: w.v1 }, t)).data!.modelVersion.notes).toBe("");
  });
});
