/**
 * Statements become attempts (services/xapi/xapi-attempt-mapper.ts) over real HTTP: an attempt verb on a
 * task's Activity by a known (or, when the credential may, a new) learner is recorded as recordAttempt
 * records it — once, whatever the resends; what cannot map is kept with its reason; voiding removes the
 * attempt (and replays the learner's state); erasing the learner removes its statements and its agent link.
 */
import { createHash, randomUUID } from "node:crypto";
import { startTestServer, TestServer } from "../support/test-server.js";
import { type Actor, Role } from "../../src/services/auth/actor.js";
import { TaskKind } from "../../src/persistence/curriculum/task.entity.js";
import { createServices } from "../../src/services/index.js";
import { parseAttemptVerbs } from "../../src/services/xapi/statement-attempt.js";
import { SWEEP_EVERY_MS, XapiAttemptMapper } from "../../src/services/xapi/xapi-attempt-mapper.js";
import { AgentHashers } from "../../src/services/xapi/agent-identity.js";
import { xapiIndexKey } from "../../src/persistence/xapi/xapi-index-key.store.js";
import { decryptStatement } from "../../src/services/xapi/xapi-statement.service.js";

let s: TestServer;
let base: string;
let admin: Actor;
const ACTIVITY = "https://quiz.example/tasks/fractions-1";
beforeAll(async () => {
  s = await startTestServer();
  base = s.url.replace(/\/graphql$/, "/xapi");
  const { schoolId } = await s.newSchool("xAPI attempts");
  admin = { schoolId, role: Role.Admin, subject: "test" };
  const skill = await s.app.services.skills.create(admin, { code: "fractions", name: "Fractions" });
  await s.app.services.tasks.create(admin, {
    code: "fr-1",
    title: "Fractions 1",
    kind: TaskKind.Exercise,
    expectedDurationSeconds: 60,
    skills: [{ skillId: skill.id }],
    activityId: ACTIVITY,
  });
});
afterAll(async () => {
  await s?.stop();
});

async function client(createLearners: boolean) {
  const { credential, secret } = await s.app.services.xapiCredentials.issue(
    admin.schoolId,
    { label: "quiz", scope: "ALL", createLearners },
    "test",
  );
  const auth = `Basic ${Buffer.from(`${credential.key}:${secret}`).toString("base64")}`;
  return async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: auth, "x-experience-api-version": "1.0.3", "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, json: (await res.json().catch(() => undefined)) as any };
  };
}

const q = (sql: string, params: unknown[]) => s.app.db.dataSource.query(sql, params);
const mappingOf = async (id: string) =>
  (
    await q(`SELECT mapping, mapping_reason, learner_id, attempt_id FROM xapi_statement WHERE school_id = $1 AND id = $2`, [
      admin.schoolId,
      id,
    ])
  )[0];
const answered = (name: string, result: object | undefined, extra: object = {}) => ({
  actor: { account: { homePage: "https://quiz.example", name } },
  verb: { id: "http://adlnet.gov/expapi/verbs/answered" },
  object: { id: ACTIVITY },
  ...(result ? { result } : {}),
  timestamp: "2026-12-01T10:00:00Z",
  ...extra,
});

test("an answer by a new actor, with a credential that may create learners: a learner, an attempt, once", async () => {
  const send = await client(true);
  const id = randomUUID();
  const st = { ...answered("pupil-1", { success: true, duration: "PT1M30S", score: { scaled: 0.9 } }), id };
  expect((await send("POST", "/statements", st)).status).toBe(200);
  const mapped = await mappingOf(id);
  expect(mapped).toMatchObject({ mapping: "mapped", mapping_reason: null });
  const attempts = await q(
    `SELECT learner_id, correct, score, duration_seconds, occurred_at, source FROM attempt WHERE school_id = $1 AND idempotency_key = $2`,
    [admin.schoolId, `xapi:${id}`],
  );
  expect(attempts).toEqual([
    {
      learner_id: mapped.learner_id,
      correct: true,
      score: 0.9,
      duration_seconds: 90,
      occurred_at: new Date("2026-12-01T10:00:00Z"),
      source: "xapi",
    },
  ]);
  expect(mapped.attempt_id).toBeTruthy();
  // The same statement again, and a second answer by the same actor: one learner, two attempts.
  expect((await send("PUT", `/statements?statementId=${id}`, st)).status).toBe(204);
  const [second] = (
    await send("POST", "/statements", answered("pupil-1", undefined, { verb: { id: "http://adlnet.gov/expapi/verbs/failed" } }))
  ).json;
  expect((await mappingOf(second)).learner_id).toBe(mapped.learner_id);
  const all = await q(`SELECT correct FROM attempt WHERE learner_id = $1 ORDER BY created_at`, [mapped.learner_id]);
  expect(all).toEqual([{ correct: true }, { correct: false }]);
  // The learner is pseudonymous: no profile was made from the statement.
  expect(await q(`SELECT count(*)::int AS n FROM learner_profile WHERE learner_id = $1`, [mapped.learner_id])).toEqual([{ n: 0 }]);
});

test("what cannot map is kept with its reason; what is no attempt is ignored", async () => {
  const send = await client(false);
  const cases: [object, string, string | null][] = [
    [answered("stranger", { success: true }), "unmapped", "UNKNOWN_ACTOR"],
    [{ ...answered("stranger", { success: true }), object: { id: "https://quiz.example/tasks/unknown" } }, "unmapped", "UNKNOWN_ACTIVITY"],
    [answered("stranger", undefined), "unmapped", "NO_OUTCOME"],
    [
      { ...answered("stranger", { success: true }), verb: { id: "http://adlnet.gov/expapi/verbs/experienced" } },
      "ignored",
      "NOT_AN_ATTEMPT_VERB",
    ],
  ];
  for (const [st, mapping, reason] of cases) {
    const [id] = (await send("POST", "/statements", st)).json;
    expect(await mappingOf(id)).toMatchObject({ mapping, mapping_reason: reason, attempt_id: null });
    expect((await send("GET", `/statements?statementId=${id}`)).status).toBe(200);
  }
});

test("voiding a mapped statement removes its attempt and replays the learner; erasing the learner removes its statements", async () => {
  const send = await client(true);
  const [first] = (await send("POST", "/statements", answered("pupil-2", { success: true }))).json;
  const [second] = (await send("POST", "/statements", answered("pupil-2", { success: false }, { timestamp: "2026-12-01T11:00:00Z" }))).json;
  const { learner_id: learnerId, attempt_id: attemptId } = await mappingOf(first);
  const voiding = {
    actor: { mbox: "mailto:teacher@example.org" },
    verb: { id: "http://adlnet.gov/expapi/verbs/voided" },
    object: { objectType: "StatementRef", id: first },
  };
  expect((await send("POST", "/statements", voiding)).status).toBe(200);
  expect(await q(`SELECT count(*)::int AS n FROM attempt WHERE id = $1`, [attemptId])).toEqual([{ n: 0 }]);
  expect(await mappingOf(first)).toMatchObject({ mapping: "ignored", mapping_reason: "VOIDED", attempt_id: null });
  expect(await q(`SELECT correct FROM attempt WHERE learner_id = $1`, [learnerId])).toEqual([{ correct: false }]);
  // (This school has no trained model, so the replay — LearnerModelService.rebuildMany, the rebuild job's
  // own path, tested in rebuild.db.test.ts — has no state to recompute here.)

  await s.app.services.erasure.eraseLearner(admin, learnerId);
  expect(await q(`SELECT count(*)::int AS n FROM xapi_statement WHERE id = ANY($1::uuid[])`, [[first, second]])).toEqual([{ n: 0 }]);
  expect(await q(`SELECT count(*)::int AS n FROM xapi_agent_learner WHERE learner_id = $1`, [learnerId])).toEqual([{ n: 0 }]);
});

test("an admin lists what did not map, links an agent to a learner (its waiting statements map), and remaps after a task gets its activityId", async () => {
  const { schoolId, admin: token } = await s.newSchool("xAPI admin");
  const me: Actor = { schoolId, role: Role.Admin, subject: "test" };
  const skill = await s.app.services.skills.create(me, { code: "ratios", name: "Ratios" });
  const task = (code: string, activityId?: string) =>
    s.app.services.tasks.create(me, {
      code,
      title: code,
      kind: TaskKind.Exercise,
      expectedDurationSeconds: 60,
      skills: [{ skillId: skill.id }],
      activityId,
    });
  const named = await task("r-1", "https://lms.example/ratios-1");
  const later = await task("r-2");
  const learner = await s.app.services.learners.create(me, { externalRef: "s-17" });
  const { credential, secret } = await s.app.services.xapiCredentials.issue(schoolId, { label: "lms", scope: "ALL" }, "test");
  const post = async (body: object): Promise<string> => {
    const res = await fetch(`${base}/statements`, {
      method: "POST",
      headers: {
        authorization: `Basic ${Buffer.from(`${credential.key}:${secret}`).toString("base64")}`,
        "x-experience-api-version": "1.0.3",
        "content-type": "application/json",
      },
      body: JSON.stringify(body),
    });
    return ((await res.json()) as string[])[0]!;
  };
  const agent = { account: { homePage: "https://lms.example", name: "s-17" } };
  const passed = { id: "http://adlnet.gov/expapi/verbs/passed" };
  const onNamed = await post({
    actor: agent,
    verb: passed,
    object: { id: "https://lms.example/ratios-1" },
    timestamp: "2026-12-02T09:00:00Z",
  });
  const onLater = await post({
    actor: agent,
    verb: passed,
    object: { id: "https://lms.example/ratios-2" },
    timestamp: "2026-12-02T09:05:00Z",
  });

  const UNMAPPED = `{ xapiUnmapped { statementId reason storedAt } }`;
  const reasons = async () =>
    (await s.gql(UNMAPPED, {}, token)).data.xapiUnmapped.map((u: { statementId: string; reason: string }) => [u.statementId, u.reason]);
  expect(await reasons()).toEqual([
    [onLater, "UNKNOWN_ACTIVITY"],
    [onNamed, "UNKNOWN_ACTOR"],
  ]);

  const LINK = `mutation($i: LinkXapiAgentInput!) { linkXapiAgent(input: $i) { mapped unmapped } }`;
  expect((await s.gql(LINK, { i: { learnerId: learner.id, agent: JSON.stringify(agent) } }, token)).data.linkXapiAgent).toEqual({
    mapped: 1,
    unmapped: 0,
  });
  expect((await s.gql(LINK, { i: { learnerId: learner.id, agent: "{not json" } }, token)).errors![0]!.extensions!.code).toBe(
    "BAD_USER_INPUT",
  );
  const other = await s.app.services.learners.create(me, {});
  expect((await s.gql(LINK, { i: { learnerId: other.id, agent: JSON.stringify(agent) } }, token)).errors![0]!.extensions!.code).toBe(
    "CONFLICT",
  );
  expect(await reasons()).toEqual([[onLater, "UNKNOWN_ACTIVITY"]]);

  await s.app.services.tasks.update(me, later.id, { activityId: "https://lms.example/ratios-2" });
  expect((await s.gql(`mutation { remapXapiStatements { mapped unmapped } }`, {}, token)).data.remapXapiStatements).toEqual({
    mapped: 1,
    unmapped: 0,
  });
  expect(await q(`SELECT task_id, correct FROM attempt WHERE learner_id = $1 ORDER BY occurred_at`, [learner.id])).toEqual([
    { task_id: named.id, correct: true },
    { task_id: later.id, correct: true },
  ]);
  expect(await reasons()).toEqual([]);
});

test("storing and reading a learner's mapped statements is in the access log, under the credential", async () => {
  const send = await client(true);
  const [id] = (await send("POST", "/statements", answered("pupil-3", { success: true }))).json;
  const { learner_id: learnerId } = await mappingOf(id);
  expect((await send("GET", `/statements?statementId=${id}`)).status).toBe(200);
  await s.app.services.accessLog.flush();
  const rows = await q(`SELECT actor_role, actor_id, operation, access FROM access_log WHERE learner_id = $1 ORDER BY access DESC`, [
    learnerId,
  ]);
  expect(rows).toEqual([
    { actor_role: "SERVICE", actor_id: expect.stringMatching(/^xapi:/), operation: "xapi statements", access: "WRITE" },
    { actor_role: "SERVICE", actor_id: expect.stringMatching(/^xapi:/), operation: "xapi statements", access: "READ" },
  ]);
});

test("writing, reading and deleting the State and Agent Profile documents of a learner's agent is in the access log; an Activity Profile's is nobody's", async () => {
  const send = await client(true);
  const [id] = (await send("POST", "/statements", answered("pupil-docs", { success: true }))).json;
  const { learner_id: learnerId } = await mappingOf(id);
  const agent = encodeURIComponent(JSON.stringify({ account: { homePage: "https://quiz.example", name: "pupil-docs" } }));
  const activity = encodeURIComponent(ACTIVITY);
  const state = `/activities/state?activityId=${activity}&agent=${agent}&stateId=progress`;
  const logged = async () => {
    await s.app.services.accessLog.flush();
    const rows = await q(`SELECT learner_id, access FROM access_log WHERE school_id = $1 AND operation = 'xapi documents'`, [
      admin.schoolId,
    ]);
    return rows
      .map((r: { learner_id: string; access: string }) => `${r.learner_id === learnerId ? "learner" : r.learner_id}:${r.access}`)
      .sort();
  };
  // (One caller's same access within the log's window is one row, counted; a flush ends the window: services/access-log/.)
  expect((await send("PUT", state, { page: 7 })).status).toBe(204);
  expect(await logged()).toEqual(["learner:WRITE"]);
  expect((await send("POST", `/activities/profile?activityId=${activity}&profileId=about`, { level: 2 })).status).toBe(204);
  expect(await logged()).toEqual(["learner:WRITE"]);
  expect((await send("GET", state)).json).toEqual({ page: 7 });
  expect((await send("GET", `/activities/state?activityId=${activity}&agent=${agent}`)).json).toEqual(["progress"]);
  expect(await logged()).toEqual(["learner:READ", "learner:WRITE"]);
  expect((await send("POST", `/agents/profile?agent=${agent}&profileId=likes`, { ratios: true })).status).toBe(204);
  expect((await send("DELETE", state)).status).toBe(204);
  expect(await logged()).toEqual(["learner:READ", "learner:WRITE", "learner:WRITE"]);
});

test("a batch's answers are recorded together; one the attempt refuses (dated 1999) is left INVALID_ATTEMPT, the others mapped", async () => {
  const send = await client(true);
  const ids = (
    await send("POST", "/statements", [
      answered("pupil-4", { success: true }),
      answered("pupil-4", { success: false }, { timestamp: "1999-12-31T23:00:00Z" }),
      answered("pupil-5", { success: true }, { timestamp: "2026-12-01T12:00:00Z" }),
    ])
  ).json as string[];
  const states = await Promise.all(ids.map(async (id) => (await mappingOf(id)) as { mapping: string; mapping_reason: string | null }));
  expect(states.map((m) => [m.mapping, m.mapping_reason])).toEqual([
    ["mapped", null],
    ["unmapped", "INVALID_ATTEMPT"],
    ["mapped", null],
  ]);
});

test("a crash between the statement's commit and its mapping loses nothing and doubles nothing: the resend maps it once", async () => {
  const send = await client(true);
  const id = randomUUID();
  const st = { ...answered("pupil-6", { success: true }), id };
  expect((await send("PUT", `/statements?statementId=${id}`, st)).status).toBe(204);
  const { attempt_id: attemptId } = await mappingOf(id);
  // As a kill after the attempt's commit and before the statement was marked: the statement is pending again.
  await q(`UPDATE xapi_statement SET mapping = 'pending', attempt_id = NULL WHERE school_id = $1 AND id = $2`, [admin.schoolId, id]);
  expect((await send("PUT", `/statements?statementId=${id}`, st)).status).toBe(204);
  expect(await mappingOf(id)).toMatchObject({ mapping: "mapped", attempt_id: attemptId });
  expect(
    await q(`SELECT count(*)::int AS n FROM attempt WHERE school_id = $1 AND idempotency_key = $2`, [admin.schoolId, `xapi:${id}`]),
  ).toEqual([{ n: 1 }]);
  // As a kill before the attempt was written: the attempt and the mark are both missing; the resend records it.
  await q(`DELETE FROM attempt WHERE id = $1`, [attemptId]);
  await q(`UPDATE xapi_statement SET mapping = 'pending', attempt_id = NULL WHERE school_id = $1 AND id = $2`, [admin.schoolId, id]);
  expect((await send("POST", "/statements", st)).status).toBe(200);
  expect(
    await q(`SELECT count(*)::int AS n FROM attempt WHERE school_id = $1 AND idempotency_key = $2`, [admin.schoolId, `xapi:${id}`]),
  ).toEqual([{ n: 1 }]);
});

test("a mark lost with the database (marks are not flushed): voiding still removes the attempt, and a sweep marks the statement again", async () => {
  const send = await client(true);
  const [voidedId, keptId] = [randomUUID(), randomUUID()];
  for (const [id, at] of [
    [voidedId, "2026-12-01T10:00:00Z"],
    [keptId, "2026-12-01T10:05:00Z"],
  ] as const)
    expect(
      (await send("PUT", `/statements?statementId=${id}`, { ...answered("pupil-lost-mark", { success: true }, { timestamp: at }), id }))
        .status,
    ).toBe(204);
  const [voided, kept] = [await mappingOf(voidedId), await mappingOf(keptId)];
  // As a crash of the database before the marks' commits reached the disk: the attempts are there, the marks are not.
  await q(
    `UPDATE xapi_statement SET mapping = 'pending', attempt_id = NULL, learner_id = NULL WHERE school_id = $1 AND id = ANY($2::uuid[])`,
    [admin.schoolId, [voidedId, keptId]],
  );
  const voiding = {
    actor: { mbox: "mailto:teacher@example.org" },
    verb: { id: "http://adlnet.gov/expapi/verbs/voided" },
    object: { objectType: "StatementRef", id: voidedId },
  };
  expect((await send("POST", "/statements", voiding)).status).toBe(200);
  expect(await q(`SELECT count(*)::int AS n FROM attempt WHERE id = $1`, [voided.attempt_id])).toEqual([{ n: 0 }]);
  expect(await mappingOf(voidedId)).toMatchObject({ mapping: "ignored", mapping_reason: "VOIDED", attempt_id: null });

  // The other waits, pending, for a sweep: a process sweeps a school when it starts, after a failure, and every SWEEP_EVERY_MS.
  const deps = s.app.services.deps;
  let clock = Date.now();
  const mapper = new XapiAttemptMapper(
    deps,
    s.app.services.attempts,
    s.app.services.learners,
    new AgentHashers(() => xapiIndexKey(deps.dataSource.manager, deps.cipher)),
    (schoolId, id, enc) => decryptStatement(deps.cipher, schoolId, id, enc),
    undefined,
    () => clock,
  );
  const caller = { schoolId: admin.schoolId, createLearners: true, subject: "test" };
  await mapper.mapPending(caller);
  expect(await mappingOf(keptId)).toMatchObject({ mapping: "mapped", attempt_id: kept.attempt_id, learner_id: kept.learner_id });
  await q(`UPDATE xapi_statement SET mapping = 'pending', attempt_id = NULL WHERE school_id = $1 AND id = $2`, [admin.schoolId, keptId]);
  clock += SWEEP_EVERY_MS - 1_000;
  await mapper.mapPending(caller);
  expect(await mappingOf(keptId)).toMatchObject({ mapping: "pending" });
  clock += 2_000;
  await mapper.mapPending(caller);
  expect(await mappingOf(keptId)).toMatchObject({ mapping: "mapped", attempt_id: kept.attempt_id });
  expect(
    await q(`SELECT count(*)::int AS n FROM attempt WHERE school_id = $1 AND idempotency_key = $2`, [admin.schoolId, `xapi:${keptId}`]),
  ).toEqual([{ n: 1 }]);
});

test("two server processes meeting one new actor at once create one learner for it, and both its statements are that learner's", async () => {
  // A second process: services of its own (its own mapper and its own in-process serialisation) on the same database.
  const other = createServices(s.app.services.deps);
  const { credential } = await s.app.services.xapiCredentials.issue(
    admin.schoolId,
    { label: "race", scope: "ALL", createLearners: true },
    "test",
  );
  const client = { credentialId: credential.id, schoolId: admin.schoolId, scope: "ALL" as const, createLearners: true };
  const learnersBefore = (await q(`SELECT count(*)::int AS n FROM learner WHERE school_id = $1`, [admin.schoolId]))[0].n;
  const actors = Array.from({ length: 8 }, (_, i) => `racer-${i}`);
  const sent = actors.map((name) => [randomUUID(), randomUUID()].map((id) => ({ ...answered(name, { success: true }), id })));
  await Promise.all(
    sent.flatMap(([a, b]) => [s.app.services.xapiStatements.store(client, a, []), other.xapiStatements.store(client, b, [])]),
  );
  for (const pair of sent) {
    const [first, second] = [await mappingOf(pair[0]!.id), await mappingOf(pair[1]!.id)];
    expect(first).toMatchObject({ mapping: "mapped" });
    expect(second).toMatchObject({ mapping: "mapped", learner_id: first.learner_id });
  }
  // No learner was left behind by a creation that lost the race.
  const learnersAfter = (await q(`SELECT count(*)::int AS n FROM learner WHERE school_id = $1`, [admin.schoolId]))[0].n;
  expect(learnersAfter - learnersBefore).toBe(actors.length);
});

test("ZPD_XAPI_ATTEMPT_VERBS: an app's own verb becomes an attempt verb; statements stored before, ignored, map on remapXapiStatements", async () => {
  const send = await client(true);
  const MASTERED = "https://example.org/verbs/mastered";
  // The actor is a learner already (its first answer created it); a remap by an admin creates none.
  expect((await send("POST", "/statements", { ...answered("pupil-verbs", { success: false }), id: randomUUID() })).status).toBe(200);
  const before = { ...answered("pupil-verbs", undefined), verb: { id: MASTERED }, id: randomUUID() };
  expect((await send("POST", "/statements", before)).status).toBe(200);
  expect(await mappingOf(before.id)).toMatchObject({ mapping: "ignored", mapping_reason: "NOT_AN_ATTEMPT_VERB" });
  // The server restarted with the setting (services built from it, as main.ts builds them).
  const restarted = createServices({
    ...s.app.services.deps,
    xapiAttemptVerbs: parseAttemptVerbs(`http://adlnet.gov/expapi/verbs/answered,${MASTERED}=success`),
  });
  const outcome = await restarted.xapiMapping.remap(admin);
  // (Other tests of this file left statements unmapped in the school: the counts include those.)
  expect(outcome.mapped).toBeGreaterThanOrEqual(1);
  const mapped = await mappingOf(before.id);
  expect(mapped).toMatchObject({ mapping: "mapped" });
  // `mastered` says the outcome: correct, with no result sent.
  expect(await q(`SELECT correct FROM attempt WHERE id = $1`, [mapped.attempt_id])).toEqual([{ correct: true }]);
  // A voided statement of that verb stays ignored.
  const voidedOne = { ...answered("pupil-verbs", undefined), verb: { id: MASTERED }, id: randomUUID() };
  expect((await send("POST", "/statements", voidedOne)).status).toBe(200);
  const voiding = {
    ...answered("pupil-verbs", undefined),
    verb: { id: "http://adlnet.gov/expapi/verbs/voided" },
    object: { objectType: "StatementRef", id: voidedOne.id },
  };
  expect((await send("POST", "/statements", voiding)).status).toBe(200);
  await restarted.xapiMapping.remap(admin);
  expect(await mappingOf(voidedOne.id)).toMatchObject({ mapping: "ignored", mapping_reason: "VOIDED" });
});

test("erasing a learner erases everything the LRS keeps that names its agent: statements mapped or not, as actor, object or in the context; its documents; attachments only those referred to; its link", async () => {
  const { credential, secret } = await s.app.services.xapiCredentials.issue(
    admin.schoolId,
    { label: "erasure", scope: "ALL", createLearners: true },
    "test",
  );
  const xapi = (await s.app.services.xapiCredentials.authenticate(credential.key, secret))!;
  const store = (statement: object, parts: { content: string }[] = []) => {
    const withHashes = parts.map((p) => ({
      sha2: createHash("sha256").update(p.content).digest("hex"),
      contentType: "text/plain",
      content: Buffer.from(p.content),
    }));
    const attachments = withHashes.map((p) => ({
      usageType: "urn:zpd:essay",
      display: { en: "essay" },
      contentType: p.contentType,
      length: p.content.length,
      sha2: p.sha2,
    }));
    return s.app.services.xapiStatements.store(xapi, { ...statement, ...(attachments.length ? { attachments } : {}) }, withHashes);
  };
  const agent = { account: { homePage: "https://quiz.example", name: "pupil-erased" } };
  const otherAgent = { account: { homePage: "https://quiz.example", name: "pupil-kept" } };
  const mine = [
    (await store(answered("pupil-erased", { success: true }))).ids[0]!, // mapped: becomes the learner
    (
      await store({ ...answered("pupil-erased", undefined), verb: { id: "http://adlnet.gov/expapi/verbs/experienced" } }, [
        { content: "pupil-erased's own essay" },
        { content: "the shared worksheet" },
      ])
    ).ids[0]!, // ignored (no attempt verb), with attachments
    (await store({ actor: otherAgent, verb: { id: "http://adlnet.gov/expapi/verbs/mentored" }, object: { objectType: "Agent", ...agent } }))
      .ids[0]!, // as the object
    (await store({ ...answered("pupil-kept", { success: true }), context: { instructor: agent } })).ids[0]!, // in the context
  ];
  const kept = (await store(answered("pupil-kept", { success: false }), [{ content: "the shared worksheet" }])).ids[0]!;
  const { learner_id: learnerId } = await mappingOf(mine[0]!);
  const address = (kind: "state" | "agent" | "activity", documentId: string) => ({
    kind,
    activityId: kind === "agent" ? undefined : ACTIVITY,
    agent: kind === "activity" ? undefined : JSON.stringify(agent),
    documentId,
  });
  const text = (t: string) => ({ content: Buffer.from(t), contentType: "text/plain" });
  await s.app.services.xapiDocuments.write(xapi, address("state", "progress"), text("page 7"), false, {});
  await s.app.services.xapiDocuments.write(xapi, address("agent", "profile"), text("likes ratios"), false, { ifNoneMatch: "*" });
  await s.app.services.xapiDocuments.write(xapi, address("activity", "notes"), text("about the task"), false, { ifNoneMatch: "*" });

  await s.app.services.erasure.eraseLearner(admin, learnerId);
  const count = async (sql: string, params: unknown[]) => (await q(sql, params))[0].n;
  expect(await count(`SELECT count(*)::int AS n FROM xapi_statement WHERE id = ANY($1::uuid[])`, [mine])).toBe(0);
  expect(await count(`SELECT count(*)::int AS n FROM xapi_statement WHERE id = $1`, [kept])).toBe(1);
  expect(await count(`SELECT count(*)::int AS n FROM xapi_agent_learner WHERE learner_id = $1`, [learnerId])).toBe(0);
  // The learner's own essay is gone; the worksheet another statement refers to stays.
  const attachments = await q(`SELECT content_type FROM xapi_attachment WHERE school_id = $1`, [admin.schoolId]);
  expect(attachments).toHaveLength(1);
  expect(
    (await s.app.services.xapiStatements.byId(xapi, kept, false, { format: "exact", languages: [], attachments: true })).attachments.map(
      (a) => a.content.toString(),
    ),
  ).toEqual(["the shared worksheet"]);
  // Its State and Agent Profile documents are gone; the Activity Profile (no agent) stays.
  await expect(s.app.services.xapiDocuments.get(xapi, address("state", "progress"))).rejects.toMatchObject({ status: 404 });
  await expect(s.app.services.xapiDocuments.get(xapi, address("agent", "profile"))).rejects.toMatchObject({ status: 404 });
  expect((await s.app.services.xapiDocuments.get(xapi, address("activity", "notes"))).content.toString()).toBe("about the task");
});
