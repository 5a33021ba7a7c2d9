/**
 * Embedded PGlite on its own worker thread (ZPD_PGLITE_THREAD=true): the same database behaviour as
 * on the calling thread — parameters, named statements, error codes, transactions, a queue of
 * concurrent statements, a folder that survives a restart — and the API over HTTP on it.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { QueryFailedError } from "typeorm";
import { openDatabase, migrate } from "../../src/persistence/database.js";
import { PGliteThread } from "../../src/persistence/pglite-thread.js";
import { queryPrepared } from "../../src/persistence/prepared.js";
import { seedDemo } from "../../src/services/demo/demo-seed.js";
import { Role } from "../../src/services/auth/actor.js";
import { startTestServer } from "../support/test-server.js";

const NOW = new Date("2026-11-01T12:00:00Z");

test("SQL on the thread: parameters, named statements, error codes, rollback, concurrent statements, a folder reopened", async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "zpd-thread-"));
  try {
    let db = await openDatabase({ dataDir: dir, thread: true });
    expect(db.kind).toBe("pglite");
    expect(db.pglite).toBeUndefined();
    expect((await migrate(db.dataSource)).length).toBeGreaterThan(0);
    const ds = db.dataSource;
    await ds.query(`CREATE TABLE probe (id int PRIMARY KEY, v text NOT NULL)`);
    await ds.query(`INSERT INTO probe VALUES ($1, $2), ($3, $4)`, [1, "a", 2, "b"]);
    // A unique violation arrives as PostgreSQL's error, with its code.
    const dup = await ds.query(`INSERT INTO probe VALUES ($1, $2)`, [1, "again"]).catch((e: unknown) => e);
    expect(dup).toBeInstanceOf(QueryFailedError);
    expect((dup as QueryFailedError & { driverError: { code: string } }).driverError.code).toBe("23505");
    // An error inside an extended-protocol batch leaves the connection usable.
    expect(await ds.query(`SELECT v FROM probe WHERE id = $1`, [2])).toEqual([{ v: "b" }]);
    // A transaction that throws leaves nothing.
    await expect(
      ds.transaction(async (m) => {
        await m.query(`INSERT INTO probe VALUES (3, 'c')`);
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    expect(await ds.query(`SELECT count(*)::int AS n FROM probe`)).toEqual([{ n: 2 }]);
    // Named statements: parsed once, executed twice.
    for (let i = 0; i < 2; i++) expect(await queryPrepared(ds.manager, `SELECT v FROM probe WHERE id = $1`, [1])).toEqual([{ v: "a" }]);
    // Statements sent at once queue on the one connection and each gets its own answer.
    const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => ds.query(`SELECT $1::int * 2 AS x`, [i])));
    expect(answers.map((r) => r[0].x)).toEqual(Array.from({ length: 50 }, (_, i) => i * 2));
    await db.close();
    expect(fs.existsSync(path.join(dir, "zpd.lock"))).toBe(false);
    // The folder is a database: reopened (on the calling thread this time), the rows are there.
    db = await openDatabase({ dataDir: dir });
    expect(await db.dataSource.query(`SELECT id, v FROM probe ORDER BY id`)).toEqual([
      { id: 1, v: "a" },
      { id: 2, v: "b" },
    ]);
    await db.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test("a thread that dies on its own is reported (by default the process crashes) and every waiting or later call fails", async () => {
  const failures: Error[] = [];
  const thread = new PGliteThread(undefined, (e) => failures.push(e));
  await thread.waitReady;
  await (thread as unknown as { worker: { terminate(): Promise<number> } }).worker.terminate();
  expect(failures).toHaveLength(1);
  expect(failures[0]!.message).toMatch(/PGlite thread exited/);
  await expect(
    thread.execProtocolStream(new Uint8Array([0x51, 0, 0, 0, 13, 0x53, 0x45, 0x4c, 0x45, 0x43, 0x54, 0x20, 0x31, 0])),
  ).rejects.toThrow(/closed/);
  // Closing it afterwards is quiet; a thread closed by us is not a failure.
  await thread.close();
  const quiet = new PGliteThread(undefined, (e) => failures.push(e));
  await quiet.waitReady;
  await quiet.close();
  expect(failures).toHaveLength(1);
});

test("the API over HTTP on the threaded database: recommendations, and concurrent attempts of one learner each applied once", async () => {
  const s = await startTestServer({}, { pgliteThread: true });
  try {
    const demo = await seedDemo(s.app.db.dataSource, s.app.services.deps.cipher, NOW, { learners: 30, seed: 3, idLabel: "pglite-thread" });
    await s.app.services.training.trainAndPublish(demo.schoolId, { seed: 1, cutoff: NOW, kind: "pfa" });
    const admin = await s.token({ schoolId: demo.schoolId, role: Role.Admin });
    const learner = demo.learnerIds.find((id) => id !== demo.noConsentLearnerId)!;
    const rec = await s.gql(
      `query($l: UUID!) { recommendations(learnerId: $l, count: 3) { personalisation items { task { id } predictedSuccess } } }`,
      { l: learner },
      admin,
    );
    expect(rec.errors).toBeUndefined();
    expect(rec.data.recommendations.personalisation).toBe("PERSONALISED");
    expect(rec.data.recommendations.items.length).toBeGreaterThan(0);
    for (const it of rec.data.recommendations.items) expect(it.predictedSuccess).toBeGreaterThan(0);
    const tasks = (await s.gql(`{ tasks(first: 8) { nodes { id } } }`, {}, admin)).data.tasks.nodes.map((t: any) => t.id);
    const [before] = await s.app.db.dataSource.query(`SELECT attempt_count FROM learner_state WHERE learner_id = $1`, [learner]);
    const results = await Promise.all(
      tasks.map((taskId: string, i: number) =>
        s.gql(
          `mutation($i: RecordAttemptInput!) { recordAttempt(input: $i) { duplicate } }`,
          { i: { learnerId: learner, taskId, correct: i % 2 === 0, idempotencyKey: `thread-${i}` } },
          admin,
        ),
      ),
    );
    for (const r of results) expect(r.errors).toBeUndefined();
    const [after] = await s.app.db.dataSource.query(`SELECT attempt_count FROM learner_state WHERE learner_id = $1`, [learner]);
    expect(after.attempt_count).toBe((before?.attempt_count ?? 0) + tasks.length);
  } finally {
    await s.stop();
  }
});
