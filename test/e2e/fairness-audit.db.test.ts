/**
 * The fairness audit in the product: the weekly/on-demand audit of the active model, stored as an
 * AuditReport and served as a self-contained page to admins only; the fairness gate of every
 * retraining, which refuses a candidate that predicts one group worse (a model with a bias injected on
 * purpose) and says why; and the protected attributes, which change no prediction and no training set.
 */
import { seedDemo, type DemoSchool } from "../../src/services/demo/demo-seed.js";
import { AuditKind } from "../../src/persistence/model/audit-report.entity.js";
import { ATTRIBUTE_VALUE, attributeKey, contextOf } from "../../src/persistence/crypto/encrypted-columns.js";
import { Role } from "../../src/services/auth/actor.js";
import { trainers } from "../../src/engine/registry.js";
import type { KnowledgeModel, LearnerState, ModelTrainer, Trace } from "../../src/engine/types.js";
import { logit, sigmoid } from "../../src/engine/math.js";
import { MetricGate } from "../../src/services/training/gates.js";
import { RetrainService } from "../../src/services/training/retrain.service.js";
import { FairnessAuditor } from "../../src/services/audit/fairness-audit.service.js";
import { FairnessGate } from "../../src/services/audit/fairness.gate.js";
import { CurriculumCache } from "../../src/services/personalisation/curriculum-cache.js";
import { snapshotTrainingSet } from "../../src/services/training/training-set.js";
import { ModelStatus } from "../../src/persistence/model/model-version.entity.js";
import { createLogger } from "../../src/shared/logger.js";
import { JOBS } from "../../jobs/index.js";
import { Worker } from "../../jobs/worker.js";
import { docOperations } from "../support/doc-operations.js";
import { codeOf, startTestServer, type TestServer } from "../support/test-server.js";

const NOW = new Date("2026-11-01T12:00:00Z");
const MIN_GROUP = "10";
let s: TestServer;
let demo: DemoSchool;
let admin: string;
let v1: string;
beforeAll(async () => {
  s = await startTestServer({ ZPD_FAIRNESS_MIN_GROUP_SIZE: MIN_GROUP, ZPD_JOB_RETRY_DELAY_SECONDS: "1" });
  demo = await seedDemo(s.app.db.dataSource, s.app.services.deps.cipher, NOW, { learners: 200, seed: 3, idLabel: "fairness-audit" });
  v1 = (await s.app.services.training.trainAndPublish(demo.schoolId, { seed: 1, cutoff: NOW, kind: "pfa" })).id;
  admin = await s.token({ schoolId: demo.schoolId, role: Role.Admin });
}, 180_000);
afterAll(async () => {
  await s?.stop();
});

const q = (sql: string, params: unknown[] = []) => s.app.db.dataSource.query(sql, params);
// The values are encrypted, each bound to its learner and name (persistence/crypto/encrypted-columns.ts).
const groupOf = async (): Promise<Map<string, string>> =>
  new Map(
    (await q(`SELECT learner_id, value_enc FROM learner_attribute WHERE school_id = $1 AND name = 'group'`, [demo.schoolId])).map(
      (r: { learner_id: string; value_enc: Buffer }) => [
        r.learner_id,
        s.app.services.deps.cipher.decrypt(r.value_enc, contextOf(ATTRIBUTE_VALUE, attributeKey(r.learner_id, "group"))),
      ],
    ),
  );

let reportId: string;
test("an audit of the active model groups its held-out learners by the protected attribute, stores every check, and an unbiased model passes", async () => {
  const out = (await s.app.services.audits.runAudit(AuditKind.Fairness, demo.schoolId, null))!;
  expect(out).toMatchObject({ modelVersionId: v1, version: 1 });
  reportId = out.reportId;
  const [row] = await q(`SELECT kind, passed, figures FROM audit_report WHERE id = $1`, [reportId]);
  expect(row.kind).toBe("FAIRNESS");
  const audit = row.figures;
  // The held-out learners are the evaluation learners v1 was not trained on, grouped by what the admins recorded.
  expect(audit.learners).toBe(audit.evaluation.learners);
  const group = audit.attributes.find((a: { name: string }) => a.name === "group");
  expect(group.status).toBe("AUDITED");
  expect(group.groups.reduce((n: number, g: { learners: number }) => n + g.learners, 0)).toBe(audit.learners);
  const metrics = new Set(audit.checks.map((c: { metric: string }) => c.metric));
  for (const m of ["AUC", "ABROCA", "CALIBRATION_IN_THE_LARGE", "COLD_START_AUC", "RECOMMENDED_SUCCESS"]) expect(metrics).toContain(m);
  const gated = audit.checks.filter((x: { status: string; threshold: number | null }) => x.status === "PASS" && x.threshold !== null);
  expect(gated.length).toBeGreaterThan(0);
  for (const c of gated) {
    expect(c.pValue).toBeGreaterThan(0);
    expect(c.pValue).toBeLessThanOrEqual(1);
    expect(c.adjustedPValue).toBeGreaterThanOrEqual(c.pValue);
  }
  // The simulator's groups differ in nothing: a model that never saw the attribute is not unfair to either.
  expect(audit.status).toBe("PASSED");
  expect(row.passed).toBe(true);
});

test("admins read the report over GraphQL and as a self-contained HTML page; nobody else does", async () => {
  const r = await s.gql(
    `query($id: UUID!) { auditReport(id: $id) { kind status passed reason url modelVersion { version } } }`,
    { id: reportId },
    admin,
  );
  expect(r.errors).toBeUndefined();
  expect(r.data.auditReport).toMatchObject({
    kind: "FAIRNESS",
    status: "PASSED",
    passed: true,
    url: `/audit-reports/${reportId}`,
    modelVersion: { version: 1 },
  });
  const page = await fetch(new URL(r.data.auditReport.url, s.url), { headers: { authorization: `Bearer ${admin}` } });
  expect(page.status).toBe(200);
  expect(page.headers.get("content-type")).toMatch(/text\/html/);
  expect(page.headers.get("content-security-policy")).toMatch(/default-src 'none'/);
  const html = await page.text();
  expect(html).toMatch(/<svg/);
  expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);

  const get = async (path: string, token?: string) => {
    const res = await fetch(new URL(path, s.url), { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const code = ((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code;
    const challenge = res.headers.get("www-authenticate");
    return { status: res.status, code, ...(challenge ? { challenge } : {}) };
  };
  const learner = await s.token({ schoolId: demo.schoolId, role: Role.Learner, learnerId: demo.learnerIds[0] });
  expect(await get(`/audit-reports/${reportId}`, learner)).toEqual({ status: 403, code: "FORBIDDEN" });
  expect(await get(`/audit-reports/${reportId}`)).toEqual({ status: 401, code: "UNAUTHENTICATED", challenge: "Bearer" });
  // An invalid token is refused before the page is looked for.
  expect(await get(`/audit-reports/${reportId}`, "not-a-token")).toEqual({
    status: 401,
    code: "UNAUTHENTICATED",
    challenge: 'Bearer error="invalid_token"',
  });
  const other = await s.newSchool("Another School");
  expect(await get(`/audit-reports/${reportId}`, other.admin)).toEqual({ status: 404, code: "NOT_FOUND" });
  expect(await get(`/audit-reports/not-an-id`, admin)).toEqual({ status: 400, code: "BAD_USER_INPUT" });
});

test("runAudit enqueues an audit of the active model for admins, of either kind; other roles are refused", async () => {
  const r = await s.gql(`mutation { runAudit(kind: FAIRNESS) { name status } }`, {}, admin);
  expect(r.data?.runAudit).toEqual({ name: "fairness-audit", status: "QUEUED" });
  expect((await s.gql(`mutation { runAudit(kind: PRIVACY) { name status } }`, {}, admin)).data?.runAudit).toEqual({
    name: "privacy-audit",
    status: "QUEUED",
  });
  const analyst = await s.token({ schoolId: demo.schoolId, role: Role.Analyst });
  expect(codeOf(await s.gql(`mutation { runAudit(kind: FAIRNESS) { id } }`, {}, analyst))).toBe("FORBIDDEN");
  const nobody = await s.newSchool("No Model School");
  expect(codeOf(await s.gql(`mutation { runAudit(kind: FAIRNESS) { id } }`, {}, nobody.admin))).toBe("CONFLICT");
  const missing = "01900000-0000-7000-8000-000000000000";
  expect(codeOf(await s.gql(`mutation($v: UUID) { runAudit(kind: FAIRNESS, modelVersionId: $v) { id } }`, { v: missing }, admin))).toBe(
    "NOT_FOUND",
  );
});

/**
 * A model with a bias injected on purpose: PFA's predictions for the learners of one group lowered by
 * `shift` logits. It learns which learner a state belongs to from the traces it is updated with (the
 * product's models never do: it is how the test makes a model that treats a group differently).
 */
function biasedAgainst(inner: KnowledgeModel, members: ReadonlySet<string>, shift: number): KnowledgeModel {
  type Wrapped = LearnerState & { data: { inner: LearnerState; learner: string | null } };
  const wrap = (state: LearnerState, learner: string | null): Wrapped => ({
    model: state.model,
    attempts: state.attempts,
    data: { inner: state, learner },
  });
  const unwrap = (s: LearnerState) => (s as Wrapped).data;
  const offset = (s: LearnerState) => (members.has(unwrap(s).learner ?? "") ? shift : 0);
  return {
    name: inner.name,
    initialState: () => wrap(inner.initialState(), null),
    predict: (s, taskId) => sigmoid(logit(inner.predict(unwrap(s).inner, taskId)) - offset(s)),
    predictMany: (s, taskIds) => Float64Array.from(taskIds, (t) => sigmoid(logit(inner.predict(unwrap(s).inner, t)) - offset(s))),
    update: (s, trace: Trace) => wrap(inner.update(unwrap(s).inner, trace), trace.learnerId),
    replay: (s, traces) => {
      let out = s;
      for (const t of traces) out = wrap(inner.update(unwrap(out).inner, t), t.learnerId);
      return out;
    },
    mastery: (s, skillIds) => inner.mastery(unwrap(s).inner, skillIds),
    serialize: () => inner.serialize(),
  };
}

test("a retraining's candidate that under-predicts one group is refused by the fairness gate, which names the attribute, the group, the metric, the gap and its p-value", async () => {
  const groups = await groupOf();
  const groupB = new Set([...groups].filter(([, g]) => g === "B").map(([id]) => id));
  const biased: ModelTrainer = {
    name: "pfa",
    fit: async (data, options) => biasedAgainst(await trainers.pfa!.fit(data, options), groupB, 1.2),
  };
  const deps = s.app.services.deps;
  const auditor = new FairnessAuditor(deps, (id) => new CurriculumCache(deps.dataSource).get(id), {
    params: { minGroupSize: Number(MIN_GROUP) },
  });
  const retraining = new RetrainService(
    deps,
    s.app.services.activeModels,
    s.app.services.training,
    [new MetricGate(1), new FairnessGate(auditor)],
    {
      ...trainers,
      "biased-pfa": biased,
    },
  );
  const r = await retraining.retrain(demo.schoolId, { kind: "biased-pfa", seed: 1, cutoff: NOW });
  expect(r.status).toBe(ModelStatus.Rejected);
  expect(r.promoted).toBe(false);
  const fairness = r.reasons.find((x) => x.startsWith("fairness:"));
  expect(fairness).toMatch(/group: B vs \S+, CALIBRATION_IN_THE_LARGE gap [−-]?[0-9.]+ \(threshold [0-9.]+, p = [0-9.e-]+ after Holm\)/);
  const [version] = await q(`SELECT status, notes, metrics FROM model_version WHERE id = $1`, [r.modelVersionId]);
  expect(version.status).toBe("REJECTED");
  expect(version.notes).toContain("CALIBRATION_IN_THE_LARGE");
  const gate = version.metrics.gates.find((g: { gate: string }) => g.gate === "fairness");
  expect(gate).toMatchObject({ passed: false });
  expect(gate.figures.failed).toBeGreaterThan(0);
  // The full audit is the version's report; the active model is unchanged.
  const [report] = await q(`SELECT passed, figures FROM audit_report WHERE model_version_id = $1 AND kind = 'FAIRNESS'`, [
    r.modelVersionId,
  ]);
  expect(report.passed).toBe(false);
  expect(report.figures.status).toBe("FAILED");
  const failing = report.figures.checks.filter((c: { status: string }) => c.status === "FAIL");
  expect(failing.length).toBeGreaterThan(0);
  for (const c of failing) {
    expect(Math.abs(c.gap)).toBeGreaterThan(c.threshold);
    expect(c.adjustedPValue).toBeLessThan(0.05);
  }
  expect((await q(`SELECT id FROM model_version WHERE school_id = $1 AND status = 'ACTIVE'`, [demo.schoolId]))[0].id).toBe(v1);
});

test("protected attributes reach no model: changing one changes no prediction and no training set", async () => {
  const learnerId = demo.learnerIds.find((id) => id !== demo.noConsentLearnerId)!;
  const taskIds = (await q(`SELECT id FROM task WHERE school_id = $1 ORDER BY id LIMIT 20`, [demo.schoolId])).map(
    (r: { id: string }) => r.id,
  );
  const read = `query($l: UUID!, $t: [UUID!]!) { predictions(learnerId: $l, taskIds: $t) { personalisation items { predictedSuccess } } }`;
  const before = await s.gql(read, { l: learnerId, t: taskIds }, admin);
  expect(before.errors).toBeUndefined();
  const snapshotBefore = await snapshotTrainingSet(s.app.db.dataSource.manager, demo.schoolId, NOW);
  const set = `mutation($l: UUID!, $v: String!) { setLearnerAttribute(learnerId: $l, name: "group", value: $v) { value } }`;
  const current = (await groupOf()).get(learnerId)!;
  expect((await s.gql(set, { l: learnerId, v: current === "A" ? "B" : "A" }, admin)).errors).toBeUndefined();
  expect(
    (
      await s.gql(
        `mutation($l: UUID!) { setLearnerAttribute(learnerId: $l, name: "home_language", value: "other") { value } }`,
        { l: learnerId },
        admin,
      )
    ).errors,
  ).toBeUndefined();
  const after = await s.gql(read, { l: learnerId, t: taskIds }, admin);
  expect(after.data).toEqual(before.data);
  expect(await snapshotTrainingSet(s.app.db.dataSource.manager, demo.schoolId, NOW)).toEqual(snapshotBefore);
});

test("docs/fairness.md's operations run as written: an audit on demand, run by the worker, then listed with its page", async () => {
  const [auditNow, audits] = docOperations("docs/fairness.md");
  expect(auditNow).toMatch(/runAudit/);
  expect(audits).toMatch(/auditReports/);
  const worker = new Worker({
    services: s.app.services,
    logger: createLogger("silent"),
    settings: { retrainCron: null, schoolIds: [] },
    jobs: JOBS,
    schedule: false,
    pollingIntervalSeconds: 0.5,
    progressIntervalMs: 100,
  });
  await worker.start();
  try {
    const started = await s.gql(auditNow!, {}, admin);
    expect(started.errors).toBeUndefined();
    let run: { status: string; result: { reportId: string; status: string } } | undefined;
    for (const t0 = Date.now(); Date.now() - t0 < 60_000; await new Promise((r) => setTimeout(r, 200))) {
      run = (await s.gql(`query($id: UUID!) { jobRun(id: $id) { status result } }`, { id: started.data.runAudit.id }, admin)).data.jobRun;
      if (run!.status === "SUCCEEDED" || run!.status === "FAILED") break;
    }
    expect(run!.status).toBe("SUCCEEDED");
    const listed = await s.gql(audits!, {}, admin);
    expect(listed.errors).toBeUndefined();
    const nodes = listed.data.activeModel.auditReports.nodes as { id: string; kind: string; url: string }[];
    expect(nodes.map((n) => n.id)).toContain(run!.result.reportId);
    expect(nodes.find((n) => n.id === run!.result.reportId)!.kind).toBe("FAIRNESS");
    expect(nodes.every((n) => n.url === `/audit-reports/${n.id}`)).toBe(true);
  } finally {
    await worker.stop(10_000);
  }
});

test("a school's mitigation (docs/fairness.md's operation as written) reaches the training as group-balanced weights per learner, never as the attribute, and is recorded on the version", async () => {
  const mitigate = docOperations("docs/fairness.md").find((op) => /setFairnessPolicy/.test(op))!;
  const set = await s.gql(mitigate, {}, admin);
  expect(set.errors).toBeUndefined();
  expect(set.data.setFairnessPolicy).toMatchObject({ mitigation: "GROUP_BALANCED", attribute: "group" });
  expect((await s.gql(`{ fairnessPolicy { mitigation attribute } }`, {}, admin)).data.fairnessPolicy).toEqual({
    mitigation: "GROUP_BALANCED",
    attribute: "group",
  });
  const bad = await s.gql(`mutation { setFairnessPolicy(input: { mitigation: GROUP_BALANCED }) { mitigation } }`, {}, admin);
  expect(codeOf(bad)).toBe("BAD_USER_INPUT");
  const analyst = await s.token({ schoolId: demo.schoolId, role: Role.Analyst });
  expect(codeOf(await s.gql(`{ fairnessPolicy { mitigation } }`, {}, analyst))).toBe("FORBIDDEN");

  // A trainer that records what the fit receives: the weights, and traces that carry no attribute.
  let seen: { weights?: ReadonlyMap<string, number>; traceKeys: Set<string> } | undefined;
  const recording: ModelTrainer = {
    name: "pfa",
    fit: async (data, options) => {
      const traceKeys = new Set<string>();
      for (const seq of data.sequences.values()) for (const t of seq) for (const k of Object.keys(t)) traceKeys.add(k);
      seen = { weights: options.learnerWeights, traceKeys };
      return trainers.pfa!.fit(data, options);
    },
  };
  const deps = s.app.services.deps;
  const retraining = new RetrainService(
    deps,
    s.app.services.activeModels,
    s.app.services.training,
    [new MetricGate(1)],
    { recording },
    s.app.services.fairnessPolicy,
  );
  const r = await retraining.retrain(demo.schoolId, { kind: "recording", seed: 4, cutoff: NOW });
  expect(seen!.traceKeys).toEqual(new Set(["learnerId", "taskId", "correct", "at"]));
  const weights = seen!.weights!;
  const groups = await groupOf();
  const trained: string[] = (await q(`SELECT learner_id FROM model_version_learner WHERE model_version_id = $1`, [r.modelVersionId])).map(
    (x: { learner_id: string }) => x.learner_id,
  );
  expect(new Set(weights.keys())).toEqual(new Set(trained));
  // Every group's total weight is the same, and the mean weight is 1.
  const total = new Map<string, number>();
  for (const [id, w] of weights) total.set(groups.get(id)!, (total.get(groups.get(id)!) ?? 0) + w);
  const [a, b] = [...total.values()];
  expect(total.size).toBe(2);
  expect(a).toBeCloseTo(b!, 9);
  expect(a! + b!).toBeCloseTo(trained.length, 9);
  const [version] = await q(`SELECT metrics FROM model_version WHERE id = $1`, [r.modelVersionId]);
  const counts: Record<string, number> = {};
  for (const id of trained) counts[groups.get(id)!] = (counts[groups.get(id)!] ?? 0) + 1;
  expect(version.metrics.mitigation).toEqual({
    mitigation: "GROUP_BALANCED",
    attribute: "group",
    groups: counts,
    unlabelled: 0,
    appliedBy: "ignored by recording",
  });
  await s.gql(`mutation { setFairnessPolicy(input: { mitigation: NONE }) { mitigation } }`, {}, admin);
});
