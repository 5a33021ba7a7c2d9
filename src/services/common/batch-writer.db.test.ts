/**
 * The shared batch writer (batch-writer.ts) through both its users, the access log and the
 * recommendation log, on a database of the test's own (a table is renamed away to make the database
 * refuse a batch for real): rows wait until the timer or a full batch writes them, a refused batch
 * waits and is written once the table is back, and beyond the buffer's limit the oldest rows are
 * dropped and counted; the access log's rows of one key, coalesced, keep their count and first and
 * last time across a refused batch.
 */
import { openScratchDatabase, type ScratchDatabase } from "../../../test/support/scratch-database.js";
import { createLogger } from "../../shared/logger.js";
import { uuidv7 } from "../../shared/ids.js";
import type { ServiceDeps } from "../service-deps.js";
import { AccessKind, AccessLogService } from "../access-log/access-log.service.js";
import { RecommendationLogService } from "../recommendation-log/recommendation-log.service.js";
import { Role, type Actor } from "../auth/actor.js";
import type { BatchWriterOptions } from "./batch-writer.js";

let scratch: ScratchDatabase;
const schoolId = uuidv7();
const learnerIds = Array.from({ length: 8 }, () => uuidv7());
const actor: Actor = { schoolId, role: Role.Admin, subject: "batch-writer-test" };
const q = (sql: string, params: unknown[] = []) => scratch.db.dataSource.query(sql, params);

beforeAll(async () => {
  scratch = await openScratchDatabase("batchwriter");
  await q(`INSERT INTO school (id, name) VALUES ($1, 'batch writer')`, [schoolId]);
  for (const id of learnerIds) await q(`INSERT INTO learner (id, school_id) VALUES ($1, $2)`, [id, schoolId]);
});
afterAll(() => scratch?.close());

/** A user of the writer: its table, and one row for learner i. */
interface User {
  readonly table: string;
  make(
    deps: ServiceDeps,
    opts: BatchWriterOptions,
  ): {
    add(i: number): void;
    readonly pending: number;
    flush(): Promise<void>;
    close(): Promise<void>;
  };
}

const USERS: readonly User[] = [
  {
    table: "access_log",
    make(deps, opts) {
      const log = new AccessLogService(deps, opts);
      return Object.assign(log, {
        // A distinct operation per call: the same access within the window would be one row.
        add: (i: number) => log.record(actor, [{ learnerId: learnerIds[i]!, operation: `op${i}`, access: AccessKind.Read }]),
      });
    },
  },
  {
    table: "recommendation_log",
    make(deps, opts) {
      const log = new RecommendationLogService(deps, opts);
      return Object.assign(log, {
        add: (i: number) =>
          log.record(actor, {
            learnerId: learnerIds[i]!,
            strategy: "ZPD",
            mode: "PERSONALISED",
            items: [{ taskId: uuidv7() }],
            modelVersionId: null,
            candidateCount: 4,
          }),
      });
    },
  },
];

describe.each(USERS)("the batch writer, as $table uses it", ({ table, make }) => {
  const flushed: [number, number][] = [];
  // The logs read only these of their dependencies (no cipher: they hold no personal data).
  const deps = (): ServiceDeps => {
    const used: Pick<ServiceDeps, "dataSource" | "logger" | "maxPageSize" | "events"> = {
      dataSource: scratch.db.dataSource,
      logger: createLogger("silent"),
      maxPageSize: 100,
      events: {
        accessLogFlushed: (w, d) => void flushed.push([w, d]),
        recommendationLogFlushed: (w, d) => void flushed.push([w, d]),
      },
    };
    return used as ServiceDeps;
  };
  const count = async () => Number((await q(`SELECT count(*)::int AS n FROM ${table} WHERE school_id = $1`, [schoolId]))[0].n);

  beforeEach(async () => {
    flushed.length = 0;
    await q(`DELETE FROM ${table} WHERE school_id = $1`, [schoolId]);
  });

  test("rows wait for the timer, or are written at once when a batch is full", async () => {
    const log = make(deps(), { flushMs: 200, maxBatch: 3 });
    log.add(0);
    log.add(1);
    expect(log.pending).toBe(2);
    expect(await count()).toBe(0);
    await new Promise((r) => setTimeout(r, 400));
    expect(await count()).toBe(2);
    expect(log.pending).toBe(0);
    for (const i of [2, 3, 4]) log.add(i); // a full batch: written without waiting for the timer
    await log.flush();
    expect(await count()).toBe(5);
    expect(flushed).toEqual([
      [2, 0],
      [3, 0],
    ]);
    await log.close();
  });

  test("a steady inflow is written in slices: each row when it is due, not the whole window at its end", async () => {
    const log = make(deps(), { flushMs: 2_000, maxBatch: 100 });
    const until = async (ok: () => Promise<boolean>) => {
      for (let waited = 0; !(await ok()); waited += 50) {
        if (waited > 10_000) throw new Error("never");
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const t0 = Date.now();
    log.add(0);
    await new Promise((r) => setTimeout(r, 1_000));
    log.add(1); // due a second after row 0
    await until(async () => (await count()) > 0);
    // Row 0 written when due (not before), row 1 still waiting for its own time.
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_800);
    expect(await count()).toBe(1);
    expect(log.pending).toBe(1);
    await until(async () => (await count()) === 2);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2_800);
    expect(flushed).toEqual([
      [1, 0],
      [1, 0],
    ]);
    await log.close();
  });

  test("a batch the database refuses waits and is written once it can be; beyond the limit the oldest rows are dropped", async () => {
    const log = make(deps(), { flushMs: 60_000, maxBatch: 100, maxBuffered: 3 });
    await q(`ALTER TABLE ${table} RENAME TO ${table}_away`);
    try {
      log.add(0);
      log.add(1);
      await log.flush(); // refused: the table is away
      expect(log.pending).toBe(2);
      log.add(2);
      log.add(3); // a fourth row: the oldest is dropped
      expect(log.pending).toBe(3);
      expect(flushed).toEqual([[0, 1]]);
    } finally {
      await q(`ALTER TABLE ${table}_away RENAME TO ${table}`);
    }
    await log.flush();
    expect(log.pending).toBe(0);
    const learners: { learner_id: string }[] = await q(`SELECT learner_id FROM ${table} WHERE school_id = $1 ORDER BY learner_id`, [
      schoolId,
    ]);
    expect(learners.map((r) => r.learner_id)).toEqual([learnerIds[1], learnerIds[2], learnerIds[3]].sort());
    expect(flushed.at(-1)).toEqual([3, 0]);
    await log.close();
  });
});

describe("the access log's coalescing across a refused batch", () => {
  const deps = () =>
    ({ dataSource: scratch.db.dataSource, logger: createLogger("silent"), maxPageSize: 100 }) as Pick<
      ServiceDeps,
      "dataSource" | "logger" | "maxPageSize"
    > as ServiceDeps;

  test("the accesses of a refused batch and those after it are one row: first and last time, every request counted", async () => {
    await q(`DELETE FROM access_log WHERE school_id = $1`, [schoolId]);
    const log = new AccessLogService(deps(), { flushMs: 60_000 });
    const read = [{ learnerId: learnerIds[0]!, operation: "mastery", access: AccessKind.Read }];
    const t0 = Date.parse("2026-11-02T10:00:00.000Z");
    await q(`ALTER TABLE access_log RENAME TO access_log_away`);
    try {
      log.record(actor, read, new Date(t0 + 1_000));
      log.record(actor, read, new Date(t0 + 2_000));
      await log.flush(); // refused: back in the buffer
      expect(log.pending).toBe(1);
      log.record(actor, read, new Date(t0)); // an access answered earlier, recorded later
      log.record(actor, read, new Date(t0 + 3_000));
      expect(log.pending).toBe(1);
    } finally {
      await q(`ALTER TABLE access_log_away RENAME TO access_log`);
    }
    await log.flush();
    const rows: { at: Date; last_at: Date; count: number }[] = await q(
      `SELECT at, last_at, count FROM access_log WHERE school_id = $1 AND learner_id = $2`,
      [schoolId, learnerIds[0]],
    );
    expect(rows.map((r) => [new Date(r.at).getTime() - t0, new Date(r.last_at).getTime() - t0, r.count])).toEqual([[0, 3_000, 4]]);
    await log.close();
  });
});
