/**
 * The privacy audit (docs/privacy.md) on a live school: each check passes on the demo's data as it is,
 * and fails on a violation injected on purpose — a view without suppression, a view that releases
 * learner ids, a training snapshot holding a learner without TRAINING consent or an erased one, attempts
 * kept past the retention period, a memorising model. A version whose training learners were not
 * recorded cannot be audited, and that is never a pass. The `privacy-audit` job and runAudit store the
 * report, which renders as a page.
 */
import { seedDemo, type DemoSchool } from "../../src/services/demo/demo-seed.js";
import { AuditKind } from "../../src/persistence/model/audit-report.entity.js";
import { Role } from "../../src/services/auth/actor.js";
import { memorisingModel } from "../../src/engine/privacy/index.js";
import { loadModel } from "../../src/engine/registry.js";
import { PrivacyAuditor } from "../../src/services/audit/privacy-audit.service.js";
import { PrivacyCheckName, type PrivacyAudit } from "../../src/services/audit/privacy-audit.types.js";
import { partitionSchool, comparisonSet } from "../../src/services/training/comparison-set.js";
import { snapshotTrainingSet, versionTrainingSet } from "../../src/services/training/training-set.js";
import type { TrainingSet } from "../../src/engine/types.js";
import { startTestServer, type TestServer } from "../support/test-server.js";

const NOW = new Date("2026-11-01T12:00:00Z");
let s: TestServer;
let demo: DemoSchool;
let admin: string;
let v1: string;
let trained: TrainingSet;
let heldOut: TrainingSet;
beforeAll(async () => {
  s = await startTestServer();
  demo = await seedDemo(s.app.db.dataSource, s.app.services.deps.cipher, NOW, { learners: 200, seed: 4, idLabel: "privacy-audit" });
  v1 = (await s.app.services.training.trainAndPublish(demo.schoolId, { seed: 1, cutoff: NOW, kind: "pfa" })).id;
  admin = await s.token({ schoolId: demo.schoolId, role: Role.Admin });
  const m = s.app.db.dataSource.manager;
  trained = (await versionTrainingSet(m, demo.schoolId, v1, NOW))!;
  const { evaluation } = partitionSchool(demo.schoolId, await snapshotTrainingSet(m, demo.schoolId, NOW));
  heldOut = (await comparisonSet(m, demo.schoolId, evaluation, [v1])).set;
}, 180_000);
afterAll(async () => {
  await s?.stop();
});

const q = (sql: string, params: unknown[] = []) => s.app.db.dataSource.query(sql, params);
const check = (a: PrivacyAudit, name: PrivacyCheckName) => a.checks.find((c) => c.name === name)!;
const model = async () => {
  const [row] = await q(`SELECT weights FROM model_version WHERE id = $1`, [v1]);
  return loadModel(new Uint8Array(row.weights));
};
/** The audit of v1 with its in-memory snapshot (as a retraining's gate sees its candidate). */
const auditV1 = async (over: { auditor?: PrivacyAuditor; trained?: TrainingSet; model?: Awaited<ReturnType<typeof model>> } = {}) =>
  (over.auditor ?? new PrivacyAuditor(s.app.services.deps)).audit(demo.schoolId, {
    model: over.model ?? (await model()),
    kind: "pfa",
    trained: over.trained ?? trained,
    heldOut,
    atTraining: true,
  });

let reportId: string;
test("the privacy-audit job's audit of the active version: every data check passes on the demo, the attacks are scored, the report is stored", async () => {
  const out = (await s.app.services.audits.runAudit(AuditKind.Privacy, demo.schoolId, null))!;
  expect(out).toMatchObject({ modelVersionId: v1, version: 1 });
  reportId = out.reportId;
  const [row] = await q(`SELECT kind, passed, figures, checks, rendering FROM audit_report WHERE id = $1`, [reportId]);
  expect(row.kind).toBe("PRIVACY");
  const audit = row.figures as PrivacyAudit;
  expect(audit.subject).toMatchObject({
    snapshot: "STORED",
    trainingLearners: trained.sequences.size,
    heldOutLearners: heldOut.sequences.size,
  });
  for (const name of [
    PrivacyCheckName.Suppression,
    PrivacyCheckName.Catalogue,
    PrivacyCheckName.Retention,
    PrivacyCheckName.Erasure,
    PrivacyCheckName.Consent,
  ])
    expect(check(audit, name)).toMatchObject({ status: "PASS" });
  // Every analytics view was re-read; the school's released cells are all ≥ k.
  const views = audit.suppression.map((v) => v.view);
  for (const v of [
    "mastery_by_cohort_skill",
    "attempts_by_cohort_skill_day",
    "attempts_by_task",
    "goals_by_cohort",
    "personalisation_effect_by_cohort",
    "recommendations_by_strategy",
  ])
    expect(views).toContain(v);
  expect(check(audit, PrivacyCheckName.Suppression).figures.releasedCells).toBeGreaterThan(0);
  const membership = audit.membership!;
  expect(membership.members).toBe(trained.sequences.size);
  expect(membership.nonMembers).toBe(heldOut.sequences.size);
  for (const a of membership.attacks) {
    expect(a.result!.auc).toBeGreaterThanOrEqual(0);
    expect(a.result!.aucInterval[0]).toBeLessThanOrEqual(a.result!.auc);
    expect(a.result!.roc.length).toBeGreaterThan(2);
  }
  expect(row.passed).toBe(check(audit, PrivacyCheckName.Membership).status === "PASS");
  expect(row.rendering).toContain("# Privacy audit");
});

test("the report renders as a page for the school's admins", async () => {
  const res = await fetch(new URL(`/audit-reports/${reportId}`, s.url), { headers: { authorization: `Bearer ${admin}` } });
  expect(res.status).toBe(200);
  const page = await res.text();
  expect(page).toContain("Privacy audit");
  expect(page).toContain("mastery_by_cohort_skill");
  expect(page).toMatch(/<svg/);
});

test("runAudit(kind: PRIVACY) enqueues the privacy-audit job", async () => {
  const r = await s.gql(`mutation { runAudit(kind: PRIVACY) { id name status } }`, {}, admin);
  expect(r.errors).toBeUndefined();
  expect(r.data.runAudit.name).toBe("privacy-audit");
});

test("a view released without suppression fails SUPPRESSION; one that releases learner ids fails CATALOGUE", async () => {
  await q(
    `CREATE VIEW analytics.zz_cohort_sizes AS SELECT e.school_id, e.cohort_id, count(*)::int AS learners FROM enrollment e GROUP BY 1, 2
     UNION ALL SELECT $1::uuid, NULL::uuid, 3`.replace("$1", `'${demo.schoolId}'`),
  );
  await q(`CREATE VIEW analytics.zz_learners AS SELECT school_id, id AS learner_id FROM learner`);
  try {
    const a = await auditV1();
    const sup = check(a, PrivacyCheckName.Suppression);
    expect(sup.status).toBe("FAIL");
    const leaky = a.suppression.find((v) => v.view === "zz_cohort_sizes")!;
    expect(leaky.violations).toContainEqual(expect.objectContaining({ rule: "PRIMARY", column: "learners", value: 3 }));
    expect(a.suppression.find((v) => v.view === "zz_learners")!.note).toMatch(/no learner count column/);
    const cat = check(a, PrivacyCheckName.Catalogue);
    expect(cat.status).toBe("FAIL");
    expect(cat.reason).toContain("analytics.zz_learners.learner_id");
    expect(a.status).toBe("FAILED");
  } finally {
    await q(`DROP VIEW analytics.zz_cohort_sizes`);
    await q(`DROP VIEW analytics.zz_learners`);
  }
});

test("a training snapshot with a learner without TRAINING consent fails CONSENT", async () => {
  const learner = [...trained.sequences.keys()][0]!;
  await q(`UPDATE consent SET granted = false WHERE learner_id = $1 AND purpose = 'TRAINING'`, [learner]);
  try {
    const c = check(await auditV1(), PrivacyCheckName.Consent);
    expect(c).toMatchObject({ status: "FAIL", figures: { withoutTrainingConsent: 1 } });
    // A stored version's learner who withdrew since is stated, not a failure: the next retraining leaves it out.
    const stored = check(
      await s.app.services.audits.runAudit(AuditKind.Privacy, demo.schoolId, v1).then(() => latestAudit()),
      PrivacyCheckName.Consent,
    );
    expect(stored).toMatchObject({ status: "PASS", figures: { withoutTrainingConsent: 1 } });
  } finally {
    await q(`UPDATE consent SET granted = true WHERE learner_id = $1 AND purpose = 'TRAINING'`, [learner]);
  }
});

const latestAudit = async (): Promise<PrivacyAudit> =>
  (
    await q(`SELECT figures FROM audit_report WHERE school_id = $1 AND kind = 'PRIVACY' ORDER BY created_at DESC, id DESC LIMIT 1`, [
      demo.schoolId,
    ])
  )[0].figures;

test("attempts older than the retention period fail RETENTION", async () => {
  const days =
    Math.ceil(
      (NOW.getTime() -
        new Date((await q(`SELECT min(occurred_at) AS t FROM attempt WHERE school_id = $1`, [demo.schoolId]))[0].t).getTime()) /
        86_400_000,
    ) - 3;
  const auditor = new PrivacyAuditor(s.app.services.deps, { retentionDays: days });
  const a = await auditor.audit(demo.schoolId, { model: await model(), kind: "pfa", trained, heldOut, atTraining: true }, { now: NOW });
  const r = check(a, PrivacyCheckName.Retention);
  expect(r.status).toBe("FAIL");
  expect(r.figures.attemptsOlder).toBeGreaterThan(0);
});

test("an xAPI statement stored, or a document written, before the retention period fails RETENTION", async () => {
  const oldest = new Date((await q(`SELECT min(occurred_at) AS t FROM attempt WHERE school_id = $1`, [demo.schoolId]))[0].t);
  // A period every attempt is within.
  const days = Math.ceil((NOW.getTime() - oldest.getTime()) / 86_400_000) + 3;
  const auditor = new PrivacyAuditor(s.app.services.deps, { retentionDays: days });
  const retention = async () =>
    check(
      await auditor.audit(demo.schoolId, { model: await model(), kind: "pfa", trained, heldOut, atTraining: true }, { now: NOW }),
      PrivacyCheckName.Retention,
    );
  expect((await retention()).status).toBe("PASS");
  const issued = await s.app.services.xapiCredentials.issue(demo.schoolId, { label: "retention", scope: "ALL" }, "test");
  const client = (await s.app.services.xapiCredentials.authenticate(issued.credential.key, issued.secret))!;
  const agent = JSON.stringify({ mbox: "mailto:old@example.invalid" });
  const {
    ids: [id],
  } = await s.app.services.xapiStatements.store(
    client,
    {
      actor: { mbox: "mailto:old@example.invalid" },
      verb: { id: "http://adlnet.gov/expapi/verbs/experienced" },
      object: { id: "http://zpd.test/a" },
    },
    [],
  );
  const address = { kind: "state" as const, activityId: "http://zpd.test/a", agent, documentId: "notes" };
  await s.app.services.xapiDocuments.write(client, address, { content: Buffer.from("x"), contentType: "text/plain" }, false, {});
  // (A statement that names no learner has a null learner_id: the ERASURE check's walk of learner ids reads past it.)
  await q(`UPDATE xapi_statement SET stored = '2020-01-01' WHERE school_id = $1 AND id = $2`, [demo.schoolId, id]);
  await q(`UPDATE xapi_document SET updated = '2020-01-01' WHERE school_id = $1`, [demo.schoolId]);
  const r = await retention();
  expect(r).toMatchObject({ status: "FAIL", figures: { attemptsOlder: 0, xapiStatementsOlder: 1, xapiDocumentsOlder: 1 } });
  expect(r.reason).toMatch(/^1 xAPI statement, 1 xAPI document are older than/);
  await q(`DELETE FROM xapi_statement WHERE school_id = $1`, [demo.schoolId]);
  await q(`DELETE FROM xapi_document WHERE school_id = $1`, [demo.schoolId]);
  expect((await retention()).status).toBe("PASS");
});

test("a memorising model (one fitted offset per training learner) fails MEMBERSHIP", async () => {
  const base = await model();
  const a = await auditV1({ model: memorisingModel(base, trained) });
  const m = check(a, PrivacyCheckName.Membership);
  expect(m.status).toBe("FAIL");
});

test("an erased learner still in the training snapshot fails ERASURE; the data itself holds none", async () => {
  const learner = [...trained.sequences.keys()][1]!;
  const r = await s.gql(`mutation($l: UUID!) { eraseLearner(learnerId: $l) { id } }`, { l: learner }, admin);
  expect(r.errors).toBeUndefined();
  const e = check(await auditV1(), PrivacyCheckName.Erasure);
  expect(e).toMatchObject({ status: "FAIL", figures: { receipts: 1, verified: 1, stillInData: 0, inTrainingSnapshot: 1 } });
  // The stored version's snapshot no longer holds the learner: the erasure removed it from the registry too.
  const rebuilt = (await versionTrainingSet(s.app.db.dataSource.manager, demo.schoolId, v1, NOW))!;
  expect(check(await auditV1({ trained: rebuilt }), PrivacyCheckName.Erasure)).toMatchObject({
    status: "PASS",
    figures: { inTrainingSnapshot: 0 },
  });
  // The stored version itself was trained on the learner: its audit says so, until a retraining replaces it.
  await s.app.services.audits.runAudit(AuditKind.Privacy, demo.schoolId, v1);
  expect(check(await latestAudit(), PrivacyCheckName.Erasure)).toMatchObject({ status: "FAIL", figures: { erasedSinceTraining: 1 } });
});

test("a version whose training learners were not recorded cannot be audited, and that refuses it", async () => {
  await q(`DELETE FROM model_version_learner WHERE model_version_id = $1`, [v1]);
  const out = (await s.app.services.audits.runAudit(AuditKind.Privacy, demo.schoolId, v1))!;
  expect(out.passed).toBe(false);
  const audit = await latestAudit();
  expect(audit.subject.snapshot).toBe("MISSING");
  expect(check(audit, PrivacyCheckName.Membership)).toMatchObject({ status: "NOT_AUDITABLE" });
  expect(check(audit, PrivacyCheckName.Membership).soft).toBeUndefined();
  expect(audit.status).not.toBe("PASSED");
});
