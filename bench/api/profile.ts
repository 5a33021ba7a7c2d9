/**
 * `--profile`: where the time of one request goes. After the HTTP run, the app is started IN this
 * process (startApp, on the run's copy of the database) and each operation is sent sequentially over
 * HTTP while
 *
 *   - every SQL statement is timed (TypeORM's PostgresQueryRunner.query, patched here only),
 *   - the engine's recommend / planPath / goalProgress and the services' main steps are timed,
 *   - the V8 CPU profiler samples the process (self time per function),
 *
 * and the slowest read statements are run once more under EXPLAIN ANALYZE. Returns Markdown.
 */
import { statementText } from "../../src/persistence/prepared.js";
import { Session } from "node:inspector";
import http from "node:http";
import { createRequire } from "node:module";
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import { loadConfig } from "../../src/config/config.js";
import { startApp } from "../../src/app.js";
import { createLogger } from "../../src/shared/logger.js";
import { signToken } from "../../src/api/auth/token.js";
import { Role } from "../../src/services/auth/actor.js";
import { LearnerModelService } from "../../src/services/personalisation/learner-model.service.js";
import { PersonalisationService } from "../../src/services/personalisation/personalisation.service.js";
import { CurriculumCache } from "../../src/services/personalisation/curriculum-cache.js";
import { ActiveModels } from "../../src/services/personalisation/active-models.js";
import { AttemptService } from "../../src/services/attempt/attempt.service.js";
import { freePort } from "./server.js";
import { PLAN_PATH, RECOMMENDATIONS, RECORD_ATTEMPT } from "./load.js";
import { RECORD_ATTEMPTS } from "../load/batched.js";
import type { PreparedInfo } from "./prepare.js";

interface Bucket {
  sql: Map<string, { n: number; ms: number; sample: unknown[] | undefined; full: string }>;
  spans: Map<string, { n: number; ms: number }>;
  sqlMs: number;
  sqlN: number;
  totalMs: number[];
}

const newBucket = (): Bucket => ({ sql: new Map(), spans: new Map(), sqlMs: 0, sqlN: 0, totalMs: [] });
let current: Bucket | null = null;

const norm = (sql: string) => sql.replace(/\s+/g, " ").trim();

function patchAsync(target: Record<string, unknown>, name: string, label: string): void {
  const orig = target[name] as (...a: unknown[]) => unknown;
  if (typeof orig !== "function") return;
  target[name] = function (this: unknown, ...a: unknown[]) {
    const b = current;
    const t = performance.now();
    const done = () => {
      if (!b) return;
      const s = b.spans.get(label) ?? { n: 0, ms: 0 };
      s.n++;
      s.ms += performance.now() - t;
      b.spans.set(label, s);
    };
    const r = orig.apply(this, a);
    if (r && typeof (r as Promise<unknown>).then === "function") return (r as Promise<unknown>).finally(done);
    done();
    return r;
  };
}

function installHooks(): void {
  const req = createRequire(__filename);
  const qr = req("typeorm/driver/postgres/PostgresQueryRunner.js").PostgresQueryRunner.prototype as Record<string, unknown>;
  const origQuery = qr.query as (this: unknown, q: string, p?: unknown[], ...rest: unknown[]) => Promise<unknown>;
  qr.query = async function (this: unknown, q: string, p?: unknown[], ...rest: unknown[]) {
    const b = current;
    const t = performance.now();
    try {
      return await origQuery.call(this, q, p, ...rest);
    } finally {
      if (b) {
        const ms = performance.now() - t;
        const text = norm(statementText(q));
        const key = text.slice(0, 160);
        const e = b.sql.get(key) ?? { n: 0, ms: 0, sample: p, full: text };
        e.n++;
        e.ms += ms;
        b.sql.set(key, e);
        b.sqlMs += ms;
        b.sqlN++;
      }
    }
  };
  for (const [mod, names] of [
    ["../../src/engine/recommend/recommend.js", ["recommend"]],
    ["../../src/engine/recommend/plan.js", ["planPath"]],
    ["../../src/engine/recommend/progress.js", ["goalProgress"]],
  ] as const) {
    const m = req(mod) as Record<string, unknown>;
    for (const n of names) patchAsync(m, n, `engine ${n}()`);
  }
  patchAsync(LearnerModelService.prototype as unknown as Record<string, unknown>, "applyAttempts", "LearnerModelService.applyAttempts");
  patchAsync(LearnerModelService.prototype as unknown as Record<string, unknown>, "applyMany", "LearnerModelService.applyMany");
  patchAsync(LearnerModelService.prototype as unknown as Record<string, unknown>, "planIncremental", "LearnerModelService.planIncremental");
  patchAsync(PersonalisationService.prototype as unknown as Record<string, unknown>, "view", "PersonalisationService.view");
  patchAsync(
    PersonalisationService.prototype as unknown as Record<string, unknown>,
    "recommendations",
    "PersonalisationService.recommendations",
  );
  patchAsync(PersonalisationService.prototype as unknown as Record<string, unknown>, "planPath", "PersonalisationService.planPath");
  patchAsync(AttemptService.prototype as unknown as Record<string, unknown>, "recordMany", "AttemptService.recordMany");
  patchAsync(CurriculumCache.prototype as unknown as Record<string, unknown>, "load", "CurriculumCache.load (reload)");
  patchAsync(ActiveModels.prototype as unknown as Record<string, unknown>, "get", "ActiveModels.get");
}

function post(port: number, token: string, query: string, variables: Record<string, unknown>): Promise<string> {
  const body = JSON.stringify({ query, variables });
  return new Promise((resolve, reject) => {
    const r = http.request(
      {
        host: "127.0.0.1",
        port,
        path: "/graphql",
        method: "POST",
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body), authorization: `Bearer ${token}` },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
      },
    );
    r.on("error", reject);
    r.end(body);
  });
}

interface CpuNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: CpuNode[];
  samples: number[];
  timeDeltas: number[];
}

function topSelf(profile: CpuProfile, n: number): string[] {
  const byId = new Map(profile.nodes.map((x) => [x.id, x]));
  const self = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id)!;
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const f = node.callFrame;
    const where = f.url ? `${f.url.replace(/^.*\/(node_modules|dist)\//, "$1/")}:${f.lineNumber + 1}` : "";
    const key = `${f.functionName || "(anonymous)"} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + dt);
  });
  return [...self]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, us]) => `| ${((100 * us) / total).toFixed(1)} % | \`${k}\` |`);
}

export async function profileOperations(
  db: { url?: string; dataDir?: string },
  info: PreparedInfo,
  log: (m: string) => void,
  calls = 100,
  /** Only the operations whose name starts with this (all when absent). */
  only?: string,
): Promise<string> {
  installHooks();
  const secret = randomBytes(32).toString("base64url");
  const env: Record<string, string> = {
    ZPD_JWT_SECRET: secret,
    ZPD_PROFILE_KEY: info.profileKey,
    ZPD_SEED_DEMO: "false",
    LOG_LEVEL: "warn",
    ...(db.url ? { DATABASE_URL: db.url } : { ZPD_DATA_DIR: db.dataDir! }),
  };
  const config = loadConfig(env);
  const app = await startApp(config, { logger: createLogger("warn"), keys: { current: Buffer.from(info.profileKey, "base64") } });
  const port = await freePort();
  await app.server.listen(port, "127.0.0.1");
  const token = await signToken(secret, { schoolId: info.schoolId, role: Role.Admin, subject: "bench-profile" }, "1h");
  const session = new Session();
  session.connect();
  const call = <T>(method: string, params?: object) =>
    new Promise<T>((res, rej) => session.post(method, params ?? {}, (err, r) => (err ? rej(err) : res(r as T))));
  let seed = 12345;
  const rand = () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  const ops: [string, () => [string, Record<string, unknown>]][] = [
    [
      "recommendations",
      () => {
        const l = pick(info.learners);
        return [RECOMMENDATIONS, { learnerId: l.id, goalId: l.goalId }];
      },
    ],
    [
      "recordAttempt",
      () => [
        RECORD_ATTEMPT,
        {
          input: {
            learnerId: pick(info.learners).id,
            taskId: pick(info.taskIds),
            correct: rand() < 0.65,
            idempotencyKey: `profile-${Date.now()}-${Math.floor(rand() * 1e9)}`,
            source: "bench",
          },
        },
      ],
    ],
    ["planPath", () => [PLAN_PATH, { goalId: pick(info.learners).goalId }]],
    [
      // bench:load's batched calls: 100 attempts of learners drawn at random (a batch's most state updates).
      "recordAttempts (100 a call)",
      () => [
        RECORD_ATTEMPTS,
        {
          inputs: Array.from({ length: 100 }, () => ({
            learnerId: pick(info.learners).id,
            taskId: pick(info.taskIds),
            correct: rand() < 0.65,
            idempotencyKey: `profile-${Date.now()}-${Math.floor(rand() * 1e9)}`,
            source: "bench",
          })),
        },
      ],
    ],
  ];
  const out: string[] = [];
  out.push(
    `${calls} sequential calls of each operation to the app started in the benchmark process (same code, same database copy), after 20 warm-up calls. Time is wall time per call; "SQL" is the time spent awaiting TypeORM's query() (statements run one after another within a request).`,
  );
  try {
    await call("Profiler.enable");
    await call("Profiler.setSamplingInterval", { interval: 200 });
    for (const [name, make] of ops.filter(([n]) => only === undefined || n.startsWith(only))) {
      for (let i = 0; i < 20; i++) {
        const [q, v] = make();
        await post(port, token, q, v);
      }
      const b = newBucket();
      await call("Profiler.start");
      for (let i = 0; i < calls; i++) {
        const [q, v] = make();
        current = b;
        const t = performance.now();
        const text = await post(port, token, q, v);
        b.totalMs.push(performance.now() - t);
        current = null;
        if (text.includes('"errors"')) log(`profile ${name}: ${text.slice(0, 300)}`);
      }
      const { profile } = await call<{ profile: CpuProfile }>("Profiler.stop");
      const sorted = [...b.totalMs].sort((x, y) => x - y);
      const mean = b.totalMs.reduce((s, x) => s + x, 0) / calls;
      out.push("");
      out.push(`### ${name}`);
      out.push("");
      out.push(
        `Per call: mean ${mean.toFixed(1)} ms, p50 ${sorted[Math.floor(calls / 2)]!.toFixed(1)} ms, max ${sorted[calls - 1]!.toFixed(1)} ms; ${(b.sqlN / calls).toFixed(1)} SQL statements taking ${(b.sqlMs / calls).toFixed(1)} ms; the rest (${(mean - b.sqlMs / calls).toFixed(1)} ms) is JavaScript: GraphQL, services, engine, JSON.`,
      );
      out.push("");
      out.push("| span | calls per request | ms per request |");
      out.push("|---|---|---|");
      for (const [k, s] of [...b.spans].sort((x, y) => y[1].ms - x[1].ms))
        out.push(`| ${k} | ${(s.n / calls).toFixed(2)} | ${(s.ms / calls).toFixed(2)} |`);
      out.push("");
      out.push("| SQL statement (first 160 characters) | per request | ms per request | ms each |");
      out.push("|---|---|---|---|");
      const stmts = [...b.sql].sort((x, y) => y[1].ms - x[1].ms);
      for (const [k, s] of stmts.slice(0, 12))
        out.push(
          `| \`${k.replace(/\|/g, "\\|")}\` | ${(s.n / calls).toFixed(2)} | ${(s.ms / calls).toFixed(2)} | ${(s.ms / s.n).toFixed(2)} |`,
        );
      out.push("");
      out.push("CPU self time (V8 sampling profiler, share of all samples in the process during these calls):");
      out.push("");
      out.push("| self | function |");
      out.push("|---|---|");
      out.push(...topSelf(profile, only === undefined ? 15 : 40));
      // EXPLAIN ANALYZE of the three slowest read statements (each with one of its actual parameter sets).
      const reads = stmts.filter(([k]) => /^SELECT/i.test(k)).slice(0, 3);
      for (const [k, s] of reads) {
        try {
          const plan: { "QUERY PLAN": string }[] = await app.db.dataSource.query(
            `EXPLAIN (ANALYZE, BUFFERS) ${s.full}`,
            s.sample as unknown[],
          );
          out.push("");
          out.push(`EXPLAIN ANALYZE \`${k.slice(0, 100).replace(/\|/g, "\\|")}…\`:`);
          out.push("");
          out.push("```");
          out.push(...plan.map((p) => p["QUERY PLAN"]));
          out.push("```");
        } catch (e) {
          out.push(`(EXPLAIN failed: ${(e as Error).message})`);
        }
      }
    }
  } finally {
    session.disconnect();
    await app.stop();
  }
  return out.join("\n");
}
