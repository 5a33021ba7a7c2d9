/**
 * Retention (issue 14, item 5): the daily `retention` job deletes only the attempts older than the
 * period, folds their counts into attempt_daily_rollup first (over learners with ANALYTICS consent),
 * and replays the states of the learners who lost attempts: a learner's mastery afterwards equals that
 * of a learner who only ever had the attempts that remain, recorded one at a time over GraphQL. The
 * LRS's statements and documents go by the same period.
 */
import { createHash } from "node:crypto";
import { seedDemo, DemoSchool } from "../../src/services/demo/demo-seed.js";
import { Role } from "../../src/services/auth/actor.js";
import { createLogger } from "../../src/shared/logger.js";
import { uuidv7 } from "../../src/shared/ids.js";
import { retention } from "../../jobs/index.js";
import { executeJob } from "../../jobs/runner.js";
import { RETENTION_CRON, schedules } from "../../jobs/schedules.js";
import type { JobSettings } from "../../jobs/job.js";
import { startTestServer, TestServer } from "../support/test-server.js";

const NOW = new Date("2026-11-01T12:00:00Z");
const DAYS = 7;
/** 00:00 UTC of NOW's day (2026-11-01) minus 7 days: hand-computed. */
const CUTOFF = new Date("2026-10-25T00:00:00Z");
let s: TestServer;
let demo: DemoSchool;
let admin: string;

const q = (sql: string, params: unknown[] = []) => s.app.db.dataSource.query(sql, params);
const silent = createLogger("silent");
const runRetention = (settings: Partial<JobSettings>) =>
  executeJob(
    retention,
    { at: NOW.toISOString() },
    {
      id: uuidv7(),
      attempt: 1,
      retryLimit: 0,
      services: s.app.services,
      logger: silent,
      settings: { retrainCron: null, schoolIds: [demo.schoolId], ...settings },
    },
  );
const gql = async (query: string, variables: Record<string, unknown>) => {
  const r = await s.gql(query, variables, admin);
  if (r.errors) throw new Error(JSON.stringify(r.errors));
  return r.data;
};
const stateOf = async (learnerId: string) =>
  (
    await q(
      `SELECT state::jsonb AS state, mastery, attempt_count, last_attempt_at, model_version_id, version FROM learner_state WHERE learner_id = $1`,
      [learnerId],
    )
  )[0];

interface OldAttempt {
  learner_id: string;
  task_id: string;
  correct: boolean;
  occurred_at: Date;
}

let old: OldAttempt[];
let youngIds: string[];
let withdrawn: string;
let mixed: string;
let twin: string;
let onlyOld: string;
let twinVersion: number;

beforeAll(async () => {
  s = await startTestServer();
  demo = await seedDemo(s.app.db.dataSource, s.app.services.deps.cipher, NOW, { learners: 30, seed: 3, idLabel: "retention" });
  admin = await s.token({ schoolId: demo.schoolId, role: Role.Admin });
  await s.app.services.training.trainAndPublish(demo.schoolId, { seed: 1, cutoff: NOW, kind: "pfa" });
  // A learner who withdrew ANALYTICS consent: its old attempts are deleted but not counted in the rollup.
  withdrawn = demo.learnerIds[2]!;
  await gql(`mutation($l: UUID!) { setConsent(learnerId: $l, purpose: ANALYTICS, granted: false, grantedBy: LEARNER) { granted } }`, {
    l: withdrawn,
  });
  // A consenting learner with attempts on both sides of the cutoff.
  const [row] = await q(
    `SELECT learner_id FROM attempt WHERE school_id = $1 AND learner_id <> ALL($3) GROUP BY learner_id
     HAVING min(occurred_at) < $2 AND max(occurred_at) >= $2 AND count(*) FILTER (WHERE occurred_at >= $2) >= 3 ORDER BY learner_id LIMIT 1`,
    [demo.schoolId, CUTOFF, [demo.noConsentLearnerId, withdrawn]],
  );
  mixed = row.learner_id;
  // Its twin: a learner who only ever had the attempts that will remain, recorded one at a time (the online path).
  twin = await newConsentingLearner("twin");
  const remaining: { task_id: string; correct: boolean; occurred_at: Date }[] = await q(
    `SELECT task_id, correct, occurred_at FROM attempt WHERE learner_id = $1 AND occurred_at >= $2 ORDER BY occurred_at, id`,
    [mixed, CUTOFF],
  );
  for (const [i, a] of remaining.entries())
    await gql(`mutation($i: RecordAttemptInput!) { recordAttempt(input: $i) { duplicate } }`, {
      i: {
        learnerId: twin,
        taskId: a.task_id,
        correct: a.correct,
        occurredAt: new Date(a.occurred_at).toISOString(),
        idempotencyKey: `twin-${i}`,
      },
    });
  // A learner whose only attempt is old.
  onlyOld = await newConsentingLearner("only-old");
  await gql(`mutation($i: RecordAttemptInput!) { recordAttempt(input: $i) { duplicate } }`, {
    i: { learnerId: onlyOld, taskId: remaining[0]!.task_id, correct: true, occurredAt: "2026-10-20T09:00:00Z", idempotencyKey: "only-old" },
  });
  old = await q(`SELECT learner_id, task_id, correct, occurred_at FROM attempt WHERE school_id = $1 AND occurred_at < $2`, [
    demo.schoolId,
    CUTOFF,
  ]);
  youngIds = (await q(`SELECT id FROM attempt WHERE school_id = $1 AND occurred_at >= $2 ORDER BY id`, [demo.schoolId, CUTOFF])).map(
    (r: { id: string }) => r.id,
  );
  twinVersion = (await stateOf(twin)).version;
}, 240_000);

afterAll(async () => {
  await s?.stop();
});

async function newConsentingLearner(ref: string): Promise<string> {
  const id = (await gql(`mutation($r: String!) { createLearner(input: { externalRef: $r }) { id } }`, { r: ref })).createLearner.id;
  for (const p of ["PERSONALISATION", "ANALYTICS"])
    await gql(
      `mutation($l: UUID!, $p: ConsentPurpose!) { setConsent(learnerId: $l, purpose: $p, granted: true, grantedBy: GUARDIAN) { granted } }`,
      {
        l: id,
        p,
      },
    );
  return id;
}

test("the schedule: daily in UTC while ZPD_RETENTION_DAYS is set, none otherwise", () => {
  expect(schedules({ retrainCron: null, retentionDays: 30 })).toEqual([
    expect.objectContaining({ name: "retention", cron: RETENTION_CRON, tz: "UTC" }),
  ]);
  expect(RETENTION_CRON).toBe("30 4 * * *");
  expect(schedules({ retrainCron: null })).toEqual([]);
  expect(schedules({ retrainCron: null, retentionDays: null })).toEqual([]);
});

test("with the period unset the job deletes nothing", async () => {
  const out = await runRetention({ retentionDays: null });
  expect(out.status).toBe("completed");
  expect(out.message).toMatch(/ZPD_RETENTION_DAYS unset/);
  expect(
    Number((await q(`SELECT count(*) FROM attempt WHERE school_id = $1 AND occurred_at < $2`, [demo.schoolId, CUTOFF]))[0].count),
  ).toBe(old.length);
});

describe("a retention run", () => {
  let result: Record<string, unknown>;
  const lrs = { old: [] as string[], young: [] as string[] };
  beforeAll(async () => {
    expect(old.length).toBeGreaterThan(100);
    expect(youngIds.length).toBeGreaterThan(100);
    // The LRS: statements (two with attachments, one of them shared with a young statement) and documents,
    // some dated before the cutoff.
    const issued = await s.app.services.xapiCredentials.issue(demo.schoolId, { label: "retention", scope: "ALL" }, "test");
    const client = (await s.app.services.xapiCredentials.authenticate(issued.credential.key, issued.secret))!;
    const store = async (texts: string[]) => {
      const parts = texts.map((t) => ({
        sha2: createHash("sha256").update(t).digest("hex"),
        contentType: "text/plain",
        content: Buffer.from(t),
      }));
      const statement = {
        actor: { mbox: "mailto:kept-for-a-week@example.invalid" },
        verb: { id: "http://adlnet.gov/expapi/verbs/experienced" },
        object: { id: "http://zpd.test/retention" },
        ...(parts.length
          ? {
              attachments: parts.map((p) => ({
                usageType: "urn:zpd:note",
                display: { en: "note" },
                contentType: p.contentType,
                length: p.content.length,
                sha2: p.sha2,
              })),
            }
          : {}),
      };
      return (await s.app.services.xapiStatements.store(client, statement, parts)).ids[0]!;
    };
    lrs.old.push(await store(["an old note"]), await store(["the shared sheet"]), await store([]));
    lrs.young.push(await store(["the shared sheet"]), await store([]));
    await q(`UPDATE xapi_statement SET stored = '2026-10-24T23:59:59Z' WHERE id = ANY($1::uuid[])`, [lrs.old]);
    await q(`UPDATE xapi_statement SET stored = '2026-10-25T00:00:00Z' WHERE id = ANY($1::uuid[])`, [lrs.young]);
    for (const [documentId, updated] of [
      ["old", "2026-10-20T00:00:00Z"],
      ["young", "2026-10-30T00:00:00Z"],
    ] as const) {
      const address = { kind: "activity" as const, activityId: "http://zpd.test/retention", documentId };
      await s.app.services.xapiDocuments.write(client, address, { content: Buffer.from(documentId), contentType: "text/plain" }, false, {
        ifNoneMatch: "*",
      });
      await q(`UPDATE xapi_document SET updated = $2 WHERE school_id = $1 AND document_id = $3`, [demo.schoolId, updated, documentId]);
    }
    const out = await runRetention({ retentionDays: DAYS });
    expect(out.status).toBe("completed");
    result = out.result!;
  }, 120_000);

  test("deletes the attempts before the cutoff, and only them", async () => {
    expect(result.cutoff).toBe(CUTOFF.toISOString());
    expect(result.deleted).toBe(old.length);
    const left = (await q(`SELECT id FROM attempt WHERE school_id = $1 ORDER BY id`, [demo.schoolId])).map((r: { id: string }) => r.id);
    expect(left).toEqual(youngIds);
  });

  test("deletes the LRS's statements stored and documents written before the cutoff, and the attachments only they referred to", async () => {
    expect(result).toMatchObject({ xapiStatements: 3, xapiDocuments: 1 });
    const ids = (await q(`SELECT id FROM xapi_statement WHERE school_id = $1 ORDER BY id`, [demo.schoolId])).map(
      (r: { id: string }) => r.id,
    );
    expect(ids).toEqual([...lrs.young].sort());
    expect(await q(`SELECT document_id FROM xapi_document WHERE school_id = $1`, [demo.schoolId])).toEqual([{ document_id: "young" }]);
    const attachments = await q(`SELECT sha2 FROM xapi_attachment WHERE school_id = $1`, [demo.schoolId]);
    expect(attachments).toEqual([{ sha2: createHash("sha256").update("the shared sheet").digest("hex") }]);
  });

  test("the rollup holds their counts per task and UTC day, over learners with ANALYTICS consent", async () => {
    const consenting = new Set(
      (await q(`SELECT learner_id FROM consent WHERE school_id = $1 AND purpose = 'ANALYTICS' AND granted`, [demo.schoolId])).map(
        (r: { learner_id: string }) => r.learner_id,
      ),
    );
    expect(consenting.has(withdrawn)).toBe(false);
    expect(old.some((a) => a.learner_id === withdrawn)).toBe(true);
    const expected = new Map<string, { attempts: number; correct: number; learners: Set<string> }>();
    for (const a of old) {
      if (!consenting.has(a.learner_id)) continue;
      const key = `${a.task_id} ${new Date(a.occurred_at).toISOString().slice(0, 10)}`;
      const e = expected.get(key) ?? { attempts: 0, correct: 0, learners: new Set<string>() };
      e.attempts++;
      if (a.correct) e.correct++;
      e.learners.add(a.learner_id);
      expected.set(key, e);
    }
    const rows: { task_id: string; day: string; attempts: number; correct: number; learners: number }[] = await q(
      `SELECT task_id, to_char(day, 'YYYY-MM-DD') AS day, attempts, correct, learners FROM attempt_daily_rollup WHERE school_id = $1`,
      [demo.schoolId],
    );
    const got = new Map(rows.map((r) => [`${r.task_id} ${r.day}`, { attempts: r.attempts, correct: r.correct, learners: r.learners }]));
    expect(got).toEqual(
      new Map([...expected].map(([k, e]) => [k, { attempts: e.attempts, correct: e.correct, learners: e.learners.size }])),
    );
    expect(result.folded).toBe(old.filter((a) => consenting.has(a.learner_id)).length);
    expect(Number(result.folded)).toBeLessThan(old.length);
  });

  test("a learner's state is replayed from what remains: its mastery equals that of a learner who only had those attempts", async () => {
    const [after, reference] = [await stateOf(mixed), await stateOf(twin)];
    const active = (await q(`SELECT id FROM model_version WHERE school_id = $1 AND status = 'ACTIVE'`, [demo.schoolId]))[0].id;
    expect(after.model_version_id).toBe(active);
    expect(after.attempt_count).toBe(reference.attempt_count);
    expect(after.state).toEqual(reference.state);
    expect(Object.keys(after.mastery).sort()).toEqual(Object.keys(reference.mastery).sort());
    for (const [skill, entry] of Object.entries(after.mastery as Record<string, number[]>)) {
      expect(entry[0]).toBeCloseTo(reference.mastery[skill][0], 12);
      expect(entry[1]).toBeCloseTo(reference.mastery[skill][1], 12);
    }
    expect(new Date(after.last_attempt_at)).toEqual(new Date(reference.last_attempt_at));
    // The twin lost nothing: its row was not touched.
    expect((await stateOf(twin)).version).toBe(twinVersion);
  });

  test("a learner whose attempts were all old is left with none, and no mastery; one without consent keeps no personal state", async () => {
    const gone = await stateOf(onlyOld);
    expect(gone).toMatchObject({ attempt_count: 0, last_attempt_at: null, mastery: {} });
    const noConsent = await stateOf(demo.noConsentLearnerId);
    const left = Number((await q(`SELECT count(*) FROM attempt WHERE learner_id = $1`, [demo.noConsentLearnerId]))[0].count);
    expect(noConsent).toMatchObject({ attempt_count: left, model_version_id: null, state: {}, mastery: {} });
    expect(result.learners).toBe(new Set(old.map((a) => a.learner_id)).size);
  });

  test("a second run finds nothing to delete and leaves the rollup as it is", async () => {
    const rollup = await q(`SELECT * FROM attempt_daily_rollup WHERE school_id = $1 ORDER BY task_id, day`, [demo.schoolId]);
    const again = await runRetention({ retentionDays: DAYS });
    expect(again.result).toMatchObject({ deleted: 0, folded: 0, schools: 0 });
    expect(await q(`SELECT * FROM attempt_daily_rollup WHERE school_id = $1 ORDER BY task_id, day`, [demo.schoolId])).toEqual(rollup);
  });
});
