/**
 * The operator's endpoints over real HTTP (issue 13, item 5): /healthz answers without the database,
 * /readyz is 200 on a ready server and 503 naming the check when a migration is pending, the database
 * is closed or the models are not loaded; /metrics exposes every family in Prometheus format, with
 * values that move when a request, an attempt or a job happens, no learner id in any label, a registry
 * per server, and a bearer token when ZPD_METRICS_TOKEN is set.
 */
import { seedDemo, DemoSchool } from "../../src/services/demo/demo-seed.js";
import { Role } from "../../src/services/auth/actor.js";
import { createLogger } from "../../src/shared/logger.js";
import { uuidv7 } from "../../src/shared/ids.js";
import { OperationsService } from "../../src/services/operations/operations.service.js";
import type { ActiveModels } from "../../src/services/personalisation/active-models.js";
import { retention } from "../../jobs/index.js";
import { executeJob } from "../../jobs/runner.js";
import { startTestServer, TestServer } from "../support/test-server.js";
import { createServerDatabase } from "../support/scratch-database.js";

const NOW = new Date("2026-11-01T12:00:00Z");
let s: TestServer;
let demo: DemoSchool;
let admin: string;

beforeAll(async () => {
  s = await startTestServer();
  demo = await seedDemo(s.app.db.dataSource, s.app.services.deps.cipher, NOW, { learners: 12, seed: 7, idLabel: "ops" });
  admin = await s.token({ schoolId: demo.schoolId, role: Role.Admin, subject: "ops-admin" });
  await s.app.services.training.trainAndPublish(demo.schoolId, { seed: 1, cutoff: NOW, kind: "pfa" });
}, 240_000);

afterAll(async () => {
  await s?.stop();
});

const base = (server: TestServer) => server.url.replace(/\/graphql$/, "");
const get = (server: TestServer, path: string, headers: Record<string, string> = {}) => fetch(`${base(server)}${path}`, { headers });

/** The samples of a Prometheus text exposition: `name{labels}` → value. */
async function scrape(server: TestServer): Promise<{ text: string; samples: Map<string, number> }> {
  const res = await get(server, "/metrics");
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) samples.set(m[1]!, Number(m[2]));
  }
  return { text, samples };
}
const value = (samples: Map<string, number>, key: string) => samples.get(key) ?? 0;
/** The body of /readyz. */
interface ReadyBody {
  status: string;
  failing: string | null;
  checks: Record<string, { ok: boolean; detail: string }>;
}

describe("/healthz and /readyz", () => {
  test("a ready server: 200 with every check passed, the active models loaded", async () => {
    const health = await get(s, "/healthz");
    expect([health.status, await health.json()]).toEqual([200, { status: "ok" }]);
    // The first probe starts loading every school's active model; it may answer "loading" until they are in.
    let res = await get(s, "/readyz");
    for (let i = 0; i < 120 && res.status === 503; i++) {
      expect(((await res.json()) as ReadyBody).failing).toBe("models");
      await new Promise((r) => setTimeout(r, 500));
      res = await get(s, "/readyz");
    }
    const body = (await res.json()) as ReadyBody;
    expect(res.status).toBe(200);
    expect(body).toEqual({
      status: "ready",
      failing: null,
      checks: {
        database: { ok: true, detail: "answers" },
        migrations: { ok: true, detail: "applied" },
        models: { ok: true, detail: expect.stringMatching(/^\d+ school\(s\) with an active model, loaded/) },
        policies: { ok: true, detail: expect.stringMatching(/^\d+ school\(s\) with an active learned policy, loaded$/) },
      },
    });
    expect(Number(/^(\d+)/.exec(body.checks.models!.detail)![1])).toBeGreaterThanOrEqual(1);
  });

  test("models not loaded in time, or the registry unreadable: 503 naming the models check", async () => {
    const never = { warmUp: () => new Promise(() => {}) } as unknown as ActiveModels;
    const slow = await new OperationsService(s.app.db.dataSource, never, 200).readiness();
    expect(slow).toEqual({
      ready: false,
      failing: "models",
      checks: {
        database: expect.objectContaining({ ok: true }),
        migrations: expect.objectContaining({ ok: true }),
        models: expect.objectContaining({ ok: false, detail: "loading the schools' active models" }),
      },
    });
    const broken = { warmUp: () => Promise.reject(Object.assign(new Error("x"), { code: "42P01" })) } as unknown as ActiveModels;
    const unreadable = await new OperationsService(s.app.db.dataSource, broken, 200).readiness();
    expect(unreadable.failing).toBe("models");
    expect(unreadable.checks.models!.detail).toMatch(/registry could not be read \(error 42P01\)/);
  });

  describe("a server of its own database", () => {
    let own: TestServer;
    let drop: (() => Promise<void>) | undefined;
    let last: string;
    beforeAll(async () => {
      // Its migrations table is changed below: on PostgreSQL, a database no other test file uses.
      if (process.env.DATABASE_URL) {
        const scratch = await createServerDatabase(process.env.DATABASE_URL, "readyz");
        drop = scratch.drop;
        own = await startTestServer({ DATABASE_URL: scratch.url });
      } else own = await startTestServer();
      [{ name: last }] = await own.app.db.dataSource.query(`SELECT name FROM migrations ORDER BY id DESC LIMIT 1`);
    }, 120_000);
    afterAll(async () => {
      // Its database was closed by the last test: the stop's own close of it may fail.
      await own?.stop().catch(() => {});
      await drop?.();
    });

    test("a migration pending: 503 naming the migrations check; applied again, 200", async () => {
      const [row] = await own.app.db.dataSource.query(`SELECT id, timestamp, name FROM migrations WHERE name = $1`, [last]);
      await own.app.db.dataSource.query(`DELETE FROM migrations WHERE name = $1`, [last]);
      const pending = await get(own, "/readyz");
      expect(pending.status).toBe(503);
      expect(await pending.json()).toEqual({
        status: "unavailable",
        failing: "migrations",
        checks: { database: { ok: true, detail: "answers" }, migrations: { ok: false, detail: expect.stringMatching(/^pending/) } },
      });
      await own.app.db.dataSource.query(`INSERT INTO migrations (id, timestamp, name) VALUES ($1, $2, $3)`, [
        row.id,
        row.timestamp,
        row.name,
      ]);
      expect((await get(own, "/readyz")).status).toBe(200);
    });

    test("the database closed: 503 naming the database check, within about a second; /healthz still ok", async () => {
      await own.app.db.close();
      const res = await get(own, "/readyz");
      expect(res.status).toBe(503);
      const body = (await res.json()) as ReadyBody;
      expect(body.failing).toBe("database");
      expect(body.checks).toEqual({ database: { ok: false, detail: expect.stringMatching(/^(unreachable|no answer)/) } });
      expect((await get(own, "/healthz")).status).toBe(200);
    });
  });
});

describe("/metrics", () => {
  const RECORD = `mutation($i: RecordAttemptInput!) { recordAttempt(input: $i) { duplicate } }`;

  test("every family is exposed, with the school's active model, the engine's backend and the pool", async () => {
    const { text, samples } = await scrape(s);
    for (const family of [
      "zpd_graphql_requests_total",
      "zpd_graphql_request_duration_seconds",
      "zpd_attempts_ingested_total",
      "zpd_attempts_applied_total",
      "zpd_job_runs_total",
      "zpd_active_model_info",
      "zpd_tfjs_backend_info",
      "zpd_db_pool_connections",
      "zpd_access_log_rows_total",
      "zpd_access_log_pending_rows",
      "zpd_recommendation_log_rows_total",
      "zpd_recommendation_log_pending_rows",
      "zpd_recommendations_total",
      "nodejs_eventloop_lag_seconds",
      "process_cpu_user_seconds_total",
      "nodejs_heap_size_used_bytes",
    ])
      expect(text).toContain(`# TYPE ${family} `);
    expect(value(samples, `zpd_active_model_info{school_id="${demo.schoolId}",version="1",kind="pfa"}`)).toBe(1);
    // This process trained the model above: the backend it chose is shown.
    const backends = [...samples.keys()].filter((k) => k.startsWith("zpd_tfjs_backend_info{"));
    expect(backends).toHaveLength(1);
    expect(backends[0]).toMatch(/^zpd_tfjs_backend_info\{backend="(tensorflow|wasm|cpu)"\}$/);
    expect(value(samples, `zpd_db_pool_connections{state="total"}`)).toBeGreaterThanOrEqual(1);
    expect(samples.has(`zpd_db_pool_connections{state="waiting"}`)).toBe(true);
  });

  test("a request counts under its root field and outcome, never under the client's operation name", async () => {
    const before = (await scrape(s)).samples;
    const ok = await s.gql(`query MyDashboardQuery7 { learners(first: 2) { nodes { id } } }`, {}, admin);
    expect(ok.errors).toBeUndefined();
    const anonymous = await s.gql(`{ learners(first: 2) { nodes { id } } }`, {});
    expect(anonymous.errors?.[0]?.extensions?.code).toBe("UNAUTHENTICATED");
    // Refused at the door, before its body is read: counted, under no operation.
    const refused = await s.gql(`{ learners(first: 2) { nodes { id } } }`, {}, "not-a-token");
    expect(refused.status).toBe(401);
    await s.gql(`{ learners(first: 2) { nodes { id } } skills(first: 1) { nodes { id } } }`, {}, admin);
    await s.gql(`{ nope`, {}, admin);
    const { text, samples } = await scrape(s);
    const delta = (k: string) => value(samples, k) - value(before, k);
    expect(delta(`zpd_graphql_requests_total{operation="learners",outcome="ok"}`)).toBe(1);
    expect(delta(`zpd_graphql_requests_total{operation="learners",outcome="UNAUTHENTICATED"}`)).toBe(1);
    expect(delta(`zpd_graphql_requests_total{operation="none",outcome="UNAUTHENTICATED"}`)).toBe(1);
    expect(delta(`zpd_graphql_requests_total{operation="multiple",outcome="ok"}`)).toBe(1);
    const unparsed = [...samples.keys()].filter((k) => k.startsWith(`zpd_graphql_requests_total{operation="none",`));
    expect(unparsed.reduce((n, k) => n + delta(k), 0)).toBe(2);
    expect(delta(`zpd_graphql_request_duration_seconds_count{operation="learners"}`)).toBe(2);
    expect(delta(`zpd_graphql_request_duration_seconds_count{operation="none"}`)).toBe(2);
    expect(text).not.toContain("MyDashboardQuery7");
  });

  test("attempts: written and duplicates counted; no learner id in any label", async () => {
    const service = await s.token({ schoolId: demo.schoolId, role: Role.Service });
    const [{ id: taskId }] = await s.app.db.dataSource.query(`SELECT id FROM task WHERE school_id = $1 ORDER BY id LIMIT 1`, [
      demo.schoolId,
    ]);
    const learnerId = demo.learnerIds[3]!;
    const before = (await scrape(s)).samples;
    const input = { learnerId, taskId, correct: true, idempotencyKey: `metrics-${uuidv7()}` };
    expect((await s.gql(RECORD, { i: input }, service)).data.recordAttempt.duplicate).toBe(false);
    expect((await s.gql(RECORD, { i: input }, service)).data.recordAttempt.duplicate).toBe(true);
    const { text, samples } = await scrape(s);
    const delta = (k: string) => value(samples, k) - value(before, k);
    expect(delta(`zpd_attempts_ingested_total{result="written"}`)).toBe(1);
    expect(delta(`zpd_attempts_ingested_total{result="duplicate"}`)).toBe(1);
    expect(delta(`zpd_graphql_requests_total{operation="recordAttempt",outcome="ok"}`)).toBe(2);
    for (const id of demo.learnerIds) expect(text).not.toContain(id);
  });

  test("the deferred path: its attempts counted ingested when acknowledged, applied when the applier has taken them", async () => {
    const service = await s.token({ schoolId: demo.schoolId, role: Role.Service });
    const [{ id: taskId }] = await s.app.db.dataSource.query(`SELECT id FROM task WHERE school_id = $1 ORDER BY id LIMIT 1`, [
      demo.schoolId,
    ]);
    await s.app.services.pendingApplier.drain();
    const before = (await scrape(s)).samples;
    const inputs = [0, 1].map((i) => ({ learnerId: demo.learnerIds[4]!, taskId, correct: i === 0, idempotencyKey: `metrics-${uuidv7()}` }));
    const r = await s.gql(`mutation($i: [RecordAttemptInput!]!) { ingestAttempts(inputs: $i) { duplicate } }`, { i: inputs }, service);
    expect(r.errors).toBeUndefined();
    await s.app.services.pendingApplier.drain();
    const { samples } = await scrape(s);
    const delta = (k: string) => value(samples, k) - value(before, k);
    expect(delta(`zpd_attempts_ingested_total{result="written"}`)).toBe(2);
    expect(delta("zpd_attempts_applied_total")).toBe(2);
  });

  test("job runs: counted by job and status as they settle", async () => {
    const before = (await scrape(s)).samples;
    const run = (payload: unknown) =>
      executeJob(retention, payload, {
        id: uuidv7(),
        attempt: 1,
        retryLimit: 0,
        services: s.app.services,
        logger: createLogger("silent"),
        settings: { retrainCron: null, schoolIds: [demo.schoolId], accessLogRetentionDays: 365 },
      });
    expect((await run({ at: NOW.toISOString() })).status).toBe("completed");
    expect((await run({ nonsense: 1 })).status).toBe("deadletter");
    const { samples } = await scrape(s);
    const delta = (k: string) => value(samples, k) - value(before, k);
    expect(delta(`zpd_job_runs_total{job="retention",status="SUCCEEDED"}`)).toBe(1);
    expect(delta(`zpd_job_runs_total{job="retention",status="FAILED"}`)).toBe(1);
  });

  test("each server counts its own requests (a registry per server)", async () => {
    const other = await startTestServer();
    try {
      const { samples } = await scrape(other);
      expect([...samples.keys()].filter((k) => k.startsWith("zpd_graphql_requests_total{"))).toEqual([]);
      expect(value((await scrape(s)).samples, `zpd_graphql_requests_total{operation="learners",outcome="ok"}`)).toBeGreaterThanOrEqual(1);
    } finally {
      await other.stop();
    }
  });

  test("with ZPD_METRICS_TOKEN, /metrics needs that bearer token", async () => {
    const token = "metrics-token-0123456789abcdef";
    const guarded = await startTestServer({ ZPD_METRICS_TOKEN: token });
    try {
      expect((await get(guarded, "/metrics")).status).toBe(401);
      expect((await get(guarded, "/metrics", { authorization: "Bearer metrics-token-0123456789abcdeX" })).status).toBe(401);
      const res = await get(guarded, "/metrics", { authorization: `Bearer ${token}` });
      expect(res.status).toBe(200);
      expect(await res.text()).toContain("# TYPE zpd_graphql_requests_total counter");
      // Readiness stays open to probes.
      expect((await get(guarded, "/readyz")).status).toBe(200);
    } finally {
      await guarded.stop();
    }
  });
});
