/**
 * The learned sequencing policy served (issue 19 item 4) over real HTTP: the train-policy job on a small
 * demo school (a small training: few iterations and episodes), recommendations(strategy: POLICY) with
 * the policy's reasons, propensities and version, every documented fallback to the ZPD rule with its
 * reason, a policy file of another format version or corrupt refused at load (typed engine error in the
 * answer's reason), who may train and read policies, and an admin's model switch (promoteModel,
 * rollbackModel) enqueuing the policy's retraining.
 */
import { Role } from "../../src/services/auth/actor.js";
import { seedDemo, type DemoSchool } from "../../src/services/demo/demo-seed.js";
import { createLogger } from "../../src/shared/logger.js";
import { uuidv7 } from "../../src/shared/ids.js";
import { trainPolicy } from "../../jobs/train-policy.js";
import { promoteModel, rollbackModel, type JobDefinition } from "../../jobs/index.js";
import { executeJob } from "../../jobs/runner.js";
import { onceId } from "../../src/services/jobs/job-run.service.js";
import { codeOf, startTestServer, type TestServer } from "../support/test-server.js";

const NOW = new Date("2026-11-01T12:00:00Z");
/** A small training: the job's defaults take minutes (docs/policy.md). */
const SMALL = { iterations: 1, episodes: 3 };
let s: TestServer;
let demo: DemoSchool;
let admin: string;
let learner: string;

beforeAll(async () => {
  s = await startTestServer();
  demo = await seedDemo(s.app.db.dataSource, s.app.services.deps.cipher, NOW, { learners: 60, seed: 5, idLabel: "policy-serving" });
  await s.app.services.training.trainAndPublish(demo.schoolId, { seed: 1, cutoff: NOW });
  admin = await s.token({ schoolId: demo.schoolId, role: Role.Admin });
  learner = demo.learnerIds.find((id) => id !== demo.noConsentLearnerId)!;
}, 240_000);
afterAll(async () => {
  await s?.stop();
});

const RECOMMEND = `query($l: UUID!, $g: UUID, $n: Int) {
  recommendations(learnerId: $l, goalId: $g, count: $n, strategy: POLICY) {
    personalisation notice strategy
    fallback { code message }
    policy { id version }
    items { task { id } propensity explanation reason { code strategy policy { probability candidates drawn aim } } }
  }
}`;

async function recommend(learnerId = learner, goalId?: string, count = 3) {
  const r = await s.gql(RECOMMEND, { l: learnerId, g: goalId ?? null, n: count }, admin);
  expect(r.errors).toBeUndefined();
  return r.data.recommendations;
}

function runJob(payload: Record<string, unknown>) {
  return executeJob(trainPolicy, payload, {
    id: uuidv7(),
    attempt: 1,
    retryLimit: 0,
    services: s.app.services,
    logger: createLogger("silent"),
    settings: { retrainCron: null, schoolIds: [demo.schoolId] },
  });
}

/** zpd_recommendations_total's sample for these labels on the server's /metrics (0 when absent). */
async function served(requested: string, strategy: string, fallback: string): Promise<number> {
  const text = await (await fetch(s.url.replace(/\/graphql$/, "/metrics"))).text();
  const line = text
    .split("\n")
    .find((l) => l.startsWith(`zpd_recommendations_total{requested="${requested}",strategy="${strategy}",fallback="${fallback}"}`));
  return line ? Number(line.split(" ").pop()) : 0;
}

const versions = async () =>
  (await s.gql(`{ policyVersions(first: 50) { nodes { id version status modelVersionId notes training } } }`, {}, admin)).data
    .policyVersions.nodes as { id: string; version: number; status: string; modelVersionId: string; notes: string; training: any }[];

test("before any policy is trained, POLICY falls back to the ZPD rule and says so (and /metrics counts it)", async () => {
  const before = await served("POLICY", "ZPD", "NO_POLICY");
  const r = await recommend();
  expect(await served("POLICY", "ZPD", "NO_POLICY")).toBe(before + 1);
  expect(r.strategy).toBe("ZPD");
  expect(r.fallback.code).toBe("NO_POLICY");
  expect(r.fallback.message).toMatch(/No learned policy is active/);
  expect(r.policy).toBeNull();
  expect(r.items.length).toBeGreaterThan(0);
  for (const i of r.items) {
    expect(i.reason.code).not.toBe("POLICY");
    expect(i.propensity).toBe(1);
  }
});

test("train-policy stores the policy with its model version and gate figures; live only if it beat the tuned ZPD rule", async () => {
  const out = await runJob({ schoolId: demo.schoolId, seed: 2, ...SMALL });
  expect(out.status).toBe("completed");
  const [v1] = await versions();
  const gate = v1!.training.gate;
  expect(gate.episodes).toBeGreaterThan(0);
  const beat = gate.policy.meanReturn > gate.tunedZpd.meanReturn;
  const keptLearners = gate.engagementDifference + gate.engagementStandardError >= 0;
  expect(gate.engagementDifference).toBeCloseTo(gate.policy.engaged - gate.tunedZpd.engaged, 9);
  expect(gate.passed).toBe(beat && keptLearners);
  expect(gate.refusedFor).toBe(!beat ? "RETURN" : !keptLearners ? "ENGAGEMENT" : null);
  expect(v1!.status).toBe(gate.passed ? "ACTIVE" : "REJECTED");
  if (!beat) expect(v1!.notes).toMatch(/did not beat the tuned ZPD rule/);
  else if (!keptLearners) expect(v1!.notes).toMatch(/kept fewer learners engaged than the tuned ZPD rule/);
  const active = await s.gql(`{ activeModel { id } }`, {}, admin);
  expect(v1!.modelVersionId).toBe(active.data.activeModel.id);
  expect(v1!.training.iterations).toBe(SMALL.iterations);

  // An operator's override puts the next one live whatever its gate, the reason kept; the previous live one retires.
  const forced = await runJob({ schoolId: demo.schoolId, seed: 3, ...SMALL, overrideReason: "e2e: serve the small policy" });
  expect(forced.status).toBe("completed");
  const all = await versions();
  const v2 = all.find((v) => v.version === 2)!;
  expect(v2.status).toBe("ACTIVE");
  if (!v2.training.gate.passed) expect(v2.notes).toMatch(/put live over the gate: e2e: serve the small policy/);
  expect(all.filter((v) => v.status === "ACTIVE")).toHaveLength(1);
  expect(all.find((v) => v.version === 1)!.status).toBe(v1!.status === "ACTIVE" ? "RETIRED" : "REJECTED");
}, 240_000);

test("recommendations(strategy: POLICY) answer with the policy's reasons, propensities and version", async () => {
  const [live] = (await versions()).filter((v) => v.status === "ACTIVE");
  const before = await served("POLICY", "POLICY", "none");
  const r = await recommend(learner, undefined, 4);
  expect(await served("POLICY", "POLICY", "none")).toBe(before + 1);
  expect(r.personalisation).toBe("PERSONALISED");
  expect(r.strategy).toBe("POLICY");
  expect(r.fallback).toBeNull();
  expect(r.policy).toEqual({ id: live!.id, version: live!.version });
  expect(r.items).toHaveLength(4);
  const [first, ...rest] = r.items;
  expect(first.reason.code).toBe("POLICY");
  expect(first.reason.strategy).toBe("POLICY");
  expect(first.reason.policy.drawn).toBe(true);
  expect(first.reason.policy.candidates).toBeGreaterThan(1);
  expect(first.reason.policy.aim).toMatch(/^it aims at /);
  expect(first.explanation).toMatch(
    /chosen by the learned sequencing policy \(drawn with probability \d\.\d\d among \d+ candidates\): it aims at/,
  );
  // The drawn task's propensity is its π; the alternatives follow in decreasing π, fixed given the draw (propensity 1).
  expect(first.propensity).toBeGreaterThan(0);
  expect(first.propensity).toBeLessThanOrEqual(1);
  expect(first.propensity).toBeCloseTo(first.reason.policy.probability, 12);
  for (const i of rest) {
    expect(i.reason.policy.drawn).toBe(false);
    expect(i.propensity).toBe(1);
  }
  const pis = rest.map((i: any) => i.reason.policy.probability);
  expect(pis).toEqual([...pis].sort((a: number, b: number) => b - a));
  expect(r.items.reduce((a: number, i: any) => a + i.reason.policy.probability, 0)).toBeLessThanOrEqual(1 + 1e-9);
  // The same request in the same state draws the same task (a replay is reproducible).
  expect((await recommend(learner, undefined, 4)).items.map((i: any) => i.task.id)).toEqual(r.items.map((i: any) => i.task.id));
});

test("a learner without consent: the policy is not used, and the answer says so", async () => {
  const r = await recommend(demo.noConsentLearnerId);
  expect(r.personalisation).toBe("NO_CONSENT");
  expect(r.strategy).toBe("CURRICULUM");
  expect(r.fallback.code).toBe("NO_CONSENT");
  expect(r.fallback.message).toMatch(/not used for a learner without consent/);
  expect(r.items.every((i: any) => i.reason.code !== "POLICY" && i.propensity === 1)).toBe(true);
});

describe("a stored policy the engine refuses at load", () => {
  const ds = () => s.app.db.dataSource;
  let original: { id: string; policy: string };
  beforeAll(async () => {
    [original] = await ds().query(`SELECT id, policy FROM policy_version WHERE school_id = $1 AND status = 'ACTIVE'`, [demo.schoolId]);
  });
  afterEach(async () => {
    await ds().query(`UPDATE policy_version SET policy = $2 WHERE id = $1`, [original.id, original.policy]);
    s.app.services.activePolicies.invalidate(demo.schoolId);
  });

  test("of another format version: refused with UNSUPPORTED_FORMAT, the answer falls back with the reason", async () => {
    const file = JSON.parse(original.policy);
    await ds().query(`UPDATE policy_version SET policy = $2 WHERE id = $1`, [original.id, JSON.stringify({ ...file, version: 2 })]);
    s.app.services.activePolicies.invalidate(demo.schoolId);
    const r = await recommend();
    expect(r.strategy).toBe("ZPD");
    expect(r.fallback.code).toBe("POLICY_UNREADABLE");
    expect(r.fallback.message).toMatch(/UNSUPPORTED_FORMAT: policy file: format version 2, this engine reads version 1/);
    expect(r.items.length).toBeGreaterThan(0);
  });

  test("corrupt: refused with CORRUPT_MODEL, the answer falls back with the reason", async () => {
    await ds().query(`UPDATE policy_version SET policy = $2 WHERE id = $1`, [original.id, original.policy.slice(0, 200)]);
    s.app.services.activePolicies.invalidate(demo.schoolId);
    const r = await recommend();
    expect(r.strategy).toBe("ZPD");
    expect(r.fallback.code).toBe("POLICY_UNREADABLE");
    expect(r.fallback.message).toMatch(/CORRUPT_MODEL: policy file: not JSON/);
  });
});

test("a policy trained with another knowledge model version than the active one falls back (MODEL_CHANGED)", async () => {
  const ds = s.app.db.dataSource;
  const [live] = await ds.query(`SELECT id, model_version_id FROM policy_version WHERE school_id = $1 AND status = 'ACTIVE'`, [
    demo.schoolId,
  ]);
  const other = uuidv7();
  await ds.query(`INSERT INTO model_version (id, school_id, version, kind, status) VALUES ($1, $2, 999, 'meta', 'RETIRED')`, [
    other,
    demo.schoolId,
  ]);
  try {
    await ds.query(`UPDATE policy_version SET model_version_id = $2 WHERE id = $1`, [live.id, other]);
    s.app.services.activePolicies.invalidate(demo.schoolId);
    const r = await recommend();
    expect(r.strategy).toBe("ZPD");
    expect(r.fallback.code).toBe("MODEL_CHANGED");
    expect(r.fallback.message).toMatch(/trained with another knowledge model than the active one/);
  } finally {
    await ds.query(`UPDATE policy_version SET model_version_id = $2 WHERE id = $1`, [live.id, live.model_version_id]);
    await ds.query(`DELETE FROM model_version WHERE id = $1`, [other]);
    s.app.services.activePolicies.invalidate(demo.schoolId);
  }
  expect((await recommend()).strategy).toBe("POLICY");
});

test("another curriculum (a skill added) falls back; retrained for it, a goal whose skill has no task falls back (NO_CHOICE)", async () => {
  const created = await s.gql(
    `mutation { createSkill(input: { code: "policy-no-tasks", name: "A skill without tasks" }) { id } }`,
    {},
    admin,
  );
  expect(created.errors).toBeUndefined();
  const skillId = created.data.createSkill.id;
  const changed = await recommend();
  expect(changed.strategy).toBe("ZPD");
  expect(changed.fallback.code).toBe("CURRICULUM_CHANGED");

  const out = await runJob({ schoolId: demo.schoolId, seed: 4, ...SMALL, overrideReason: "e2e: retrained for the new curriculum" });
  expect(out.status).toBe("completed");
  expect((await recommend()).strategy).toBe("POLICY");

  const goal = await s.gql(
    `mutation($l: UUID!, $k: UUID!) { createGoal(input: { learnerId: $l, title: "A skill without tasks", skillIds: [$k] }) { id } }`,
    { l: learner, k: skillId },
    admin,
  );
  expect(goal.errors).toBeUndefined();
  const r = await recommend(learner, goal.data.createGoal.id);
  expect(r.strategy).toBe("ZPD");
  expect(r.fallback.code).toBe("NO_CHOICE");
  expect(r.fallback.message).toMatch(/Fewer than two candidate tasks/);
}, 240_000);

test("admins read policies and ask for a training; no other role may", async () => {
  const list = `{ policyVersions(first: 5) { nodes { id status } } }`;
  const train = `mutation($seed: Int, $r: String) { trainPolicy(seed: $seed, overrideReason: $r) { name status } }`;
  const queued = await s.gql(train, { seed: 7 }, admin);
  expect(queued.errors).toBeUndefined();
  expect(queued.data.trainPolicy).toEqual({ name: "train-policy", status: "QUEUED" });
  expect(codeOf(await s.gql(train, { seed: -1 }, admin))).toBe("BAD_USER_INPUT");
  expect(codeOf(await s.gql(train, { r: "short" }, admin))).toBe("BAD_USER_INPUT");
  const teacher = await s.token({ schoolId: demo.schoolId, role: Role.Teacher, teacherId: demo.teacherId });
  const others = [
    teacher,
    await s.token({ schoolId: demo.schoolId, role: Role.Service }),
    await s.token({ schoolId: demo.schoolId, role: Role.Analyst }),
    await s.token({ schoolId: demo.schoolId, role: Role.Learner, learnerId: learner }),
  ];
  for (const token of others) {
    expect(codeOf(await s.gql(list, {}, token))).toBe("FORBIDDEN");
    expect(codeOf(await s.gql(train, {}, token))).toBe("FORBIDDEN");
  }
  // Another school's admin sees none of this school's policies.
  const other = await s.newSchool("Policy Other");
  expect((await s.gql(list, {}, other.admin)).data.policyVersions.nodes).toEqual([]);
});

test("a bad payload is refused; a school without a model cannot train a policy", async () => {
  expect((await runJob({ schoolId: "not-a-uuid" })).status).toBe("deadletter");
  expect((await runJob({ schoolId: demo.schoolId, iterations: 0 })).status).toBe("deadletter");
  const other = await s.newSchool("Policy No Model");
  const out = await runJob({ schoolId: other.schoolId, ...SMALL });
  expect(out.status).toBe("deadletter");
  expect(out.error).toMatch(/no active knowledge model/);
  // And its learners' POLICY answers say why the policy is not used.
  const made = await s.gql(`mutation { createLearner(input: { externalRef: "no-model-1" }) { id } }`, {}, other.admin);
  const r = await s.gql(RECOMMEND, { l: made.data.createLearner.id, n: 2 }, other.admin);
  expect(r.errors).toBeUndefined();
  expect(r.data.recommendations.personalisation).toBe("NO_MODEL");
  expect(r.data.recommendations.fallback.code).toBe("NO_MODEL");
});

test("an admin's model switch (promoteModel, rollbackModel) enqueues the policy's retraining once per run, unless the active policy was trained with that model", async () => {
  const ds = s.app.db.dataSource;
  // The train-policy runs waiting for a worker (none runs here; the trainings this test runs itself are not queued).
  const policyRuns = async () =>
    (
      (await ds.query(`SELECT id FROM job_run WHERE school_id = $1 AND name = 'train-policy' AND status = 'QUEUED'`, [demo.schoolId])) as {
        id: string;
      }[]
    )
      .map((r) => r.id)
      .sort();
  const activeModel = async () =>
    (await ds.query(`SELECT id FROM model_version WHERE school_id = $1 AND status = 'ACTIVE'`, [demo.schoolId]))[0].id as string;
  const switchJob = (def: JobDefinition, payload: Record<string, unknown>, id = uuidv7(), attempt = 1) =>
    executeJob(def as JobDefinition, payload, {
      id,
      attempt,
      retryLimit: 1,
      services: s.app.services,
      logger: createLogger("silent"),
      settings: { retrainCron: null, schoolIds: [demo.schoolId] },
    });
  const first = await activeModel();
  const before = await policyRuns();
  // A second model, published directly (no job, nothing enqueued): the policy observes through another model.
  await s.app.services.training.trainAndPublish(demo.schoolId, { seed: 2, cutoff: NOW });
  const second = await activeModel();
  expect(second).not.toBe(first);
  expect((await recommend()).fallback.code).toBe("MODEL_CHANGED");

  // Rolled back to the model the active policy was trained with: it serves again, nothing to retrain.
  const back = await switchJob(rollbackModel, { schoolId: demo.schoolId });
  expect(back.status).toBe("completed");
  expect(back.message).not.toMatch(/policy retraining/);
  expect(await activeModel()).toBe(first);
  expect((await recommend()).strategy).toBe("POLICY");
  expect(await policyRuns()).toEqual(before);

  // Promoted (over the gates if they refuse it): the promotion enqueues the policy's training, its id derived from the run's.
  const promotion = {
    schoolId: demo.schoolId,
    versionId: second,
    override: { reason: "e2e: a promotion retrains the policy", by: "e2e-admin", at: NOW.toISOString() },
  };
  const runId = uuidv7();
  const promoted = await switchJob(promoteModel, promotion, runId);
  expect(promoted.status).toBe("completed");
  expect(promoted.message).toMatch(/; policy retraining enqueued$/);
  const policyJob = onceId(`train-policy:${runId}`, new Date(0));
  expect(await policyRuns()).toEqual([...before, policyJob].sort());
  const [queued] = await ds.query(`SELECT status, payload FROM job_run WHERE id = $1`, [policyJob]);
  expect(queued).toEqual({ status: "QUEUED", payload: { schoolId: demo.schoolId } });
  expect((await recommend()).fallback.code).toBe("MODEL_CHANGED");
  // A retry of that run (its switch found done) enqueues nothing more; another promotion of the active version neither.
  expect((await switchJob(promoteModel, promotion, runId, 2)).status).toBe("completed");
  expect((await switchJob(promoteModel, promotion)).message).not.toMatch(/policy retraining/);
  expect(await policyRuns()).toEqual([...before, policyJob].sort());

  // Once a policy is trained for the promoted model, a rollback away from it enqueues its retraining.
  const trained = await runJob({ schoolId: demo.schoolId, seed: 5, ...SMALL, overrideReason: "e2e: trained for the promoted model" });
  expect(trained.status).toBe("completed");
  expect((await recommend()).strategy).toBe("POLICY");
  const rollbackId = uuidv7();
  const rolledBack = await switchJob(rollbackModel, { schoolId: demo.schoolId }, rollbackId);
  expect(rolledBack.status).toBe("completed");
  expect(rolledBack.message).toMatch(/; policy retraining enqueued$/);
  expect(await activeModel()).toBe(first);
  expect(await policyRuns()).toEqual([...before, policyJob, onceId(`train-policy:${rollbackId}`, new Date(0))].sort());
  expect((await recommend()).fallback.code).toBe("MODEL_CHANGED");
}, 240_000);
