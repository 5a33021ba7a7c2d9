/**
 * The classifier on the errors the drivers really raise: node-postgres and pg-pool against sockets of
 * the test's own (refused, dropped, silent), a pool kept busy, the database's own SQL errors through
 * TypeORM (which are not outages) and — on the PostgreSQL pass (DATABASE_URL) — a server's statement timeout
 * (57014) and an administrator's termination (57P01), raw and through TypeORM's QueryFailedError.
 */
import net from "node:net";
import pg from "pg";
import { DatabaseError } from "pg-protocol";
import { createPgConfig } from "@electric-sql/pglite/node-postgres";
import { QueryFailedError } from "typeorm";
import { databaseUnavailableReason, isDatabaseUnavailable } from "./db-unavailable.js";
import { openDatabase, migrate } from "../database.js";
import { openScratchDatabase, type ScratchDatabase } from "../../../test/support/scratch-database.js";

const ON_POSTGRES = Boolean(process.env.DATABASE_URL);
const pgOnly = ON_POSTGRES ? test : test.skip;

let scratch: ScratchDatabase;
beforeAll(async () => {
  scratch = await openScratchDatabase("unavailable");
});
afterAll(() => scratch?.close());

/** A local TCP server that treats each connection as `onConnection` says; closed after the test. */
async function socketServer(onConnection: (s: net.Socket) => void): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s)).on("error", () => {});
    onConnection(s);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

const failure = async (p: Promise<unknown>): Promise<unknown> => {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a failure");
};

describe("node-postgres and pg-pool, against sockets of the test's own", () => {
  test("a refused connection (nothing listens): unreachable", async () => {
    const closed = await socketServer(() => {});
    await closed.close();
    const e = await failure(new pg.Client({ host: "127.0.0.1", port: closed.port, user: "x" }).connect());
    expect((e as { code?: string }).code).toBe("ECONNREFUSED");
    expect(databaseUnavailableReason(e)).toBe("unreachable");
  });

  test("a connection the server drops at once: unreachable", async () => {
    const dropping = await socketServer((s) => s.destroy());
    try {
      const e = await failure(new pg.Client({ host: "127.0.0.1", port: dropping.port, user: "x" }).connect());
      expect(databaseUnavailableReason(e)).toBe("unreachable");
    } finally {
      await dropping.close();
    }
  });

  test("a server that accepts and never answers, past the connect timeout: connect-timeout (pool and TypeORM alike)", async () => {
    const silent = await socketServer(() => {});
    try {
      const pool = new pg.Pool({ host: "127.0.0.1", port: silent.port, user: "x", connectionTimeoutMillis: 100 });
      const e = await failure(pool.query("SELECT 1"));
      await pool.end();
      expect((e as Error).message).toBe("Connection terminated due to connection timeout");
      expect(databaseUnavailableReason(e)).toBe("connect-timeout");
      // openDatabase's connectTimeoutMs reaches the pool: the start fails instead of waiting for ever.
      const opening = await failure(openDatabase({ url: `postgres://x@127.0.0.1:${silent.port}/x`, connectTimeoutMs: 100 }));
      expect(databaseUnavailableReason(opening)).toBe("connect-timeout");
    } finally {
      await silent.close();
    }
  });

  test("every pool connection busy past the connect timeout: pool-exhausted", async () => {
    const { pglite } = scratch.db;
    const server = pglite ? createPgConfig(pglite) : { connectionString: process.env.DATABASE_URL };
    const pool = new pg.Pool({ ...server, max: 1, connectionTimeoutMillis: 100 });
    try {
      const held = await pool.connect();
      const e = await failure(pool.query("SELECT 1"));
      held.release();
      expect((e as Error).message).toBe("timeout exceeded when trying to connect");
      expect(databaseUnavailableReason(e)).toBe("pool-exhausted");
      expect(await pool.query("SELECT 1 AS one")).toMatchObject({ rows: [{ one: 1 }] });
    } finally {
      await pool.end();
    }
  });
});

describe("the server's own errors", () => {
  test.each([
    ["57P01", "shutdown"],
    ["57P02", "shutdown"],
    ["57P03", "shutdown"],
    ["08006", "connection-exception"],
    ["08001", "connection-exception"],
    ["53300", "too-many-connections"],
    ["57014", "statement-timeout"],
  ])("SQLSTATE %s (pg-protocol's DatabaseError, raw and in TypeORM's QueryFailedError): %s", (code, reason) => {
    const raw = Object.assign(new DatabaseError("from the server", 0, "error"), { code });
    expect(databaseUnavailableReason(raw)).toBe(reason);
    expect(databaseUnavailableReason(new QueryFailedError("SELECT 1", [], raw))).toBe(reason);
  });

  test("SQL errors of a request, raised by the database through TypeORM, are not outages", async () => {
    const syntax = await failure(scratch.db.dataSource.query("SELEKT 1"));
    const division = await failure(scratch.db.dataSource.query("SELECT 1/0"));
    expect(syntax).toBeInstanceOf(QueryFailedError);
    expect(isDatabaseUnavailable(syntax)).toBe(false);
    expect(isDatabaseUnavailable(division)).toBe(false);
  });

  test("anything else is not an outage", () => {
    for (const e of [
      new Error("boom"),
      new TypeError("x is undefined"),
      null,
      undefined,
      "ECONNREFUSED",
      { code: 23505 },
      { code: "23505" },
    ])
      expect(databaseUnavailableReason(e)).toBeNull();
  });

  pgOnly("PostgreSQL (DATABASE_URL): a statement past statement_timeout (57014), raw and through the server pool's option", async () => {
    const url = process.env.DATABASE_URL!;
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query("SET statement_timeout = 1");
      const e = await failure(client.query("SELECT pg_sleep(1)"));
      expect((e as { code?: string }).code).toBe("57014");
      expect(databaseUnavailableReason(e)).toBe("statement-timeout");
    } finally {
      await client.end();
    }
    const db = await openDatabase({ url, poolSize: 1, statementTimeoutMs: 50 });
    try {
      // Migrations lift the timeout on their connection, and give it back to the pool as it was.
      await migrate(db.dataSource);
      expect(await db.dataSource.query("SHOW statement_timeout")).toEqual([{ statement_timeout: "50ms" }]);
      const e = await failure(db.dataSource.query("SELECT pg_sleep(1)"));
      expect(e).toBeInstanceOf(QueryFailedError);
      expect(databaseUnavailableReason(e)).toBe("statement-timeout");
    } finally {
      await db.close();
    }
  });

  pgOnly("PostgreSQL (DATABASE_URL): a connection terminated by an administrator (57P01)", async () => {
    const url = process.env.DATABASE_URL!;
    const victim = new pg.Client({ connectionString: url });
    const admin = new pg.Client({ connectionString: url });
    await victim.connect();
    await admin.connect();
    victim.on("error", () => {}); // the connection's own error event, after the query's
    try {
      const [{ pid }] = (await victim.query("SELECT pg_backend_pid() AS pid")).rows;
      const sleeping = failure(victim.query("SELECT pg_sleep(30)"));
      while ((await admin.query("SELECT 1 FROM pg_stat_activity WHERE pid = $1 AND wait_event = 'PgSleep'", [pid])).rowCount === 0)
        await new Promise((r) => setTimeout(r, 10));
      await admin.query("SELECT pg_terminate_backend($1)", [pid]);
      const e = await sleeping;
      expect((e as { code?: string }).code).toBe("57P01");
      expect(databaseUnavailableReason(e)).toBe("shutdown");
    } finally {
      await victim.end().catch(() => {});
      await admin.end();
    }
  });
});
