/**
 * The honest promotion gate: every model of a school is trained on its learners outside the school's
 * evaluation set, the registry records who each version was trained on, and a candidate is judged
 * against the active model on evaluation learners that neither was trained on. A version whose
 * learners cannot be told apart (one from before the record, trained on everyone) leaves nothing to
 * judge on, and only an admin's recorded reason promotes over a refusal; a rollback undoes it.
 */
import { seedDemo, DemoSchool } from "../../src/services/demo/demo-seed.js";
import { ModelStatus } from "../../src/persistence/model/model-version.entity.js";
import { Role } from "../../src/services/auth/actor.js";
import { isEvaluationLearner } from "../../src/engine/evaluation-set.js";
import { evaluationRule } from "../../src/services/training/comparison-set.js";
import { codeOf, startTestServer, TestServer } from "../support/test-server.js";

const NOW = new Date("2026-11-01T12:00:00Z");
const EARLIER = new Date(NOW.getTime() - 4 * 86_400_000);
let s: TestServer;
let demo: DemoSchool;
let v1: string;
beforeAll(async () => {
  s = await startTestServer();
  demo = await seedDemo(s.app.db.dataSource, s.app.services.deps.cipher, NOW, { learners: 90, seed: 5, idLabel: "promotion-gate" });
  v1 = (await s.app.services.training.trainAndPublish(demo.schoolId, { seed: 1, cutoff: EARLIER, kind: "pfa" })).id;
}, 180_000);
afterAll(async () => {
  await s?.stop();
});

const q = (sql: string, params: unknown[] = []) => s.app.db.dataSource.query(sql, params);
const trainedOn = async (versionId: string): Promise<string[]> =>
  (await q(`SELECT learner_id FROM model_version_learner WHERE model_version_id = $1`, [versionId])).map(
    (r: { learner_id: string }) => r.learner_id,
  );
const isEval = (id: string) => isEvaluationLearner(id, evaluationRule(demo.schoolId));
const consenting = () => demo.learnerIds.filter((id) => id !== demo.noConsentLearnerId);
const activeId = async () => (await q(`SELECT id FROM model_version WHERE school_id = $1 AND status = 'ACTIVE'`, [demo.schoolId]))[0]?.id;
const metricsOf = async (id: string) => (await q(`SELECT metrics FROM model_version WHERE id = $1`, [id]))[0].metrics;
const switching = () => s.app.services.modelSwitch;

test("the first model is trained on the consenting learners outside the evaluation set, and the registry says which", async () => {
  const trained = new Set(await trainedOn(v1));
  const evaluation = consenting().filter(isEval);
  expect(evaluation.length).toBeGreaterThanOrEqual(8);
  expect(trained.size).toBe(consenting().length - evaluation.length);
  for (const id of consenting()) expect(trained.has(id)).toBe(!isEval(id));
  expect(trained.has(demo.noConsentLearnerId)).toBe(false);
  const m = await metricsOf(v1);
  expect(m).toMatchObject({ trainingLearners: trained.size, heldOutLearners: evaluation.length });
  expect(m.candidate.auc).toBeGreaterThan(0.5);
});

let v2: string;
test("a retraining is judged with the active model on evaluation learners neither was trained on, and decided by the gate's rule", async () => {
  const r = await s.app.services.retraining.retrain(demo.schoolId, { kind: "pfa", seed: 2, cutoff: NOW });
  v2 = r.modelVersionId!;
  const m = await metricsOf(v2);
  const evaluation = consenting().filter(isEval);
  // The whole evaluation set: v1 was trained on none of it, the candidate neither.
  expect(m.evaluation).toMatchObject({ learners: evaluation.length, excludedAsSeen: 0, versions: [v1] });
  const trained = await trainedOn(v2);
  expect(trained.length).toBe(m.trainingLearners);
  expect(trained.filter(isEval)).toEqual([]);
  expect((await trainedOn(v1)).filter(isEval)).toEqual([]);
  const [gate] = m.gates;
  expect(gate.figures.learners).toBe(evaluation.length);
  // Both scored out of sample; the decision is the gate's rule applied to them.
  const { candidateAuc, activeAuc, candidateLogLoss, activeLogLoss, tolerance } = gate.figures;
  expect(activeAuc).not.toBeNull();
  const passes = candidateAuc >= activeAuc - tolerance && candidateLogLoss <= activeLogLoss + tolerance;
  expect(gate.passed).toBe(passes);
  expect(r.promoted).toBe(passes);
  expect(r.status).toBe(passes ? ModelStatus.Active : ModelStatus.Rejected);
});

test("a rollback returns to the version active before; promoting the retired candidate again re-judges it on the same honest set", async () => {
  if ((await activeId()) !== v2)
    await switching().promote(demo.schoolId, v2, {
      override: { reason: "rejected by the gate; promoted to test the rollback", by: "test", at: NOW.toISOString() },
    });
  expect(await activeId()).toBe(v2);
  const back = await switching().rollback(demo.schoolId, v1);
  expect(back).toMatchObject({ switched: true, version: 1 });
  expect(await activeId()).toBe(v1);
  const again = await switching().promote(demo.schoolId, v2);
  const m = await metricsOf(v2);
  if (again.switched) {
    expect(m.promotionEvaluation).toMatchObject({ learners: consenting().filter(isEval).length, excludedAsSeen: 0 });
    expect(m.promotionOverride).toBeUndefined();
    await switching().rollback(demo.schoolId, v1);
  } else {
    expect(again.reason).toMatch(/the gates refuse version 2/);
  }
  expect(await activeId()).toBe(v1);
});

test("a version trained on the evaluation learners (recorded before the registry knew better) leaves nothing to judge on: refused, then promoted only with an admin's reason, which is stored; a rollback undoes it", async () => {
  // As the migration backfills a version published before the record: trained on everyone it could have seen.
  await q(
    `INSERT INTO model_version_learner (model_version_id, learner_id, school_id) SELECT $1, id, $2 FROM learner WHERE school_id = $2 ON CONFLICT DO NOTHING`,
    [v1, demo.schoolId],
  );
  const refused = await switching().promote(demo.schoolId, v2);
  expect(refused.switched).toBe(false);
  expect(refused.reason).toMatch(/no held-out learners that neither model was trained on/);
  expect(await activeId()).toBe(v1);

  const override = {
    reason: "v1 predates the evaluation set; v2 checked by hand on this term's quizzes",
    by: "admin-cli",
    at: NOW.toISOString(),
  };
  const forced = await switching().promote(demo.schoolId, v2, { override });
  expect(forced).toMatchObject({ switched: true, override });
  expect(forced.gates!.every((g) => g.passed)).toBe(false);
  expect(await activeId()).toBe(v2);
  const m = await metricsOf(v2);
  expect(m.promotionOverride).toEqual(override);
  expect(m.promotionEvaluation).toMatchObject({ learners: 0, excludedAsSeen: consenting().filter(isEval).length });
  expect(m.promotionGates[0].passed).toBe(false);

  expect(await switching().rollback(demo.schoolId, v1)).toMatchObject({ switched: true, version: 1 });
  expect(await activeId()).toBe(v1);
});

test("promoteModel's overrideReason is checked in the request: too short is BAD_USER_INPUT and nothing is enqueued", async () => {
  const admin = await s.token({ schoolId: demo.schoolId, role: Role.Admin });
  const runs = async () => (await q(`SELECT count(*)::int AS n FROM job_run WHERE school_id = $1`, [demo.schoolId]))[0].n;
  const before = await runs();
  const r = await s.gql(
    `mutation($v: UUID!, $r: String) { promoteModel(versionId: $v, overrideReason: $r) { id status } }`,
    { v: v2, r: "  because " },
    admin,
  );
  expect(codeOf(r)).toBe("BAD_USER_INPUT");
  expect(r.errors![0]!.message).toMatch(/overrideReason/);
  expect(await runs()).toBe(before);
  const ok = await s.gql(
    `mutation($v: UUID!, $r: String) { promoteModel(versionId: $v, overrideReason: $r) { id status } }`,
    { v: v2, r: "the term's data says v2 is better" },
    admin,
  );
  expect(ok.errors).toBeUndefined();
  expect(ok.data.promoteModel.status).toBe("QUEUED");
  const [run] = await q(`SELECT payload FROM job_run WHERE id = $1`, [ok.data.promoteModel.id]);
  expect(run.payload.override).toMatchObject({ reason: "the term's data says v2 is better", by: expect.any(String) });
});
