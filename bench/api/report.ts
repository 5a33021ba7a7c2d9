/** The report: a console table, the results store (docs/benchmarks/api-results.json) and the full Markdown report made from it. */
import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { dirname } from "node:path";
import type { OpResult } from "./stats.js";
import type { PreparedInfo } from "./prepare.js";
import type { DbKind, ScaleName } from "./args.js";

export const TARGETS: Record<string, { p99?: number; max?: number; rps?: number; text: string }> = {
  recordAttempt: { p99: 30, rps: 200, text: "p99 ≤ 30 ms at 200 requests/s" },
  recommendations: { p99: 30, rps: 200, text: "p99 ≤ 30 ms at 200 requests/s" },
  "recommendations POLICY": { p99: 30, rps: 200, text: "p99 ≤ 30 ms at 200 requests/s" },
  planPath: { p99: 100, text: "≤ 100 ms a call (p99 taken)" },
};

export interface RunRecord {
  readonly db: DbKind;
  readonly dbVersion: string;
  readonly scale: ScaleName;
  readonly command: string;
  readonly date: string;
  readonly machine: string;
  readonly node: string;
  readonly counts: PreparedInfo["counts"];
  readonly model: PreparedInfo["model"];
  readonly prepSeconds: PreparedInfo["prepSeconds"];
  /** Whether the prepared database came from the cache (its preparation times are those of when it was built). */
  readonly cached: boolean;
  readonly copySeconds: number;
  readonly serverStartSeconds: number;
  readonly results: OpResult[];
  readonly profile?: string;
}

export function verdict(r: OpResult): string {
  const t = TARGETS[r.operation];
  if (r.operation.includes("(sequential)")) return "";
  if (!t) return "";
  const latencyOk = t.p99 === undefined || r.p99_ms <= t.p99;
  const rateOk = t.rps === undefined || (r.targetRps !== null && r.targetRps >= t.rps && r.rps >= t.rps * 0.95);
  return latencyOk && rateOk && r.errors === 0 ? "pass" : "MISS";
}

export function table(results: readonly OpResult[]): string {
  const lines = [
    "| operation | load | requests | achieved rps | p50 ms | p90 ms | p99 ms | max ms | errors | target | | CPU ms/request (server + DB), sequential; CPU use, open loop | other work on the machine |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
  ];
  for (const r of results) {
    const c = r.cpu;
    let cpu = c
      ? `${(c.perRequestServerMs + c.perRequestDbMs).toFixed(1)} (${c.perRequestServerMs.toFixed(1)} + ${c.perRequestDbMs.toFixed(1)})`
      : "";
    // Open loop: not every request sent was served within the phase, so a per-request figure would mislead; say how busy the server was.
    if (c && !r.mode.startsWith("sequential"))
      cpu = `server busy ${Math.round((100 * c.serverMs) / c.elapsedMs)} % of one core${c.dbMs ? `, PostgreSQL backends ${Math.round((100 * c.dbMs) / c.elapsedMs)} %` : ""}`;
    if (c && r.mode.startsWith("sequential") && c.perRequestServerMs > 0) {
      // Node runs the server on one thread (and PGlite inside it): at most 1000/server ms a second; all of it shares 2 cores.
      const cap = Math.min(1000 / c.perRequestServerMs, 2000 / (c.perRequestServerMs + c.perRequestDbMs));
      cpu += ` → at most ~${Math.round(cap)} requests/s on 2 idle cores`;
    }
    const others = c ? `${Math.round((100 * c.othersMs) / (2 * c.elapsedMs))} % of 2 cores, load avg ${c.loadavgBefore.toFixed(1)}` : "";
    lines.push(
      `| ${r.operation} | ${r.mode} | ${r.requests} | ${r.rps} | ${r.p50_ms} | ${r.p90_ms} | ${r.p99_ms} | ${r.max_ms} | ${r.errors} | ${TARGETS[r.operation]?.text ?? ""} | ${verdict(r)} | ${cpu} | ${others} |`,
    );
  }
  return lines.join("\n");
}

export function jsonFigures(
  results: readonly OpResult[],
): Record<string, { rps: number; p50_ms: number; p99_ms: number; max_ms: number; errors: number; requests: number }> {
  // The three operations of the targets; the sequential cost rows stay in api-results.json and the report.
  return Object.fromEntries(
    results
      .filter((r) => !r.operation.includes("(sequential)"))
      .map((r) => [
        r.operation,
        { rps: r.rps, p50_ms: r.p50_ms, p99_ms: r.p99_ms, max_ms: r.max_ms, errors: r.errors, requests: r.requests },
      ]),
  );
}

/** A results store: the latest run of each kind (bench:api's; bench:load keeps its own records in one). */
export interface Store<R = RunRecord> {
  runs: Record<string, R>;
}

export function loadStore<R = RunRecord>(file: string): Store<R> {
  if (!existsSync(file)) return { runs: {} };
  try {
    return JSON.parse(readFileSync(file, "utf8")) as Store<R>;
  } catch {
    return { runs: {} };
  }
}

export function saveStore<R>(file: string, store: Store<R>): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(store, null, 2)}\n`);
}

const ORDER = ["full/postgres", "full/postgres at 25 rps", "full/pglite", "small/postgres", "small/pglite"];

export function markdown(store: Store): string {
  const keys = Object.keys(store.runs).sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
  const out: string[] = [];
  out.push("# API performance benchmark");
  out.push("");
  out.push(
    "`npm run bench:api -- [--db pglite|postgres|both] [--scale full|small] [--rps 200] [--seconds 20] [--json <file>] [--fresh] [--profile]`",
  );
  out.push("");
  out.push(
    'Targets (issue 4, "Performance"): `recordAttempt` p99 ≤ 30 ms at 200 requests/s; `recommendations(count: 10)` p99 ≤ 30 ms at 200 requests/s; `planPath` ≤ 100 ms a call.',
  );
  out.push("");
  out.push("## How it is measured");
  out.push("");
  out.push(
    "- **Data**: a school from the engine's simulator (`simulateSchool`, seed 7): `--scale full` = 200 skills × 10 tasks = 2,000 tasks, 10,000 learners, 60–140 attempts each (~1,000,000); `--scale small` = 1/20 (10 skills, 100 tasks, 500 learners, ~50,000 attempts). Bulk-loaded with batched `unnest` inserts (bench/api/prepare.ts, as the demo seed does), then `ANALYZE`. Every learner has consented to personalisation and analytics, has one active goal (the two skills 2 and 4 places past the last one it practised, deadline in 30 days) and its attempts spread over the simulator's study days from 10 days ago, the whole history shifted back so that the latest attempt lies a minute before preparation (none in the future, which the API would refuse).",
  );
  out.push(
    '- **Model**: `TrainingService.trainAndPublish(schoolId, { kind: "meta" })` — trains the Meta model, activates it and rebuilds every learner\'s state. At full scale only the first 1,000 learners (~100,000 attempts) have the TRAINING consent, so the model trains on that documented subset (training on all 1M attempts would take ~10 min on 2 cores at ~56 s per 100k attempts); the states of all 10,000 learners are rebuilt under it. At small scale it trains on all 500 learners.',
  );
  out.push(
    "- **Cache**: the prepared database is kept between runs (PGlite: `.bench/pglite-<scale>/`, gitignored; PostgreSQL: database `zpd_bench` (full) or `zpd_bench_small`), and `--fresh` rebuilds it. Each run works on a fresh copy (PGlite: a copy of the folder; PostgreSQL: `CREATE DATABASE zpd_bench_run TEMPLATE … STRATEGY FILE_COPY`), so runs do not see each other's writes. Preparation time is reported separately below.",
  );
  out.push(
    "- **Server**: the real server as a separate process, `node dist/src/main.js` with `DATABASE_URL` (pool of 10) or `ZPD_DATA_DIR` (PGlite, one connection), `ZPD_SEED_DEMO=false`, `NODE_ENV=production`, `LOG_LEVEL=warn`, on 127.0.0.1; the benchmark waits for `/healthz`.",
  );
  out.push(
    "- **Load**: a separate load process (bench/api/load.ts, forked) sends real HTTP to 127.0.0.1 through a keep-alive agent (up to 1,024 sockets). `recordAttempt` (random learner and task, unique idempotency keys) and `recommendations(count: 10)` (random learner with its goal) each run alone, open loop at a fixed rate for `--seconds` (a request is abandoned, and counted as an error, 10 s after it got a socket; its latency, counted from the scheduled time, also includes any wait for a free socket, hence latencies above 10 s under overload; before the next phase the benchmark waits until the server has worked off its queue), after a warm-up (30 sequential calls of each operation, then 3 s of 8 concurrent closed-loop streams); they are also called 100 times sequentially, with the CPU time the server process and the PostgreSQL backends used per request (from /proc) — the cost of a request without queueing, which the other work on a shared machine does not change much, and from it the rate 2 idle cores could sustain; latency is measured from each request's *scheduled* send time (no coordinated omission). `planPath` (random goal, re-plans and stores the path) runs sequentially, one call at a time. An error is a non-2xx answer or a GraphQL `errors` entry. Every answer is also checked for personalisation (recommendations and planPath must answer `PERSONALISED`, recordAttempt must return the new mastery): one that is not, in the warm-up or in any phase, makes the benchmark fail instead of reporting (a stale or unreadable model would otherwise be measured as the cheaper NO_MODEL path). Achieved rps = successful requests / (first scheduled send → last response or timeout).",
  );
  out.push("- The load generator, the server and (for PostgreSQL) the database server share the machine's 2 cores.");
  out.push("");
  for (const k of keys) {
    const r = store.runs[k]!;
    const rate = r.results.find((x) => x.targetRps !== null)?.targetRps;
    out.push(
      `## ${r.scale === "full" ? "Full" : "Small"} scale on ${r.db === "postgres" ? "PostgreSQL" : "PGlite (embedded)"}${rate && rate !== 200 ? `, at ${rate} requests/s` : ""}`,
    );
    out.push("");
    out.push(`- command: \`${r.command}\``);
    out.push(`- date: ${r.date}; machine: ${r.machine}; Node ${r.node}; database: ${r.dbVersion}`);
    out.push(
      `- data: ${r.counts.skills} skills, ${r.counts.tasks} tasks, ${r.counts.learners} learners, ${r.counts.attempts} attempts, ${r.counts.goalSkills} goal skills; model: ${r.model.kind} v${r.model.version} trained on ${r.counts.trainLearners} learners (${r.counts.trainAttempts} attempts) in ${r.model.trainSeconds?.toFixed(1) ?? "?"} s (backend ${r.model.backend ?? "?"})`,
    );
    out.push(
      `- preparation${r.cached ? " (cached; times of when it was built)" : ""}: simulate ${r.prepSeconds.simulate.toFixed(1)} s, bulk load ${r.prepSeconds.load.toFixed(1)} s, ANALYZE ${r.prepSeconds.analyze.toFixed(1)} s, trainAndPublish (train + activate + rebuild ${r.counts.learners} states) ${r.prepSeconds.trainAndPublish.toFixed(1)} s, total ${r.prepSeconds.total.toFixed(1)} s; this run: copy ${r.copySeconds.toFixed(1)} s, server start to /healthz ${r.serverStartSeconds.toFixed(1)} s`,
    );
    out.push("");
    out.push(table(r.results));
    out.push("");
    for (const res of r.results)
      if (res.errorSamples.length)
        out.push(`Errors of ${res.operation}: ${res.errorSamples.map((e) => `\`${e.replace(/`/g, "'")}\``).join("; ")}`);
    if (r.profile) {
      out.push("");
      out.push("<details><summary>In-process profile (--profile)</summary>");
      out.push("");
      out.push(r.profile);
      out.push("");
      out.push("</details>");
    }
    out.push("");
  }
  return out.join("\n");
}
