/**
 * Erasure of a learner (issue 14, item 4) over real HTTP: everything keyed to the learner gone — proved
 * by walking every column of every table of the live catalogue (public and pgboss schemas) — other
 * learners' rows untouched, the receipt without personal data, the versions trained on the learner
 * marked, erasing twice the same receipt, and NOT_FOUND with nothing written for an unknown learner or
 * another school's.
 */
import { createHmac } from "node:crypto";
import { seedDemo, DemoSchool } from "../../src/services/demo/demo-seed.js";
import { Role } from "../../src/services/auth/actor.js";
import { ModelVersion } from "../../src/persistence/model/model-version.entity.js";
import { loadVersion } from "../../src/services/personalisation/active-models.js";
import { snapshotTrainingSet } from "../../src/services/training/training-set.js";
import { JobName } from "../../src/services/jobs/queues.js";
import { codeOf, startTestServer, TestServer } from "../support/test-server.js";
import { findEverywhere, fingerprints } from "../support/catalogue-walk.js";

const NOW = new Date("2026-11-01T12:00:00Z");
const SCHEMAS = ["public", "pgboss"];
let s: TestServer;
let demo: DemoSchool;
let admin: string;
let victim: string;
let versionsOfVictim: { modelVersionId: string; version: number }[];

const q = (sql: string, params: unknown[] = []) => s.app.db.dataSource.query(sql, params);
const ERASE = `mutation($l: UUID!) { eraseLearner(learnerId: $l) { id learnerHash keyId erasedAt erasedBy rows { table rows } modelsToRetrain { modelVersionId version } } }`;
const count = async (sql: string, params: unknown[]) => Number((await q(`SELECT count(*)::int AS n FROM ${sql}`, params))[0].n);

let candidateId: string;
beforeAll(async () => {
  s = await startTestServer();
  demo = await seedDemo(s.app.db.dataSource, s.app.services.deps.cipher, NOW, { learners: 30, seed: 5, idLabel: "erasure" });
  admin = await s.token({ schoolId: demo.schoolId, role: Role.Admin, subject: "admin-erasure" });
  // Two versions: the active one and a candidate whose states are staged (learner_state_staged).
  await s.app.services.training.trainAndPublish(demo.schoolId, { seed: 1, cutoff: NOW, kind: "pfa" });
  const candidate = await s.app.services.training.trainAndPublish(demo.schoolId, { seed: 2, cutoff: NOW, kind: "pfa", activate: false });
  candidateId = candidate.id;
  const row = await s.app.db.dataSource.getRepository(ModelVersion).findOneByOrFail({ id: candidate.id });
  await s.app.services.training.states.stage(demo.schoolId, loadVersion(row));
  // The victim: a consenting learner that both versions were trained on.
  const trainedOn: { learner_id: string }[] = await q(
    `SELECT learner_id FROM model_version_learner WHERE school_id = $1 GROUP BY learner_id HAVING count(*) = 2 ORDER BY learner_id`,
    [demo.schoolId],
  );
  victim = trainedOn.map((r) => r.learner_id).find((id) => id !== demo.noConsentLearnerId)!;
  const goals: { id: string; learner_id: string }[] = await q(
    `SELECT id, learner_id FROM goal WHERE school_id = $1 AND learner_id = ANY($2)`,
    [demo.schoolId, [victim, demo.learnerIds.find((l) => l !== victim)]],
  );
  for (const g of goals) {
    const planned = await s.gql(`mutation($g: UUID!) { planPath(goalId: $g) { path { id } } }`, { g: g.id }, admin);
    expect(planned.errors).toBeUndefined();
  }
  // Job payloads naming the learner: a run recorded in job_run, and a job waiting in pg-boss's queue.
  await s.app.services.jobs.enqueue(
    JobName.RebuildStates,
    { schoolId: demo.schoolId, note: `asked for ${victim}` },
    { schoolId: demo.schoolId },
  );
  await s.app.services.jobs.enqueue(JobName.RebuildStates, { schoolId: demo.schoolId, note: "another" }, { schoolId: demo.schoolId });
  versionsOfVictim = (
    await q(
      `SELECT mv.id AS "modelVersionId", mv.version FROM model_version_learner l JOIN model_version mv ON mv.id = l.model_version_id
       WHERE l.learner_id = $1 ORDER BY mv.version`,
      [victim],
    )
  ).map((r: { modelVersionId: string; version: number }) => ({ modelVersionId: r.modelVersionId, version: Number(r.version) }));
}, 240_000);

afterAll(async () => {
  await s?.stop();
});

/** Rows keyed to the victim through another table (they do not name it themselves). */
const THROUGH = {
  goal_skill: `t.goal_id IN (SELECT id FROM goal WHERE learner_id = $2::uuid)`,
  path_step: `t.path_id IN (SELECT id FROM learning_path WHERE learner_id = $2::uuid)`,
};

describe("eraseLearner", () => {
  let receipt: any;
  let expected: Record<string, number>;
  let before: Map<string, string>;

  test("before: the walk finds the learner in every table that holds its data (so that the walk after proves something)", async () => {
    // The access log's and the recommendation log's rows of the set-up's requests (planPath wrote the learner's
    // path, and served it) are written now, not during the walks.
    await s.app.services.accessLog.flush();
    await s.app.services.recommendationLog.flush();
    const hits = await findEverywhere(s.app.db.dataSource, SCHEMAS, victim);
    const tables = new Set(hits.map((h) => `${h.schema}.${h.table}`));
    for (const t of [
      "learner",
      "learner_profile",
      "consent",
      "learner_attribute",
      "enrollment",
      "attempt",
      "learner_state",
      "learner_state_staged",
      "goal",
      "learning_path",
      "model_version_learner",
      "job_run",
      "access_log",
      "recommendation_log",
    ])
      expect(tables).toContain(`public.${t}`);
    expect(tables).toContain("pgboss.job");
    // What the receipt must count, read independently of the erasure's own statements.
    expected = {
      learner: 1,
      learner_profile: await count(`learner_profile WHERE learner_id = $1`, [victim]),
      consent: await count(`consent WHERE learner_id = $1`, [victim]),
      learner_attribute: await count(`learner_attribute WHERE learner_id = $1`, [victim]),
      enrollment: await count(`enrollment WHERE learner_id = $1`, [victim]),
      attempt: await count(`attempt WHERE learner_id = $1`, [victim]),
      learner_state: 1,
      learner_state_staged: await count(`learner_state_staged WHERE learner_id = $1`, [victim]),
      goal: await count(`goal WHERE learner_id = $1`, [victim]),
      goal_skill: await count(`goal_skill gs JOIN goal g ON g.id = gs.goal_id WHERE g.learner_id = $1`, [victim]),
      learning_path: await count(`learning_path WHERE learner_id = $1`, [victim]),
      path_step: await count(`path_step ps JOIN learning_path p ON p.id = ps.path_id WHERE p.learner_id = $1`, [victim]),
      model_version_learner: 2,
      job_run: 1,
      "pgboss.job": 1,
      access_log: await count(`access_log WHERE learner_id = $1`, [victim]),
      recommendation_log: await count(`recommendation_log WHERE learner_id = $1`, [victim]),
    };
    for (const [t, n] of Object.entries(expected)) if (t !== "learner") expect([t, n > 0]).toEqual([t, true]);
    before = await fingerprints(s.app.db.dataSource, [demo.schoolId], victim, {
      drop: { model_version: ["erased_learners", "updated_at"] },
      alsoExcept: THROUGH,
    });
  });

  test("roles other than admin are FORBIDDEN and nothing is written", async () => {
    for (const role of [Role.Service, Role.Analyst]) {
      const token = await s.token({ schoolId: demo.schoolId, role });
      expect(codeOf(await s.gql(ERASE, { l: victim }, token))).toBe("FORBIDDEN");
    }
    const teacher = await s.token({ schoolId: demo.schoolId, role: Role.Teacher, teacherId: demo.teacherId });
    expect(codeOf(await s.gql(ERASE, { l: victim }, teacher))).toBe("FORBIDDEN");
    const self = await s.token({ schoolId: demo.schoolId, role: Role.Learner, learnerId: victim });
    expect(codeOf(await s.gql(ERASE, { l: victim }, self))).toBe("FORBIDDEN");
    expect(await count(`learner WHERE id = $1`, [victim])).toBe(1);
    expect(await count(`erasure_receipt WHERE school_id = $1`, [demo.schoolId])).toBe(0);
  });

  test("erases: the receipt counts every table, lists the versions to retrain and holds no personal data", async () => {
    const r = await s.gql(ERASE, { l: victim }, admin);
    expect(r.errors).toBeUndefined();
    receipt = r.data.eraseLearner;
    const counted: Record<string, number> = Object.fromEntries(receipt.rows.map((x: { table: string; rows: number }) => [x.table, x.rows]));
    // Every table the erasure visited is listed (a table added later with a learner_id column too, with 0 here).
    expect(Object.fromEntries(Object.keys(expected).map((t) => [t, counted[t]]))).toEqual(expected);
    for (const t of Object.keys(counted)) if (!(t in expected)) expect([t, counted[t]]).toEqual([t, 0]);
    const tables = receipt.rows.map((x: { table: string }) => x.table);
    expect(tables).toEqual([...tables].sort());
    expect(receipt.modelsToRetrain).toEqual(versionsOfVictim);
    expect(versionsOfVictim).toHaveLength(2);
    expect(receipt.erasedBy).toBe("admin-erasure");
    expect(receipt.learnerHash).toBe(createHmac("sha256", s.app.services.deps.erasureKey!).update(victim).digest("hex"));
    // No personal data: neither the id nor the learner's names, e-mail or external reference.
    const text = JSON.stringify(receipt).toLowerCase();
    expect(text).not.toContain(victim);
    expect(text).not.toContain(victim.replaceAll("-", ""));
    expect(text).not.toContain("@example.invalid");
    expect(text).not.toMatch(/demo-\d{3}/);
  });

  test("after: no column of any table of the live catalogue holds the learner's id", async () => {
    expect(await findEverywhere(s.app.db.dataSource, SCHEMAS, victim)).toEqual([]);
  });

  test("other learners' rows are untouched; the versions trained on it are marked", async () => {
    const after = await fingerprints(s.app.db.dataSource, [demo.schoolId], victim, {
      drop: { model_version: ["erased_learners", "updated_at"] },
      alsoExcept: THROUGH,
    });
    const changed = [...after.keys()].filter((t) => after.get(t) !== before.get(t));
    expect(changed).toEqual(["erasure_receipt"]);
    const marked = await s.gql(`{ modelVersions(first: 10) { nodes { id erasedLearners } } }`, {}, admin);
    const erased = new Map(marked.data.modelVersions.nodes.map((n: { id: string; erasedLearners: number }) => [n.id, n.erasedLearners]));
    expect(erased.size).toBe(2);
    for (const v of versionsOfVictim) expect(erased.get(v.modelVersionId)).toBe(1);
  });

  test("the next retraining cannot see the learner", async () => {
    const snapshot = await snapshotTrainingSet(s.app.db.dataSource.manager, demo.schoolId, NOW);
    expect(snapshot.sequences.has(victim)).toBe(false);
    expect(snapshot.sequences.size).toBeGreaterThan(20);
  });

  test("a version trained on the erased learner is refused by the privacy gate, and not rolled back to", async () => {
    const switching = s.app.services.modelSwitch;
    const refused = await switching.promote(demo.schoolId, candidateId);
    expect(refused.switched).toBe(false);
    const privacy = refused.gates!.find((g) => g.gate === "privacy")!;
    expect(privacy.passed).toBe(false);
    expect(privacy.detail).toMatch(/ERASURE: .*trained on 1 learner\(s\) erased since/);
    // Promoted over the refusal (an admin's recorded reason), the former active version — trained on the learner too — is not rolled back to.
    const over = await switching.promote(demo.schoolId, candidateId, {
      override: { reason: "test: the rollback refusal", by: "admin-erasure", at: NOW.toISOString() },
    });
    expect(over.switched).toBe(true);
    const r = await s.gql(`mutation { rollbackModel { id } }`, {}, admin);
    expect(codeOf(r)).toBe("CONFLICT");
    expect(r.errors![0]!.message).toMatch(/erased since/);
    const [previous] = await q(`SELECT id FROM model_version WHERE school_id = $1 AND status = 'RETIRED'`, [demo.schoolId]);
    const job = await switching.rollback(demo.schoolId, previous.id);
    expect(job).toMatchObject({ switched: false, reason: expect.stringMatching(/erased since/) });
  });

  test("erasing again returns the same receipt and writes nothing", async () => {
    const receipts = await count(`erasure_receipt`, []);
    const again = await s.gql(ERASE, { l: victim }, admin);
    expect(again.errors).toBeUndefined();
    expect(again.data.eraseLearner).toEqual(receipt);
    expect(await count(`erasure_receipt`, [])).toBe(receipts);
    const versions = await q(`SELECT erased_learners FROM model_version WHERE id = ANY($1)`, [
      versionsOfVictim.map((v) => v.modelVersionId),
    ]);
    expect(versions.map((v: { erased_learners: number }) => v.erased_learners)).toEqual([1, 1]);
  });

  test("an unknown learner, another school's, or an erased one asked by another school: NOT_FOUND, nothing written", async () => {
    const other = await s.newSchool("Erasure elsewhere");
    const otherLearner = (await s.gql(`mutation { createLearner(input: { externalRef: "x-1" }) { id } }`, {}, other.admin)).data
      .createLearner.id;
    const schools = [demo.schoolId, other.schoolId];
    // createLearner's access-log row is written after its answer: flushed now, not between the two fingerprints.
    await s.app.services.accessLog.flush();
    const snapshot = await fingerprints(s.app.db.dataSource, schools, "-none-");
    expect(codeOf(await s.gql(ERASE, { l: "0190ffff-0000-7000-8000-00000000dead" }, admin))).toBe("NOT_FOUND");
    expect(codeOf(await s.gql(ERASE, { l: otherLearner }, admin))).toBe("NOT_FOUND");
    expect(codeOf(await s.gql(ERASE, { l: demo.learnerIds.find((l) => l !== victim) }, other.admin))).toBe("NOT_FOUND");
    expect(codeOf(await s.gql(ERASE, { l: victim }, other.admin))).toBe("NOT_FOUND");
    expect(codeOf(await s.gql(ERASE, { l: "not-a-uuid" }, admin))).toBe("BAD_USER_INPUT");
    expect(await fingerprints(s.app.db.dataSource, schools, "-none-")).toEqual(snapshot);
  });
});
