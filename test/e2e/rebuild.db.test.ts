/**
 * Learner states under a new model: the batch rebuild after a promotion, its resumability, and the
 * equivalence of the online path (one attempt at a time) with a replay of the whole history.
 */
import { seedDemo, DemoSchool } from "../../src/services/demo/demo-seed.js";
import { ModelStatus } from "../../src/persistence/model/model-version.entity.js";
import { Role } from "../../src/services/auth/actor.js";
import { ModelVersion } from "../../src/persistence/model/model-version.entity.js";
import { loadVersion } from "../../src/services/personalisation/active-models.js";
import { RetrainService } from "../../src/services/training/retrain.service.js";
import { ModelSwitchService } from "../../src/services/training/model-switch.service.js";
import { startTestServer, TestServer } from "../support/test-server.js";
import { isEvaluationLearner } from "../../src/engine/evaluation-set.js";
import { evaluationRule } from "../../src/services/training/comparison-set.js";

const NOW = new Date("2026-11-01T12:00:00Z");
let s: TestServer;
let demo: DemoSchool;
beforeAll(async () => {
  s = await startTestServer();
  demo = await seedDemo(s.app.db.dataSource, s.app.services.deps.cipher, NOW, { learners: 40, seed: 9, idLabel: "rebuild" });
  await s.app.services.training.trainAndPublish(demo.schoolId, { seed: 1, cutoff: NOW, kind: "pfa" });
}, 180_000);
afterAll(async () => {
  await s?.stop();
});

const q = (sql: string, params: unknown[] = []) => s.app.db.dataSource.query(sql, params);
const consenting = () => demo.learnerIds.filter((id) => id !== demo.noConsentLearnerId);
const adminToken = () => s.token({ schoolId: demo.schoolId, role: Role.Admin });
const firstTask = async (admin: string): Promise<string> =>
  (await s.gql(`{ tasks(first: 1) { nodes { id } } }`, {}, admin)).data.tasks.nodes[0].id;
/** One attempt of the learner on the school's first task, now, over GraphQL. */
const recordOne = async (admin: string, learnerId: string, idempotencyKey: string, correct = true) =>
  s.gql(
    `mutation($i: RecordAttemptInput!) { recordAttempt(input: $i) { mastery { skillId } } }`,
    { i: { learnerId, taskId: await firstTask(admin), correct, idempotencyKey } },
    admin,
  );
const setPersonalisationConsent = (admin: string, learnerId: string, granted: boolean) =>
  s.gql(
    `mutation($l: UUID!, $g: Boolean!) { setConsent(learnerId: $l, purpose: PERSONALISATION, granted: $g, grantedBy: GUARDIAN) { granted } }`,
    { l: learnerId, g: granted },
    admin,
  );

test("after a promotion every consenting learner's state is rebuilt under the new version; a second run finds nothing left", async () => {
  const v2 = await s.app.services.training.trainAndPublish(demo.schoolId, { seed: 2, cutoff: NOW, kind: "pfa", activate: false });
  // Switch without rebuilding, as a crash right after the switch would leave it.
  await q(`UPDATE model_version SET status = $2 WHERE school_id = $1 AND status = $3`, [
    demo.schoolId,
    ModelStatus.Retired,
    ModelStatus.Active,
  ]);
  await q(`UPDATE model_version SET status = $2, activated_at = now() WHERE id = $1`, [v2.id, ModelStatus.Active]);
  s.app.services.activeModels.invalidate(demo.schoolId);
  expect(await s.app.services.training.rebuildStates(demo.schoolId)).toBe(consenting().length);
  const states = await q(`SELECT learner_id, model_version_id, attempt_count FROM learner_state WHERE school_id = $1`, [demo.schoolId]);
  const counts = new Map(
    (await q(`SELECT learner_id, count(*)::int AS n FROM attempt WHERE school_id = $1 GROUP BY learner_id`, [demo.schoolId])).map(
      (r: any) => [r.learner_id, r.n],
    ),
  );
  for (const st of states) {
    if (st.learner_id === demo.noConsentLearnerId) expect(st.model_version_id).toBeNull();
    else {
      expect(st.model_version_id).toBe(v2.id);
      expect(st.attempt_count).toBe(counts.get(st.learner_id));
    }
  }
  expect(await s.app.services.training.rebuildStates(demo.schoolId)).toBe(0);
});

test("online updates one attempt at a time give the same mastery as replaying the history", async () => {
  const learner = consenting()[3]!;
  const admin = await s.token({ schoolId: demo.schoolId, role: Role.Admin });
  const tasks = (await s.gql(`{ tasks(first: 5) { nodes { id } } }`, {}, admin)).data.tasks.nodes.map((t: any) => t.id);
  for (const [i, taskId] of tasks.entries()) {
    const r = await s.gql(
      `mutation($i: RecordAttemptInput!) { recordAttempt(input: $i) { mastery { skillId } } }`,
      {
        i: {
          learnerId: learner,
          taskId,
          correct: i % 2 === 0,
          occurredAt: new Date(NOW.getTime() + (i + 1) * 60_000).toISOString(),
          idempotencyKey: `online-${i}`,
        },
      },
      admin,
    );
    expect(r.errors).toBeUndefined();
    expect(r.data.recordAttempt.mastery.length).toBeGreaterThan(0);
  }
  const online = await q(`SELECT skill_id, mastery FROM skill_mastery WHERE learner_id = $1 ORDER BY skill_id`, [learner]);
  const onlineState = (await q(`SELECT state::jsonb AS state FROM learner_state WHERE learner_id = $1`, [learner]))[0].state;
  await s.app.db.dataSource.transaction((m) => s.app.services.training.learnerModel.rebuildMany(m, demo.schoolId, [learner]));
  const replayed = await q(`SELECT skill_id, mastery FROM skill_mastery WHERE learner_id = $1 ORDER BY skill_id`, [learner]);
  const replayedState = (await q(`SELECT state::jsonb AS state FROM learner_state WHERE learner_id = $1`, [learner]))[0].state;
  expect(replayedState).toEqual(onlineState);
  expect(replayed.map((r: any) => r.skill_id)).toEqual(online.map((r: any) => r.skill_id));
  replayed.forEach((r: any, i: number) => {
    expect(r.mastery).toBeCloseTo(online[i].mastery, 12);
  });
});

test("a rebuild re-estimates mastery but keeps each skill's trend (it moves with attempts only) and the entries of skills it did not touch", async () => {
  const learner = consenting()[3]!; // has online attempts (the test above): trends are not all 0
  const OTHER_SKILL = "0190ffff-0000-7000-8000-0000000000aa";
  await q(
    `UPDATE learner_state SET mastery = mastery || jsonb_build_object($2::text, '[0.5, 0.25, 3, 0.125, 1700000000000]'::jsonb) WHERE learner_id = $1`,
    [learner, OTHER_SKILL],
  );
  const stored = async () =>
    (await q(`SELECT mastery FROM learner_state WHERE learner_id = $1`, [learner]))[0].mastery as Record<string, number[]>;
  const before = await stored();
  expect(Object.values(before).some((e) => e[3] !== 0)).toBe(true);
  const t0 = Date.now();
  await s.app.db.dataSource.transaction((m) => s.app.services.training.learnerModel.rebuildMany(m, demo.schoolId, [learner]));
  const after = await stored();
  expect(Object.keys(after).sort()).toEqual(Object.keys(before).sort());
  expect(after[OTHER_SKILL]).toEqual(before[OTHER_SKILL]);
  for (const [skill, entry] of Object.entries(after)) {
    if (skill === OTHER_SKILL) continue;
    expect(entry[3]).toBe(before[skill]![3]); // the trend, exactly
    expect(entry[0]).toBeCloseTo(before[skill]![0]!, 12); // the same model: the same estimate
    expect(entry[4]).toBeGreaterThanOrEqual(t0); // re-estimated now
  }
  await q(`UPDATE learner_state SET mastery = mastery - $2::text WHERE learner_id = $1`, [learner, OTHER_SKILL]);
});

test("the skill_mastery view (BI) shows the same figures as GraphQL's Learner.mastery and mastery query", async () => {
  const learner = consenting()[3]!; // has a rebuilt state and online attempts (the test above)
  const admin = await s.token({ schoolId: demo.schoolId, role: Role.Admin });
  const view: {
    skill_id: string;
    school_id: string;
    mastery: number;
    uncertainty: number;
    attempts: number;
    trend: number;
    updated_at: Date;
  }[] = await q(`SELECT skill_id, school_id, mastery, uncertainty, attempts, trend, updated_at FROM skill_mastery WHERE learner_id = $1`, [
    learner,
  ]);
  expect(view.length).toBeGreaterThan(1);
  const byId = new Map(view.map((v) => [v.skill_id, v]));
  const r = await s.gql(
    `query($l: UUID!) { learner(id: $l) { mastery { skill { id } mastery uncertainty attempts trend updatedAt } }
                        mastery(learnerId: $l) { personalisation skills { skill { id } mastery uncertainty attempts trend } } }`,
    { l: learner },
    admin,
  );
  expect(r.errors).toBeUndefined();
  const field = r.data.learner.mastery as {
    skill: { id: string };
    mastery: number;
    uncertainty: number;
    attempts: number;
    trend: number;
    updatedAt: string;
  }[];
  expect(field.map((m) => m.skill.id).sort()).toEqual([...byId.keys()].sort());
  for (const m of field) {
    const v = byId.get(m.skill.id)!;
    expect(v.school_id).toBe(demo.schoolId);
    expect([m.mastery, m.uncertainty, m.attempts, m.trend]).toEqual([v.mastery, v.uncertainty, v.attempts, v.trend]);
    expect(Date.parse(m.updatedAt)).toBe(new Date(v.updated_at).getTime());
  }
  // The mastery query estimates from the learner's current state: the stored figures are that state's.
  expect(r.data.mastery.personalisation).toBe("PERSONALISED");
  const estimated = (
    r.data.mastery.skills as { skill: { id: string }; mastery: number; uncertainty: number; attempts: number; trend: number }[]
  ).filter((e) => e.attempts > 0);
  expect(estimated.map((e) => e.skill.id).sort()).toEqual([...byId.keys()].sort());
  for (const e of estimated) {
    const v = byId.get(e.skill.id)!;
    expect(e.mastery).toBeCloseTo(v.mastery, 12);
    expect(e.uncertainty).toBeCloseTo(v.uncertainty, 12);
    expect([e.attempts, e.trend]).toEqual([v.attempts, v.trend]);
  }
  // Trends moved with the online attempts (not all zero), so the comparison above is not vacuous.
  expect(view.some((v) => v.trend !== 0)).toBe(true);
});

test("a stored state tagged by another build of the model is replayed, never an internal error", async () => {
  const learner = consenting()[5]!;
  await q(`UPDATE learner_state SET state = jsonb_set(state::jsonb, '{model}', '"pfa:another-build"')::text WHERE learner_id = $1`, [
    learner,
  ]);
  expect(await s.app.services.training.rebuildStates(demo.schoolId)).toBe(1);
  await q(`UPDATE learner_state SET state = jsonb_set(state::jsonb, '{model}', '"pfa:another-build"')::text WHERE learner_id = $1`, [
    learner,
  ]);
  const admin = await s.token({ schoolId: demo.schoolId, role: Role.Admin });
  const task = (await s.gql(`{ tasks(first: 1) { nodes { id } } }`, {}, admin)).data.tasks.nodes[0].id;
  const rec = await s.gql(
    `query($l: UUID!) { recommendations(learnerId: $l, count: 2) { personalisation items { task { id } } } }`,
    { l: learner },
    admin,
  );
  expect(rec.errors).toBeUndefined();
  expect(rec.data.recommendations.personalisation).toBe("PERSONALISED");
  const r = await s.gql(
    `mutation($i: RecordAttemptInput!) { recordAttempt(input: $i) { mastery { skillId } } }`,
    { i: { learnerId: learner, taskId: task, correct: true, idempotencyKey: "after-retag" } },
    admin,
  );
  expect(r.errors).toBeUndefined();
  expect(r.data.recordAttempt.mastery.length).toBeGreaterThan(0);
  const [row] = await q(`SELECT state::jsonb->>'model' AS tag FROM learner_state WHERE learner_id = $1`, [learner]);
  expect(row.tag).not.toBe("pfa:another-build");
});

test("an attempt that got the learner's lock after a consent withdrawal (its consent read before it) writes nothing personal", async () => {
  const learner = consenting()[15]!;
  const admin = await adminToken();
  const consent = (granted: boolean) => setPersonalisationConsent(admin, learner, granted);
  expect((await consent(false)).errors).toBeUndefined();
  const [row] = await q(
    `SELECT model_version_id, state::jsonb AS state, attempt_count, mastery, last_attempt_at FROM learner_state WHERE learner_id = $1`,
    [learner],
  );
  expect(row.state).toEqual({});
  // The row as the lock statement returns it when its snapshot predates the withdrawal: consent still granted.
  const locked = { ...row, consent: true };
  const task = await firstTask(admin);
  const changes = await s.app.db.dataSource.transaction((m) =>
    s.app.services.training.learnerModel.applyAttempts(m, demo.schoolId, learner, locked, [
      { taskId: task, correct: true, occurredAt: new Date() },
    ]),
  );
  expect(changes).toEqual([]);
  const [after] = await q(
    `SELECT model_version_id, state::jsonb AS state, mastery, attempt_count FROM learner_state WHERE learner_id = $1`,
    [learner],
  );
  expect(after).toEqual({ model_version_id: null, state: {}, mastery: {}, attempt_count: row.attempt_count + 1 });
  expect((await consent(true)).errors).toBeUndefined();
});

test("a batch's update saves the consenting learners' states in one statement and only counts one whose consent was withdrawn after its lock", async () => {
  const [withdrawn, consents] = [consenting()[16]!, consenting()[17]!];
  const admin = await adminToken();
  const ROW = `SELECT model_version_id, state::jsonb AS state, attempt_count, mastery, last_attempt_at, version FROM learner_state WHERE learner_id = $1`;
  // Both rows as the lock statement returns them when its snapshot predates the withdrawal (consent granted, the state kept).
  const [rowW, rowC] = [(await q(ROW, [withdrawn]))[0], (await q(ROW, [consents]))[0]];
  expect(rowW.model_version_id).toBe(rowC.model_version_id);
  expect((await setPersonalisationConsent(admin, withdrawn, false)).errors).toBeUndefined();
  try {
    await applyToBoth();
  } finally {
    expect((await setPersonalisationConsent(admin, withdrawn, true)).errors).toBeUndefined();
  }
  async function applyToBoth() {
    const task = await firstTask(admin);
    const at = (ms: number) => ({ taskId: task, correct: true, occurredAt: new Date(Date.now() + ms) });
    const rollback = new Error("rolled back: the test writes no attempt rows");
    await s.app.services.activeModels.get(demo.schoolId); // the active model checked now: no statement of its own below
    const before = s.app.db.queries.count;
    let seen: { changes: Map<string, unknown[]>; w: any; c: any; statements: number } | undefined;
    await expect(
      s.app.db.dataSource.transaction(async (m) => {
        const changes = await s.app.services.training.learnerModel.applyMany(m, demo.schoolId, [
          { learnerId: withdrawn, row: { ...rowW, consent: true }, attempts: [at(0)] },
          { learnerId: consents, row: { ...rowC, consent: true }, attempts: [at(1000), at(0)] },
        ]);
        const statements = s.app.db.queries.count - before;
        seen = { changes, w: (await m.query(ROW, [withdrawn]))[0], c: (await m.query(ROW, [consents]))[0], statements };
        throw rollback;
      }),
    ).rejects.toBe(rollback);
    // BEGIN, the skills of the batch's tasks (no curriculum given), the save of both states (one
    // statement), the count of the withdrawn learner's attempt; a statement per learner would be more.
    expect(seen!.statements).toBe(4);
    expect([...seen!.changes.keys()]).toEqual([consents]);
    expect(seen!.changes.get(consents)!.length).toBeGreaterThan(0);
    expect(seen!.w).toMatchObject({ model_version_id: null, state: {}, mastery: {}, attempt_count: rowW.attempt_count + 1 });
    expect(seen!.c.attempt_count).toBe(rowC.attempt_count + 2);
    expect(seen!.c.version).toBe(rowC.version + 1);
    expect(seen!.c.model_version_id).toBe(rowC.model_version_id);
    expect(seen!.c.state).not.toEqual(rowC.state);
    expect((await q(ROW, [consents]))[0]).toEqual(rowC);
  }
});

describe("a switch of the active version rebuilds the states first (stage, switch, catch up)", () => {
  const states = () => s.app.services.training.states;
  const activeId = async () =>
    (await q(`SELECT id FROM model_version WHERE school_id = $1 AND status = 'ACTIVE'`, [demo.schoolId]))[0].id as string;
  const stateRows = async () =>
    new Map<string, { model_version_id: string | null; version: number; attempt_count: number; state: unknown }>(
      (
        await q(
          `SELECT learner_id, model_version_id, version, attempt_count, state::jsonb AS state FROM learner_state WHERE school_id = $1`,
          [demo.schoolId],
        )
      ).map((r: any) => [r.learner_id, r]),
    );
  const target = async (versionId: string) =>
    loadVersion(await s.app.db.dataSource.getRepository(ModelVersion).findOneByOrFail({ id: versionId }));

  test("a switch stages a learner whose attempt arrived after an earlier staging run, and adopts everyone", async () => {
    const v = await s.app.services.training.trainAndPublish(demo.schoolId, { seed: 5, cutoff: NOW, kind: "pfa", activate: false });
    expect(await states().stage(demo.schoolId, await target(v.id))).toBe(consenting().length);
    const learner = consenting()[11]!;
    const r = await recordOne(await adminToken(), learner, "between-runs", false);
    expect(r.errors).toBeUndefined();
    expect(await states().switchTo(demo.schoolId, v.id)).toEqual({ staged: 1, adopted: consenting().length, caughtUp: 0 });
    expect(await activeId()).toBe(v.id);
  });

  test("staging leaves the active model and its states serving; an attempt during staging is applied once, by the catch-up", async () => {
    const before = await activeId();
    await states().rebuildActive(demo.schoolId);
    const v = await s.app.services.training.trainAndPublish(demo.schoolId, { seed: 3, cutoff: NOW, kind: "pfa", activate: false });
    expect(v.status).toBe(ModelStatus.Candidate);
    const rowsBefore = await stateRows();
    expect(await states().stage(demo.schoolId, await target(v.id))).toBe(consenting().length);
    // Staged, not switched: the same active version, the same state rows.
    expect(await activeId()).toBe(before);
    expect(await stateRows()).toEqual(rowsBefore);
    // Staging again finds every staged state current: nothing to do (a resumed run skips them).
    expect(await states().stage(demo.schoolId, await target(v.id))).toBe(0);
    // An attempt arrives during the staging: under the active model, bumping the learner's row version.
    const learner = consenting()[7]!;
    const r = await recordOne(await adminToken(), learner, "during-staging");
    expect(r.errors).toBeUndefined();
    // The switch itself (its staging already done): the changed learner is not adopted but caught up.
    expect(await states().commit(demo.schoolId, v)).toEqual({ adopted: consenting().length - 1, caughtUp: 1 });
    expect(await activeId()).toBe(v.id);
    expect((await q(`SELECT count(*)::int AS n FROM learner_state_staged WHERE school_id = $1`, [demo.schoolId]))[0].n).toBe(0);
    const after = await stateRows();
    const counts = new Map(
      (await q(`SELECT learner_id, count(*)::int AS n FROM attempt WHERE school_id = $1 GROUP BY learner_id`, [demo.schoolId])).map(
        (x: any) => [x.learner_id, x.n],
      ),
    );
    for (const id of consenting()) {
      expect(after.get(id)!.model_version_id).toBe(v.id);
      expect(after.get(id)!.attempt_count).toBe(counts.get(id));
    }
    // The learner caught up holds exactly the replay of its history (the new attempt once).
    const caught = after.get(learner)!.state;
    await s.app.db.dataSource.transaction((m) => s.app.services.training.learnerModel.rebuildMany(m, demo.schoolId, [learner]));
    expect((await stateRows()).get(learner)!.state).toEqual(caught);
    // An adopted learner's state is the replay under the new version too.
    const other = consenting()[2]!;
    const adopted = after.get(other)!.state;
    await s.app.db.dataSource.transaction((m) => s.app.services.training.learnerModel.rebuildMany(m, demo.schoolId, [other]));
    expect((await stateRows()).get(other)!.state).toEqual(adopted);
  });

  test("between the switch and a learner's adoption, reads and attempts replay under the new model; finishing the switch adopts the rest", async () => {
    await states().rebuildActive(demo.schoolId);
    // Another kind of model: its estimates differ from the active (pfa) model's.
    const v = await s.app.services.training.trainAndPublish(demo.schoolId, { seed: 8, cutoff: NOW, kind: "bkt", activate: false });
    expect(await states().stage(demo.schoolId, await target(v.id))).toBe(consenting().length);
    // The switch transaction committed and the process died before adopting anything.
    await q(`UPDATE model_version SET status = $2 WHERE school_id = $1 AND status = $3`, [
      demo.schoolId,
      ModelStatus.Retired,
      ModelStatus.Active,
    ]);
    await q(`UPDATE model_version SET status = $2, activated_at = now() WHERE id = $1`, [v.id, ModelStatus.Active]);
    s.app.services.activeModels.invalidate(demo.schoolId);
    const admin = await adminToken();
    const [reader, writer] = [consenting()[3]!, consenting()[4]!];
    // The mastery query estimates from the learner's state (Learner.mastery shows the stored figures, as BI does).
    const masteryOf = async (learnerId: string) => {
      const r = await s.gql(
        `query($l: UUID!) { mastery(learnerId: $l) { personalisation skills { skill { id } mastery uncertainty attempts } } }`,
        { l: learnerId },
        admin,
      );
      expect(r.errors).toBeUndefined();
      return r.data.mastery;
    };
    // Not adopted yet: the row still holds the previous version's state; a read replays it under the new model.
    expect((await stateRows()).get(reader)!.model_version_id).not.toBe(v.id);
    const during = await masteryOf(reader);
    expect(during.personalisation).toBe("PERSONALISED");
    // An attempt in the window: replayed under the new model and applied once; its row is not adopted over it.
    // The change it reports is measured from the new model's estimate before it, not from the stored
    // figures (the previous model's).
    const estimateBefore = new Map<string, number>((await masteryOf(writer)).skills.map((e: any) => [e.skill.id, e.mastery]));
    const r = await s.gql(
      `mutation($i: RecordAttemptInput!) { recordAttempt(input: $i) { mastery { skillId mastery delta } } }`,
      { i: { learnerId: writer, taskId: await firstTask(admin), correct: true, idempotencyKey: "between-switch-and-adoption" } },
      admin,
    );
    expect(r.errors).toBeUndefined();
    const changes = r.data.recordAttempt.mastery as { skillId: string; mastery: number; delta: number }[];
    expect(changes.length).toBeGreaterThan(0);
    for (const c of changes) {
      expect(c.delta).toBeCloseTo(c.mastery - estimateBefore.get(c.skillId)!, 12);
      expect(c.delta).toBeGreaterThan(0); // a correct answer
    }
    const written = (await stateRows()).get(writer)!;
    expect(written.model_version_id).toBe(v.id);
    // Finishing the switch (as a retry does) adopts every other staged state and catches up no one.
    expect(await states().commit(demo.schoolId, v)).toEqual({ adopted: consenting().length - 1, caughtUp: 0 });
    expect((await q(`SELECT count(*)::int AS n FROM learner_state_staged WHERE school_id = $1`, [demo.schoolId]))[0].n).toBe(0);
    const after = await stateRows();
    for (const id of consenting()) expect(after.get(id)!.model_version_id).toBe(v.id);
    // The read in the window answered what the adopted state answers now.
    expect(await masteryOf(reader)).toEqual(during);
    // The attempt's learner: its state is exactly the replay of its history (the attempt once), untouched by the adoption.
    expect(after.get(writer)).toEqual(written);
    const counts = new Map(
      (await q(`SELECT learner_id, count(*)::int AS n FROM attempt WHERE school_id = $1 GROUP BY learner_id`, [demo.schoolId])).map(
        (x: any) => [x.learner_id, x.n],
      ),
    );
    expect(written.attempt_count).toBe(counts.get(writer));
    await s.app.db.dataSource.transaction((m) => s.app.services.training.learnerModel.rebuildMany(m, demo.schoolId, [writer]));
    expect((await stateRows()).get(writer)!.state).toEqual(written.state);
  });

  test("a retraining that crashed while promoting is resumed by its retry: the same candidate, its staged states kept", async () => {
    const before = await activeId();
    const versions = async () =>
      (await q(`SELECT count(*)::int AS n FROM model_version WHERE school_id = $1`, [demo.schoolId]))[0].n as number;
    const n0 = await versions();
    const run = { kind: "pfa", seed: 6, cutoff: NOW, runId: "job-crash-1" };
    // No gates: this is about resuming a promotion (the gates have their own tests, jobs.db.test.ts).
    const retraining = new RetrainService(s.app.services.deps, s.app.services.activeModels, s.app.services.training, []);
    // Killed after staging every learner, before the switch (the last staging batch reports 0.995).
    await expect(
      retraining.retrain(demo.schoolId, {
        ...run,
        onProgress: (f) => {
          if (f > 0.99 && f < 1) throw new Error("worker killed");
        },
      }),
    ).rejects.toThrow("worker killed");
    expect(await activeId()).toBe(before);
    expect(await versions()).toBe(n0 + 1);
    const [candidate] = await q(`SELECT id, status FROM model_version WHERE school_id = $1 ORDER BY version DESC LIMIT 1`, [demo.schoolId]);
    expect(candidate.status).toBe(ModelStatus.Candidate);
    expect((await q(`SELECT count(*)::int AS n FROM learner_state_staged WHERE model_version_id = $1`, [candidate.id]))[0].n).toBe(
      consenting().length,
    );
    // The retry (same run id) trains nothing new and switches to that candidate with the staged states.
    const r = await retraining.retrain(demo.schoolId, run);
    expect(r).toMatchObject({
      modelVersionId: candidate.id,
      promoted: true,
      status: ModelStatus.Active,
      states: { staged: 0, adopted: consenting().length, caughtUp: 0 },
    });
    expect(await versions()).toBe(n0 + 1);
    expect(await activeId()).toBe(candidate.id);
    // Another run id trains a new candidate as usual.
    // Killed after its switch (at its last progress report): the retry finds its version active and trains nothing.
    const killedLate = { ...run, runId: "job-killed-late" };
    await expect(
      retraining.retrain(demo.schoolId, {
        ...killedLate,
        onProgress: (f) => {
          if (f === 1) throw new Error("worker killed");
        },
      }),
    ).rejects.toThrow("worker killed");
    const late = (await q(`SELECT id FROM model_version WHERE school_id = $1 ORDER BY version DESC LIMIT 1`, [demo.schoolId]))[0].id;
    expect(await activeId()).toBe(late);
    expect(await retraining.retrain(demo.schoolId, killedLate)).toMatchObject({
      modelVersionId: late,
      promoted: true,
      states: { staged: 0, adopted: 0, caughtUp: 0 },
    });
    expect(await versions()).toBe(n0 + 2);
    const other = await retraining.retrain(demo.schoolId, { ...run, runId: "job-other" });
    expect(other.promoted).toBe(true);
    expect(other.modelVersionId).not.toBe(candidate.id);
  });

  test("a retraining whose candidate was judged against a model replaced while it waited for the switch lock does not promote it", async () => {
    const before = await activeId();
    const other = await s.app.services.training.trainAndPublish(demo.schoolId, { seed: 9, cutoff: NOW, kind: "pfa", activate: false });
    const retraining = new RetrainService(s.app.services.deps, s.app.services.activeModels, s.app.services.training, []);
    // Another switch holds the school's lock; it makes `other` active while the retraining waits for it.
    let release!: () => void;
    let waiting!: () => void;
    const isWaiting = new Promise<void>((r) => (waiting = r));
    const holder = s.app.services.training.switchLock.hold(demo.schoolId, {}, () => new Promise<void>((r) => (release = r)));
    const run = retraining.retrain(demo.schoolId, {
      kind: "pfa",
      seed: 10,
      cutoff: NOW,
      onProgress: (_f, msg) => {
        if (msg?.startsWith("waiting for another switch")) waiting();
      },
    });
    await isWaiting;
    await s.app.services.training.states.switchTo(demo.schoolId, other.id);
    release();
    await holder;
    const r = await run;
    expect(r).toMatchObject({ promoted: false, status: ModelStatus.Candidate });
    expect(r.reasons[0]).toMatch(/the active model changed/);
    expect(await activeId()).toBe(other.id);
    expect(other.id).not.toBe(before);
    const [row] = await q(`SELECT status, metrics->'comparedWith'->>'modelVersionId' AS judged FROM model_version WHERE id = $1`, [
      r.modelVersionId,
    ]);
    expect(row).toEqual({ status: ModelStatus.Candidate, judged: before });
  });

  test("a retry of a retraining whose switch another switch has replaced since leaves it so (and trains nothing new)", async () => {
    const before = await activeId();
    const retraining = new RetrainService(s.app.services.deps, s.app.services.activeModels, s.app.services.training, []);
    const run = { kind: "pfa", seed: 11, cutoff: NOW, runId: "job-replaced-later" };
    // Killed after its switch (at its last progress report).
    await expect(
      retraining.retrain(demo.schoolId, {
        ...run,
        onProgress: (f) => {
          if (f === 1) throw new Error("worker killed");
        },
      }),
    ).rejects.toThrow("worker killed");
    const mine = await activeId();
    expect(mine).not.toBe(before);
    // While the run is down, an admin's rollback switches back to the previous version.
    await s.app.services.training.states.switchTo(demo.schoolId, before);
    const versions = (await q(`SELECT count(*)::int AS n FROM model_version WHERE school_id = $1`, [demo.schoolId]))[0].n;
    const r = await retraining.retrain(demo.schoolId, run);
    expect(r).toMatchObject({ modelVersionId: mine, promoted: false, status: ModelStatus.Retired });
    expect(r.reasons[0]).toMatch(/another switch replaced it/);
    expect(await activeId()).toBe(before);
    expect((await q(`SELECT count(*)::int AS n FROM model_version WHERE school_id = $1`, [demo.schoolId]))[0].n).toBe(versions);
  });

  test("a promote-model run retried after another switch replaced the version it made active leaves it so; a new run may promote it again", async () => {
    const before = await activeId();
    const v = await s.app.services.training.trainAndPublish(demo.schoolId, { seed: 12, cutoff: NOW, kind: "pfa", activate: false });
    const switching = new ModelSwitchService(
      s.app.services.deps,
      s.app.services.activeModels,
      s.app.services.training,
      s.app.services.jobs,
      [],
    );
    expect(await switching.promote(demo.schoolId, v.id, { runId: "job-promote-x" })).toMatchObject({ switched: true, superseded: false });
    expect(await activeId()).toBe(v.id);
    await s.app.services.training.states.switchTo(demo.schoolId, before); // a rollback while run x is down
    expect(await switching.promote(demo.schoolId, v.id, { runId: "job-promote-x" })).toMatchObject({
      switched: true,
      superseded: true,
      states: null,
    });
    expect(await activeId()).toBe(before);
    expect(await switching.promote(demo.schoolId, v.id, { runId: "job-promote-y" })).toMatchObject({ switched: true, superseded: false });
    expect(await activeId()).toBe(v.id);
  });

  test("a retraining promotes its candidate when the active version's weights cannot be read (nothing to judge against)", async () => {
    const broken = await activeId();
    await q(`UPDATE model_version SET weights = '\\x00'::bytea WHERE id = $1`, [broken]);
    s.app.services.activeModels.invalidate(demo.schoolId);
    expect(await s.app.services.activeModels.get(demo.schoolId)).toBeNull();
    const retraining = new RetrainService(s.app.services.deps, s.app.services.activeModels, s.app.services.training, []);
    const r = await retraining.retrain(demo.schoolId, { kind: "pfa", seed: 13, cutoff: NOW });
    expect(r).toMatchObject({ promoted: true, status: ModelStatus.Active });
    expect(await activeId()).toBe(r.modelVersionId);
    expect((await q(`SELECT metrics->>'judgedAgainst' AS j FROM model_version WHERE id = $1`, [r.modelVersionId]))[0].j).toBe(broken);
  });

  test("a batch that runs after a learner withdrew consent (listed before) neither stages, adopts nor rebuilds its state", async () => {
    const v = await s.app.services.training.trainAndPublish(demo.schoolId, { seed: 7, cutoff: NOW, kind: "pfa", activate: false });
    const [x, y] = [consenting()[13]!, consenting()[14]!];
    const admin = await adminToken();
    const r = await setPersonalisationConsent(admin, x, false);
    expect(r.errors).toBeUndefined();
    const learnerModel = s.app.services.training.learnerModel;
    const t = await target(v.id);
    expect(await s.app.db.dataSource.transaction((m) => learnerModel.stageMany(m, t, demo.schoolId, [x, y]))).toBe(1);
    expect(
      (await q(`SELECT learner_id FROM learner_state_staged WHERE model_version_id = $1`, [v.id])).map((row: any) => row.learner_id),
    ).toEqual([y]);
    expect(await s.app.db.dataSource.transaction((m) => learnerModel.rebuildMany(m, demo.schoolId, [x]))).toBe(0);
    // A staged state that is current but whose learner no longer consents is not adopted either.
    await q(
      `INSERT INTO learner_state_staged (model_version_id, learner_id, school_id, source_version, state, mastery, attempt_count)
             SELECT $1, learner_id, school_id, version, '{"model":"leak"}'::jsonb, '{"s":[0.9,0.1,1,0,0]}'::jsonb, 1 FROM learner_state WHERE learner_id = $2`,
      [v.id, x],
    );
    await states().commit(demo.schoolId, v);
    const [row] = await q(`SELECT model_version_id, state::jsonb AS state, mastery FROM learner_state WHERE learner_id = $1`, [x]);
    expect(row).toEqual({ model_version_id: null, state: {}, mastery: {} });
    await setPersonalisationConsent(admin, x, true);
  });

  test("withdrawing consent to personalisation deletes the learner's staged state too", async () => {
    const v = await s.app.services.training.trainAndPublish(demo.schoolId, { seed: 4, cutoff: NOW, kind: "pfa", activate: false });
    expect(await states().stage(demo.schoolId, await target(v.id))).toBe(consenting().length);
    const learner = consenting()[9]!;
    const r = await setPersonalisationConsent(await adminToken(), learner, false);
    expect(r.errors).toBeUndefined();
    expect((await q(`SELECT count(*)::int AS n FROM learner_state_staged WHERE learner_id = $1`, [learner]))[0].n).toBe(0);
    expect((await q(`SELECT count(*)::int AS n FROM learner_state_staged WHERE model_version_id = $1`, [v.id]))[0].n).toBe(
      consenting().length - 1,
    );
    // The switch (staging again finds every other learner current) adopts the others; the withdrawn learner keeps no personal state.
    expect(await states().switchTo(demo.schoolId, v.id)).toEqual({ staged: 0, adopted: consenting().length - 1, caughtUp: 0 });
    const [row] = await q(`SELECT model_version_id, state::jsonb AS state, mastery FROM learner_state WHERE learner_id = $1`, [learner]);
    expect(row).toEqual({ model_version_id: null, state: {}, mastery: {} });
  });

  test("a switch recalibrates the tasks' difficulties under the version it makes active; switching back restores them", async () => {
    const difficulties = async () =>
      new Map<string, number | null>(
        (await q(`SELECT id, difficulty FROM task WHERE school_id = $1`, [demo.schoolId])).map((r: any) => [r.id, r.difficulty]),
      );
    const [{ id: previous }] = await q(`SELECT id FROM model_version WHERE school_id = $1 AND status = $2`, [
      demo.schoolId,
      ModelStatus.Active,
    ]);
    // An earlier test switched by SQL alone: a switch to the active version itself recalibrates it.
    await states().switchTo(demo.schoolId, previous);
    const underPrevious = await difficulties();
    expect([...underPrevious.values()].every((d) => typeof d === "number" && Number.isFinite(d))).toBe(true);

    const v = await s.app.services.training.trainAndPublish(demo.schoolId, { seed: 6, cutoff: NOW, kind: "irt", activate: false });
    expect(await difficulties()).toEqual(underPrevious); // a candidate calibrates nothing
    // The version keeps the tasks it was trained on: those of its snapshot (consenting learners' attempts up to the cutoff),
    // outside the school's evaluation set.
    const attempted: { learner_id: string; task_id: string }[] = await q(
      `SELECT DISTINCT a.learner_id, a.task_id FROM attempt a JOIN consent c ON c.learner_id = a.learner_id AND c.purpose = 'TRAINING' AND c.granted
       WHERE a.school_id = $1 AND a.occurred_at <= $2`,
      [demo.schoolId, NOW],
    );
    const rule = evaluationRule(demo.schoolId);
    const trained = [...new Set(attempted.filter((r) => !isEvaluationLearner(r.learner_id, rule)).map((r) => r.task_id))];
    const attemptedByAnyone = new Set(attempted.map((r) => r.task_id));
    expect(trained.length).toBeGreaterThan(5);
    const [{ trained_task_ids: kept }] = await q(`SELECT trained_task_ids FROM model_version WHERE id = $1`, [v.id]);
    expect([...kept].sort()).toEqual([...trained].sort());

    await states().switchTo(demo.schoolId, v.id);
    const underNew = await difficulties();
    // Each trained task: −logit of the new model's prediction for a learner never seen before.
    const model = (await target(v.id)).model;
    for (const taskId of trained) {
      const p = model.predict(model.initialState(), taskId);
      expect(underNew.get(taskId)).toBeCloseTo(-Math.log(p / (1 - p)), 9);
    }
    expect([...underNew].filter(([id, d]) => d !== underPrevious.get(id)).length).toBeGreaterThan(trained.length / 2);

    await states().switchTo(demo.schoolId, previous);
    expect(await difficulties()).toEqual(underPrevious);
    // A version published before the tasks were kept: they are approximated by every task a consenting learner
    // attempted up to its training cutoff (the evaluation learners' tasks too), each calibrated from the model.
    await q(`UPDATE model_version SET trained_task_ids = NULL WHERE id = $1`, [v.id]);
    await states().switchTo(demo.schoolId, v.id);
    const approximated = await difficulties();
    for (const [taskId, d] of approximated) {
      if (!attemptedByAnyone.has(taskId)) expect(d).toEqual(underNew.get(taskId));
      else {
        const p = model.predict(model.initialState(), taskId);
        expect(d).toBeCloseTo(-Math.log(p / (1 - p)), 9);
      }
    }
    await states().switchTo(demo.schoolId, previous);
  });
});
