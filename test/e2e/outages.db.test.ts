/**
 * Outages answer as outages, and no request holds the server for ever — on the real server over real
 * HTTP, its logger captured.
 *
 * On both databases: the database kept busy by the test (every pool connection held) — a request past
 * ZPD_REQUEST_TIMEOUT_MS answers REQUEST_TIMEOUT (retryable, 503, Retry-After) at its deadline; an
 * attempt sent then is written whole once the database is free, and sent again is a duplicate; a
 * client that disconnects stops its query at once (the statements that follow are counted).
 *
 * On PostgreSQL (DATABASE_URL) the server's pool runs through a TCP proxy of the test's own
 * (support/tcp-proxy.ts), which takes the database away and gives it back without touching the shared
 * server: cut (connections reset, new ones refused) and frozen (nothing answers: the connect timeout and
 * the deadline); a statement past ZPD_DB_STATEMENT_TIMEOUT_MS; an erasure whose connection is lost in the
 * middle of its transaction. Every request during an outage is UNAVAILABLE (or REQUEST_TIMEOUT), retryable,
 * 503; the server recovers without a restart; nothing acknowledged is lost; one log line marks each
 * outage's start and one its end, with its duration and the requests it refused, and no stack or SQL.
 * Embedded PGlite has no network and no statement timeout: those parts exist on PostgreSQL only.
 */
import pg from "pg";
import type { DataSource } from "typeorm";
import { Role } from "../../src/services/auth/actor.js";
import { createLogger } from "../../src/shared/logger.js";
import { openWorkerServices } from "../../src/app.js";
import { startTestServer, type TestServer } from "../support/test-server.js";
import { learnerWorld, type LearnerWorld } from "../support/learner-world.js";
import { startTcpProxy, type TcpProxy } from "../support/tcp-proxy.js";

const ON_POSTGRES = Boolean(process.env.DATABASE_URL);
const pgOnly = ON_POSTGRES ? test : test.skip;
const RETRYABLE = { retryable: true, retryAfterSeconds: 2 };

interface Answer {
  status: number;
  retryAfter: string | null;
  body: { data?: any; errors?: { message: string; path?: unknown[]; extensions?: Record<string, unknown> }[] };
}

/** A GraphQL request over real HTTP, with the status and Retry-After header. */
async function post(
  s: TestServer,
  query: string,
  variables: Record<string, unknown>,
  token: string,
  signal?: AbortSignal,
): Promise<Answer> {
  const res = await fetch(s.url, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
    signal,
  });
  return { status: res.status, retryAfter: res.headers.get("retry-after"), body: (await res.json()) as Answer["body"] };
}

/** Polls `check` until it holds (each poll lets the event loop turn); fails after `limitMs`. */
async function until(check: () => boolean | Promise<boolean>, what: string, limitMs = 30_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

interface PgPool {
  readonly options: { max: number };
  readonly totalCount: number;
  readonly idleCount: number;
  readonly waitingCount: number;
}
const poolOf = (ds: DataSource) => (ds.driver as unknown as { master: PgPool }).master;

/** Takes every connection of the server's pool (PGlite's one, or PostgreSQL's); returns the release. */
async function holdPool(ds: DataSource): Promise<() => Promise<void>> {
  const runners: ReturnType<DataSource["createQueryRunner"]>[] = [];
  for (let i = 0; i < poolOf(ds).options.max; i++) {
    const runner = ds.createQueryRunner();
    await runner.connect();
    runners.push(runner);
  }
  return async () => {
    for (const r of runners) await r.release();
  };
}

const logCapture = () => {
  const lines: string[] = [];
  const logger = createLogger("info", { write: (line: string) => void lines.push(line) });
  const entries = () => lines.map((l) => JSON.parse(l) as { level: number; msg: string; [k: string]: unknown });
  return { lines, logger, entries };
};

const attempt = `mutation($input: RecordAttemptInput!) { recordAttempt(input: $input) { duplicate attempt { id } } }`;
const learners = `{ learners(first: 5) { nodes { id } } }`;

describe("a database kept busy: the request deadline and client disconnects (both databases)", () => {
  const log = logCapture();
  let s: TestServer;
  let w: LearnerWorld;
  beforeAll(async () => {
    s = await startTestServer({ ZPD_REQUEST_TIMEOUT_MS: "1500" }, { logger: log.logger });
    w = await learnerWorld(s, "Deadline School");
    expect((await post(s, learners, {}, w.admin)).body.errors).toBeUndefined(); // the token verified and cached
  }, 120_000);
  afterAll(() => s?.stop());

  test("a query past ZPD_REQUEST_TIMEOUT_MS answers one REQUEST_TIMEOUT (retryable, 503, Retry-After) at its deadline, logged once; answered again once the database is free", async () => {
    const before = log.entries().length;
    const release = await holdPool(s.app.db.dataSource);
    let r: Answer;
    try {
      r = await post(s, learners, {}, w.admin);
    } finally {
      await release();
    }
    expect(r.status).toBe(503);
    expect(r.retryAfter).toBe("2");
    expect(r.body.errors).toHaveLength(1);
    expect(r.body.errors![0]!.extensions).toEqual({ code: "REQUEST_TIMEOUT", ...RETRYABLE });
    const logged = log.entries().slice(before);
    expect(logged.filter((e) => e.msg.startsWith("request abandoned"))).toEqual([
      expect.objectContaining({ level: 40, reason: "timeout", operation: null }),
    ]);
    expect(log.lines.join("\n")).not.toMatch(/stack|SELECT/);
    const again = await post(s, learners, {}, w.admin);
    expect(again.status).toBe(200);
    expect(again.body.errors).toBeUndefined();
    expect(again.body.data.learners.nodes.map((l: { id: string }) => l.id).sort()).toEqual([w.inMaple, w.inOak].sort());
  });

  test("an attempt sent while the database is busy past the deadline: REQUEST_TIMEOUT, then written whole once the database is free (the attempt and its learner's state); sent again it is a duplicate, stored once", async () => {
    const ds = s.app.db.dataSource;
    const input = { learnerId: w.inMaple, taskId: w.tasks.T1, correct: true, idempotencyKey: "deadline-attempt-1" };
    const release = await holdPool(ds);
    let r: Answer;
    try {
      r = await post(s, attempt, { input }, w.admin);
    } finally {
      await release();
    }
    expect(r.status).toBe(503);
    expect(r.body.errors![0]!.extensions).toEqual({ code: "REQUEST_TIMEOUT", ...RETRYABLE });
    // Its write was under way when the deadline passed: it finishes (or rolls back) whole, in the background.
    const stored = async () =>
      Number(
        (
          await ds.query(`SELECT count(*)::int AS n FROM attempt WHERE school_id = $1 AND idempotency_key = $2`, [
            w.schoolId,
            input.idempotencyKey,
          ])
        )[0].n,
      );
    await until(async () => (await stored()) === 1, "the attempt's write to finish");
    const [state] = await ds.query(`SELECT attempt_count FROM learner_state WHERE learner_id = $1`, [w.inMaple]);
    const [{ n: attempts }] = await ds.query(`SELECT count(*)::int AS n FROM attempt WHERE learner_id = $1`, [w.inMaple]);
    expect(Number(state.attempt_count)).toBe(attempts);
    const resent = await post(s, attempt, { input }, w.admin);
    expect(resent.body.errors).toBeUndefined();
    expect(resent.body.data.recordAttempt.duplicate).toBe(true);
    expect(await stored()).toBe(1);
  });

  test("a client that disconnects: its query is abandoned at once, and only the statement already waiting runs once the database is free (the same query in full sends more)", async () => {
    const ds = s.app.db.dataSource;
    const deep = `{ learners(first: 10) { nodes { id cohorts { id learners(first: 10) { nodes { id cohorts { id teachers { id } } } } } } } }`;
    const c0 = s.app.db.queries.count;
    const full = await post(s, deep, {}, w.admin);
    expect(full.body.errors).toBeUndefined();
    const inFull = s.app.db.queries.count - c0;

    const before = log.entries().length;
    const release = await holdPool(ds);
    let atRelease: number;
    let waiting: number;
    try {
      const ac = new AbortController();
      const sent = post(s, deep, {}, w.admin, ac.signal).catch((e: Error) => e);
      await until(() => poolOf(ds).waitingCount > 0, "the query to wait for a connection");
      ac.abort();
      expect(await sent).toMatchObject({ name: "AbortError" });
      // Abandoned while its first field still waits for the database, not when the database is free.
      await until(
        () =>
          log
            .entries()
            .slice(before)
            .some((e) => e.msg === "request abandoned: the client disconnected"),
        "the server to abandon the request",
      );
      atRelease = s.app.db.queries.count;
      waiting = poolOf(ds).waitingCount;
    } finally {
      await release();
    }
    // Settled: the pool idle, then one statement of the test's own through it, then idle again.
    const idle = () => poolOf(ds).waitingCount === 0 && poolOf(ds).idleCount === poolOf(ds).totalCount;
    await until(idle, "the pool to be idle");
    await ds.query("SELECT 1");
    await until(idle, "the pool to be idle again");
    const afterAbandon = s.app.db.queries.count - atRelease! - 1;
    expect(afterAbandon).toBeLessThanOrEqual(waiting!);
    expect(inFull).toBeGreaterThan(waiting! + 2);
    expect(
      log
        .entries()
        .slice(before)
        .filter((e) => e.msg.startsWith("request abandoned")),
    ).toEqual([expect.objectContaining({ level: 30, reason: "disconnect" })]);
  });
});

describe("the statement timeout is the API's only (both databases)", () => {
  test("an in-process worker's jobs run without it: on PostgreSQL a pool of their own, on PGlite the server's one connection, which has none", async () => {
    const s = await startTestServer();
    try {
      const jobs = await openWorkerServices(s.app);
      try {
        const timeout = async (ds: DataSource) => (await ds.query("SHOW statement_timeout"))[0].statement_timeout;
        expect(await timeout(jobs.services.deps.dataSource)).toBe("0");
        if (ON_POSTGRES) {
          expect(await timeout(s.app.db.dataSource)).toBe("15s");
          expect(jobs.services.deps.dataSource).not.toBe(s.app.db.dataSource);
        } else {
          expect(jobs.services).toBe(s.app.services);
        }
      } finally {
        await jobs.close();
      }
    } finally {
      await s.stop();
    }
  });
});

describe("PostgreSQL through a proxy of the test's own (DATABASE_URL): outages", () => {
  const log = logCapture();
  let proxy: TcpProxy;
  let s: TestServer;
  let w: LearnerWorld;
  /**
   * Clients straight to the server, past the proxy: `direct` reads (outside any transaction: the
   * activity view is a snapshot per transaction), `locker` holds row locks in a transaction.
   */
  let direct: pg.Client;
  let locker: pg.Client;
  beforeAll(async () => {
    if (!ON_POSTGRES) return;
    const url = new URL(process.env.DATABASE_URL!);
    proxy = await startTcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
    s = await startTestServer(
      {
        DATABASE_URL: proxy.rewrite(process.env.DATABASE_URL!),
        ZPD_DB_CONNECT_TIMEOUT_MS: "1000",
        ZPD_DB_STATEMENT_TIMEOUT_MS: "3000",
        ZPD_REQUEST_TIMEOUT_MS: "5000",
      },
      { logger: log.logger },
    );
    w = await learnerWorld(s, "Outage School");
    direct = new pg.Client({ connectionString: process.env.DATABASE_URL });
    locker = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await direct.connect();
    await locker.connect();
  }, 120_000);
  afterAll(async () => {
    await direct?.end();
    await locker?.end();
    await s?.stop();
    await proxy?.close();
  });

  const outageLines = () => log.entries().filter((e) => e.msg.startsWith("database unavailable") || e.msg === "database available again");
  const record = (key: string, learnerId = w.inMaple) =>
    post(s, attempt, { input: { learnerId, taskId: w.tasks.T2, correct: key.endsWith("1"), idempotencyKey: key } }, w.admin);
  const expectUnavailable = (r: Answer) => {
    expect(r.status).toBe(503);
    expect(r.retryAfter).toBe("2");
    expect(r.body.errors!.length).toBeGreaterThan(0);
    for (const e of r.body.errors!) expect(e.extensions).toEqual({ code: "UNAVAILABLE", ...RETRYABLE });
  };

  pgOnly(
    "cut (refused, reset): every request UNAVAILABLE, retryable, 503 — GraphQL and the audit report page; restored: answers again without a restart; refused attempts sent again, none acknowledged lost; one line at each end of the outage",
    async () => {
      const acknowledged = ["cut-1", "cut-2", "cut-3"];
      for (const key of acknowledged) expect((await record(key)).body.data.recordAttempt.duplicate).toBe(false);
      expect(outageLines()).toEqual([]);

      await proxy.cut();
      const refusedKeys = ["cut-4", "cut-5", "cut-6"];
      const during: Answer[] = [];
      for (const key of refusedKeys) during.push(await record(key));
      during.push(await post(s, learners, {}, w.admin));
      during.push(await post(s, `{ school { id name } cohorts { nodes { id } } }`, {}, w.admin));
      // A token the server has not seen yet cannot be checked to name somebody: UNAVAILABLE, not refused as invalid.
      const unseen = await s.token({ schoolId: w.schoolId, role: Role.Admin, subject: "first-seen-during-the-outage" });
      during.push(await post(s, learners, {}, unseen));
      for (const r of during) expectUnavailable(r);
      const page = await fetch(`${s.url.replace(/\/graphql$/, "")}/audit-reports/00000000-0000-7000-8000-000000000001`, {
        headers: { authorization: `Bearer ${w.admin}` },
      });
      expect(page.status).toBe(503);
      expect(page.headers.get("retry-after")).toBe("2");
      expect(((await page.json()) as Answer["body"]).errors![0]!.extensions).toEqual({ code: "UNAVAILABLE", ...RETRYABLE });
      const refused = during.length + 1;

      await proxy.restore();
      const after = await post(s, learners, {}, w.admin);
      expect(after.status).toBe(200);
      expect(after.body.errors).toBeUndefined();
      for (const key of refusedKeys) expect((await record(key)).body.data.recordAttempt.duplicate).toBe(false); // refused: never written
      const rows = await direct.query(
        `SELECT idempotency_key, count(*)::int AS n FROM attempt WHERE school_id = $1 AND idempotency_key LIKE 'cut-%' GROUP BY 1 ORDER BY 1`,
        [w.schoolId],
      );
      expect(rows.rows).toEqual([...acknowledged, ...refusedKeys].map((k) => ({ idempotency_key: k, n: 1 })));

      const lines = outageLines();
      expect(lines).toEqual([
        expect.objectContaining({ level: 40, msg: expect.stringMatching(/^database unavailable/), reason: "unreachable" }),
        expect.objectContaining({
          level: 30,
          msg: "database available again",
          refusedRequests: refused,
          reasons: { unreachable: refused },
        }),
      ]);
      expect(lines[1]!.durationMs).toEqual(expect.any(Number));
      // Expected conditions: nothing at error level, no stack, no SQL, no parameters.
      expect(log.entries().filter((e) => e.level >= 50)).toEqual([]);
      expect(log.lines.join("\n")).not.toMatch(/stack|SELECT|INSERT|cut-4/);
    },
  );

  pgOnly(
    "frozen (nothing answers): the connect timeout and the deadline answer 503, retryable — UNAVAILABLE or REQUEST_TIMEOUT; restored: answers again; one more outage in the log",
    async () => {
      const before = outageLines().length;
      proxy.freeze();
      let during: Answer[];
      try {
        // More requests than the pool has connections: some wait on a frozen connection (the deadline
        // answers them), the others wait for a connection (the connect timeout answers them).
        during = await Promise.all(Array.from({ length: 8 }, () => post(s, learners, {}, w.admin)));
      } finally {
        await proxy.restore();
      }
      const codes = new Set<unknown>();
      for (const r of during) {
        expect(r.status).toBe(503);
        expect(r.retryAfter).toBe("2");
        for (const e of r.body.errors!) {
          expect(e.extensions).toMatchObject(RETRYABLE);
          codes.add(e.extensions!.code);
        }
      }
      expect(codes).toContain("UNAVAILABLE");
      expect([...codes].every((c) => c === "UNAVAILABLE" || c === "REQUEST_TIMEOUT")).toBe(true);
      await until(async () => (await post(s, learners, {}, w.admin)).status === 200, "an answer after the outage");
      await until(() => outageLines().length === before + 2, "the outage's end in the log");
      expect(outageLines().slice(before)).toEqual([
        expect.objectContaining({ level: 40, reason: expect.stringMatching(/^(pool-exhausted|connect-timeout)$/) }),
        expect.objectContaining({ level: 30, msg: "database available again" }),
      ]);
    },
  );

  pgOnly("a statement past ZPD_DB_STATEMENT_TIMEOUT_MS (a row locked by another session): UNAVAILABLE, nothing written", async () => {
    const cohortId = (await post(s, `{ cohorts { nodes { id name } } }`, {}, w.admin)).body.data.cohorts.nodes[0].id;
    const before = outageLines().length;
    await locker.query("BEGIN");
    let r: Answer;
    try {
      await locker.query("SELECT 1 FROM cohort WHERE id = $1 FOR UPDATE", [cohortId]);
      r = await post(s, `mutation($id: UUID!) { updateCohort(id: $id, input: { name: "Renamed" }) { name } }`, { id: cohortId }, w.admin);
    } finally {
      await locker.query("ROLLBACK");
    }
    expectUnavailable(r);
    const [row] = (await direct.query("SELECT name FROM cohort WHERE id = $1", [cohortId])).rows;
    expect(row.name).not.toBe("Renamed");
    // An episode of its own in the log, ended by the next statement the database answers.
    expect((await post(s, learners, {}, w.admin)).status).toBe(200);
    expect(outageLines().slice(before)).toEqual([
      expect.objectContaining({ level: 40, reason: "statement-timeout" }),
      expect.objectContaining({ level: 30, msg: "database available again", refusedRequests: 1 }),
    ]);
  });

  pgOnly(
    "an erasure whose connection is lost in the middle of its transaction (the learner's attempts already deleted in it) writes nothing; sent again, it erases",
    async () => {
      const learner = w.inOak;
      for (const key of ["erase-1", "erase-2"]) expect((await record(key, learner)).body.errors).toBeUndefined();
      const consent = await post(
        s,
        `mutation($l: UUID!) { setConsent(learnerId: $l, purpose: TRAINING, granted: true, grantedBy: SCHOOL) { granted } }`,
        { l: learner },
        w.admin,
      );
      expect(consent.body.errors).toBeUndefined();
      const count = async (table: string, column = "learner_id") =>
        Number((await direct.query(`SELECT count(*)::int AS n FROM ${table} WHERE ${column} = $1`, [learner])).rows[0].n);
      expect(await count("attempt")).toBe(2);

      const erase = `mutation($l: UUID!) { eraseLearner(learnerId: $l) { id } }`;
      // The erasure deletes the attempts, then waits on the consent row this session locks.
      await locker.query("BEGIN");
      let r: Answer;
      try {
        await locker.query("SELECT 1 FROM consent WHERE learner_id = $1 FOR UPDATE", [learner]);
        const sent = post(s, erase, { l: learner }, w.admin);
        const waiting = async () =>
          (
            await direct.query(
              `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%DELETE FROM consent%'`,
            )
          ).rowCount === 1;
        await until(waiting, "the erasure to wait on the consent row");
        await proxy.cut();
        r = await sent;
      } finally {
        await locker.query("ROLLBACK");
      }
      expectUnavailable(r);
      // The server's session finds its client gone once the lock is released, and rolls back.
      await until(
        async () =>
          (
            await direct.query(
              `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND query LIKE '%DELETE FROM consent%' AND pid <> pg_backend_pid()`,
            )
          ).rowCount === 0,
        "the erasure's session to end",
      );
      expect(await count("attempt")).toBe(2);
      expect(await count("consent")).toBe(1);
      expect(await count("learner", "id")).toBe(1);

      await proxy.restore();
      const again = await post(s, erase, { l: learner }, w.admin);
      expect(again.body.errors).toBeUndefined();
      expect(await count("attempt")).toBe(0);
      expect(await count("learner", "id")).toBe(0);
    },
  );
});
