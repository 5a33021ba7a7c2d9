/**
 * bench:load's record of a run on one database, the targets it is judged by, and the Markdown report
 * made from the results store (.bench/load-results.json by default; the short record,
 * docs/benchmarks/load.md, is kept by hand from the report).
 */
import type { PreparedInfo } from "../api/prepare.js";
import { table as apiTable, verdict as apiVerdict, type Store } from "../api/report.js";
import type { OpResult } from "../api/stats.js";
import type { DbKind, ScaleName } from "../api/args.js";
import type { LoadBenchArgs } from "./args.js";
import type { HostileResults, KindSummary } from "./hostile.js";
import type { RawLevel } from "./raw-insert.js";
import type { LevelResult, SaturationResults } from "./saturation.js";
import type { SoakResults } from "./soak.js";

/** Bumped when a record's shape changes: the report skips records of another format. */
export const RECORD_FORMAT = 1;

export interface LoadRecord {
  readonly format: typeof RECORD_FORMAT;
  readonly db: DbKind;
  readonly dbVersion: string;
  readonly scale: ScaleName;
  readonly command: string;
  readonly commit: string;
  readonly date: string;
  readonly machine: string;
  readonly node: string;
  readonly counts: PreparedInfo["counts"];
  readonly cachedSchool: boolean;
  readonly serverStartSeconds: number;
  readonly settings: Omit<LoadBenchArgs, "dbs" | "report" | "json" | "render" | "fresh" | "pgUrl">;
  /** 1-minute load average at the start and the end of this database's run, and the machine's cores. */
  readonly loadavg: { start: number[]; end: number[] };
  /** bench:api's load (bench/api/load.ts) on this server: the 200 requests/s figures. */
  readonly api?: OpResult[];
  readonly saturation?: SaturationResults;
  readonly hostile?: HostileResults & { readonly attemptsWritten: number };
  readonly soak?: SoakResults;
  readonly raw?: RawLevel[];
}

export type LoadStore = Store<LoadRecord>;

export const LOAD_TARGETS = {
  /** Issue 13: batched ingestion ≥ 0.5 of the raw INSERT rate. */
  rawRatio: 0.5,
  aliasBombMs: 50,
  healthzMs: 100,
  /** Normal traffic's p99 under the hostile corpus ≤ 2 × its quiet value. */
  p99Factor: 2,
} as const;

export interface Verdict {
  readonly target: string;
  readonly figure: string;
  readonly met: boolean | null;
}

const f = (x: number | null | undefined, d = 1) => (x === null || x === undefined || !Number.isFinite(x) ? "n/a" : x.toFixed(d));

/** A batched path's attempts/s against the raw INSERT's rows/s at one concurrency. */
export interface RawRatio {
  readonly concurrency: number;
  readonly batched: number;
  readonly raw: number;
  readonly ratio: number;
  /** ingestAttempts: its attempts acknowledged and applied per second (the level and its drain), and that against the raw rate. */
  readonly applied?: number;
  readonly appliedRatio?: number;
}

/**
 * A batched path's (`operation`: recordAttempts, or ingestAttempts the deferred one) attempts/s and the
 * raw INSERT's rows/s at each concurrency both measured.
 */
export function rawRatios(r: LoadRecord, operation = "recordAttempts"): RawRatio[] {
  const batched = (r.saturation?.levels ?? []).filter((l) => l.operation.startsWith(operation) && l.concurrency !== null);
  return (r.raw ?? []).flatMap((raw) => {
    const b = batched.find((l) => l.concurrency === raw.concurrency);
    return b
      ? [
          {
            concurrency: raw.concurrency,
            batched: b.attemptsPerSecond,
            raw: raw.rowsPerSecond,
            ratio: b.attemptsPerSecond / raw.rowsPerSecond,
            ...(b.appliedPerSecond !== undefined
              ? { applied: b.appliedPerSecond, appliedRatio: b.appliedPerSecond / raw.rowsPerSecond }
              : {}),
          },
        ]
      : [];
  });
}

/** The highest-throughput level of an operation: its saturation. */
export function peak(levels: readonly LevelResult[], operation: string): LevelResult | undefined {
  return levels.filter((l) => l.operation.startsWith(operation)).sort((a, b) => b.rps - a.rps)[0];
}

export function hostileFigures(h: HostileResults) {
  const quiet = h.windows.find((w) => w.name === "quiet")!;
  const hostile = h.windows.find((w) => w.name === "hostile")!;
  const sum = (pick: (k: KindSummary) => number) => h.kinds.reduce((n, k) => n + pick(k), 0);
  const bomb = h.kinds.find((k) => k.kind === "alias bomb")!;
  return {
    quietP99: quiet.all.p99_ms,
    hostileP99: hostile.all.p99_ms,
    normalErrors: quiet.all.errors + hostile.all.errors,
    normal5xx: h.windows.reduce((n, w) => n + w.serverErrors, 0),
    bomb,
    sent: sum((k) => k.sent),
    hostile5xx: sum((k) => Object.entries(k.status).reduce((n, [s, c]) => n + (Number(s) >= 500 ? c : 0), 0)),
    unanswered: sum((k) => k.unanswered),
    served: sum((k) => k.served),
    coded4xx: sum((k) => k.coded4xx),
    coded2xx: sum((k) => k.coded2xx),
    uncoded: sum((k) => k.code.none ?? 0) - sum((k) => k.served),
  };
}

export function verdicts(r: LoadRecord): Verdict[] {
  const out: Verdict[] = [];
  const att = r.api?.find((x) => x.operation === "recordAttempt");
  if (att)
    out.push({
      target: "recordAttempt p99 ≤ 30 ms at 200 requests/s",
      figure: `p99 ${att.p99_ms} ms at ${att.rps} requests/s, ${att.errors} errors`,
      met: apiVerdict(att) === "pass",
    });
  // The target is the batched ingestion path's, the deferred one (ingestAttempts) when measured; recordAttempts' ratio is shown beside it.
  for (const operation of ["ingestAttempts", "recordAttempts"]) {
    const ratios = rawRatios(r, operation);
    if (!ratios.length) continue;
    const top = peak(r.saturation!.levels, operation)!;
    const at = ratios.find((x) => x.concurrency === top.concurrency) ?? ratios[ratios.length - 1]!;
    const deferred = operation === "ingestAttempts";
    const counted = deferred || !rawRatios(r, "ingestAttempts").length;
    out.push({
      target: `batched ingestion ≥ ${LOAD_TARGETS.rawRatio} of the raw INSERT rate (${operation}${deferred ? ", deferred" : ""}, at its saturation)`,
      figure: `${f(at.ratio, 2)} at ${at.concurrency} clients (${at.batched} / ${at.raw} attempts/s); all: ${ratios.map((x) => `${x.concurrency}: ${f(x.ratio, 2)}`).join(", ")}${
        deferred && at.applied !== undefined ? `; acknowledged and applied: ${at.applied} attempts/s (${f(at.appliedRatio, 2)})` : ""
      }`,
      met: counted ? at.ratio >= LOAD_TARGETS.rawRatio : null,
    });
  }
  if (r.hostile) {
    const h = hostileFigures(r.hostile);
    const p = r.hostile.probes;
    out.push({
      target: "no 5xx over the hostile corpus",
      figure: `${h.hostile5xx} of ${h.sent} hostile answers, ${h.unanswered} unanswered; normal traffic: ${h.normal5xx} 5xx, ${h.normalErrors} errors in all`,
      met: h.hostile5xx === 0 && h.unanswered === 0 && h.normal5xx === 0,
    });
    out.push({
      target: "every hostile request refused with a coded 4xx",
      figure: `${h.coded4xx} of ${h.sent} coded 4xx; ${h.coded2xx} coded errors with HTTP 200, ${h.served} served, ${h.uncoded} without a code`,
      met: h.coded4xx === h.sent,
    });
    out.push({
      target: `alias bomb refused in < ${LOAD_TARGETS.aliasBombMs} ms`,
      figure: `max ${f(h.bomb.max_ms)} ms, median ${f(h.bomb.p50_ms)} ms (${h.bomb.sent} sent)`,
      met: h.bomb.sent > 0 && h.bomb.max_ms < LOAD_TARGETS.aliasBombMs,
    });
    out.push({
      target: `/healthz < ${LOAD_TARGETS.healthzMs} ms throughout (every ${p.everyMs} ms)`,
      figure: `max ${f(p.max_ms)} ms (quiet window ${f(p.quietMaxMs)}, hostile ${f(p.hostileMaxMs)}), p99 ${f(p.p99_ms)} ms, ${p.failed} failed of ${p.count}`,
      met: p.max_ms < LOAD_TARGETS.healthzMs && p.failed === 0,
    });
    out.push({
      target: `normal traffic's p99 under the hostile corpus ≤ ${LOAD_TARGETS.p99Factor}× quiet`,
      figure: `${h.hostileP99} ms vs ${h.quietP99} ms quiet (× ${f(h.hostileP99 / h.quietP99, 2)})`,
      met: h.hostileP99 <= LOAD_TARGETS.p99Factor * h.quietP99,
    });
  }
  if (r.soak?.rss)
    out.push({
      target: "memory over the soak (no target: a leak shows as a steady slope)",
      figure: `RSS ${r.soak.rss.startMb} → max ${r.soak.rss.maxMb} → ${r.soak.rss.endMb} MB, last half ${r.soak.rss.slopeLastHalfMbPerMin} MB/min${r.soak.heap ? `; heap ${r.soak.heap.startMb} → ${r.soak.heap.maxMb} → ${r.soak.heap.endMb} MB, ${r.soak.heap.slopeLastHalfMbPerMin} MB/min` : "; heap: no /metrics"}`,
      met: null,
    });
  return out;
}

const mark = (met: boolean | null) => (met === null ? "measured" : met ? "met" : "**not met**");

function levelsTable(levels: readonly LevelResult[]): string {
  const rows = levels.map(
    (l) =>
      `| ${l.operation} | ${l.mode} | ${l.requests} | ${l.rps} | ${l.attemptsPerSecond || ""} | ${l.p50_ms} | ${l.p99_ms} | ${l.max_ms} | ${l.errors}${l.rateLimited ? ` (${l.rateLimited} × 429)` : ""} | ${l.serverBusyPct} % | ${l.dbBusyPct ? `${l.dbBusyPct} %` : ""} | ${l.othersBusyPct} %, load ${f(l.loadavg)} |`,
  );
  return [
    "| operation | load | requests | requests/s | attempts/s | p50 ms | p99 ms | max ms | errors | server CPU (of 1 core) | PostgreSQL backends | other work (of 2 cores) |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

/** Latency figures of open-loop operations, without bench:api's per-operation verdicts (a mix's share is not the target's rate). */
function opsTable(results: readonly OpResult[]): string {
  const rows = results.map(
    (r) => `| ${r.operation} | ${r.requests} | ${r.rps} | ${r.p50_ms} | ${r.p90_ms} | ${r.p99_ms} | ${r.max_ms} | ${r.errors} |`,
  );
  return [
    "| operation | requests | requests/s | p50 ms | p90 ms | p99 ms | max ms | errors |",
    "|---|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

function windowTable(h: HostileResults): string {
  const rows = h.windows.flatMap((w) =>
    [...w.results, w.all].map(
      (r) =>
        `| ${w.name} | ${r.operation} | ${r.requests} | ${r.p50_ms} | ${r.p99_ms} | ${r.max_ms} | ${r.errors}${w.rateLimited && r.operation === "all" ? ` (${w.rateLimited} × 429)` : ""} |`,
    ),
  );
  return ["| window | operation | requests | p50 ms | p99 ms | max ms | errors |", "|---|---|---|---|---|---|---|", ...rows].join("\n");
}

function answersTable(h: HostileResults): string {
  const list = (m: Record<string, number>) =>
    Object.entries(m)
      .map(([k, n]) => `${k} × ${n}`)
      .join(", ");
  const rows = h.kinds.map(
    (k) => `| ${k.kind} | ${k.sent} | ${list(k.status)} | ${list(k.code)} | ${f(k.p50_ms)} | ${f(k.max_ms)} | ${k.served} |`,
  );
  return ["| request | sent | HTTP status | code | median ms | max ms | served |", "|---|---|---|---|---|---|---|", ...rows].join("\n");
}

function rawTable(r: LoadRecord): string {
  const ratios = rawRatios(r);
  const deferred = rawRatios(r, "ingestAttempts");
  const rows = (r.raw ?? []).map((l) => {
    const x = ratios.find((q) => q.concurrency === l.concurrency);
    const d = deferred.find((q) => q.concurrency === l.concurrency);
    return `| ${l.concurrency} | ${x?.batched ?? ""} | ${x ? f(x.ratio, 2) : ""} | ${d?.batched ?? ""} | ${d ? f(d.ratio, 2) : ""} | ${d?.applied ?? ""} | ${l.rowsPerSecond} | ${l.statementsPerSecond} | ${l.p50_ms} | ${l.p99_ms} | ${l.errors} | ${l.clientBusyPct} % | ${l.dbBusyPct ? `${l.dbBusyPct} %` : ""} |`;
  });
  return [
    "| concurrency | recordAttempts, attempts/s | ratio | ingestAttempts, acknowledged/s | ratio | ingestAttempts, applied/s (with the drain) | raw INSERT, rows/s | raw statements/s | raw p50 ms | raw p99 ms | errors | raw client CPU (of 1 core) | PostgreSQL backends |",
    "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ...rows,
  ].join("\n");
}

export const ORDER = ["full/postgres", "full/pglite", "small/postgres", "small/pglite"];

export function runTitle(r: LoadRecord): string {
  return `${r.scale === "full" ? "Full" : "Small"} scale on ${r.db === "postgres" ? "PostgreSQL" : "PGlite (embedded)"}`;
}

export function markdown(store: LoadStore): string {
  const keys = Object.keys(store.runs)
    .filter((k) => store.runs[k]!.format === RECORD_FORMAT)
    .sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));
  const out: string[] = ["# Load benchmark (`npm run bench:load`)", ""];
  out.push(
    "The real server (`node dist/src/main.js`, `NODE_ENV=production`) on a fresh copy of bench:api's prepared school, loaded over real HTTP from separate processes. See docs/benchmarks/load.md for the protocol and the record.",
    "",
  );
  for (const k of keys) {
    const r = store.runs[k]!;
    const s = r.settings;
    out.push(`## ${runTitle(r)}`, "");
    out.push(`- command: \`${r.command}\`; commit ${r.commit}`);
    out.push(`- date: ${r.date}; machine: ${r.machine}; Node ${r.node}; database: ${r.dbVersion}`);
    out.push(
      `- load average (1, 5, 15 min): ${r.loadavg.start.map((x) => f(x, 2)).join(", ")} at the start, ${r.loadavg.end.map((x) => f(x, 2)).join(", ")} at the end`,
    );
    out.push(
      `- data: ${r.counts.skills} skills, ${r.counts.tasks} tasks, ${r.counts.learners} learners, ${r.counts.attempts} attempts (${r.cachedSchool ? "cached" : "prepared for this run"}); server start to /healthz ${f(r.serverStartSeconds)} s`,
    );
    out.push(
      `- settings: ${s.tokens} service token${s.tokens === 1 ? "" : "s"}; batches of ${s.batchSize} attempts${s.batchLearners ? ` over ${s.batchLearners} learners` : " (random learners)"}; server environment ${
        Object.keys(s.serverEnv).length
          ? Object.entries(s.serverEnv)
              .map(([a, b]) => `${a}=${b}`)
              .join(" ")
          : "as bench:api's"
      }`,
    );
    out.push("", "| target | figure | |", "|---|---|---|");
    for (const v of verdicts(r)) out.push(`| ${v.target} | ${v.figure} | ${mark(v.met)} |`);
    out.push("");
    if (r.api) out.push(`### At ${s.rps} requests/s (bench:api's load, ${s.apiSeconds} s a phase)`, "", apiTable(r.api), "");
    if (r.saturation) {
      out.push(
        `### Saturation: closed loops, ${s.seconds} s a level`,
        "",
        levelsTable([...r.saturation.levels, r.saturation.batchedOpenLoop]),
        "",
      );
      for (const op of ["recordAttempt", "recordAttempts", "ingestAttempts", "recommendations"]) {
        const p = peak(r.saturation.levels, op);
        if (p)
          out.push(
            `- ${p.operation} saturates at ${p.rps} requests/s${p.attemptsPerSecond && op.endsWith("Attempts") ? ` (${p.attemptsPerSecond} attempts/s)` : ""} with ${p.concurrency} clients, p50 ${p.p50_ms} ms, p99 ${p.p99_ms} ms${
              p.drainSeconds !== undefined
                ? `; applied ${p.drainSeconds} s after the level (${p.appliedPerSecond} attempts/s acknowledged and applied)`
                : ""
            }`,
          );
      }
      out.push("");
    }
    if (r.raw) out.push(`### Batched ingestion against a raw multi-row INSERT loop, ${s.seconds} s a level`, "", rawTable(r), "");
    if (r.hostile) {
      out.push(
        `### Hostile load: normal traffic at ${s.hostileRps} requests/s, ${s.hostileSeconds} s quiet then ${s.hostileSeconds} s with the corpus every ${s.hostileEvery} s`,
        "",
        windowTable(r.hostile),
        "",
        answersTable(r.hostile),
        "",
        `Cost of one request without load (sequential calls, the server process's CPU): ${r.hostile.costs.map((c) => `${c.kind} ${f(c.serverCpuMs, 2)} ms (p50 ${f(c.p50_ms)} ms)`).join("; ")}.`,
        "",
        `${r.hostile.rounds} rounds of the corpus. /healthz every ${r.hostile.probes.everyMs} ms through both windows: ${r.hostile.probes.count} probes, p50 ${f(r.hostile.probes.p50_ms)} ms, p99 ${f(r.hostile.probes.p99_ms)} ms, max ${f(r.hostile.probes.max_ms)} ms, ${r.hostile.probes.failed} failed; the slowest of each second, ms (the hostile window from second ${s.hostileSeconds + 1}): ${(r.hostile.probes.perSecondMax ?? []).map((x) => f(x, 0)).join(", ")}. Attempts the corpus wrote: ${r.hostile.attemptsWritten}.`,
        "",
      );
    }
    if (r.soak) {
      out.push(`### Soak: mixed open loop at ${s.rps} requests/s for ${s.soakSeconds} s`, "", opsTable(r.soak.results), "");
      if (r.soak.serverBusyPct !== undefined)
        out.push(
          `CPU over the soak: the server ${r.soak.serverBusyPct} % of one core${r.soak.dbBusyPct ? `, PostgreSQL backends ${r.soak.dbBusyPct} %` : ""}; other work ${r.soak.othersBusyPct} % of the 2 cores.`,
          "",
        );
      out.push(
        `p99 per minute (ms): ${r.soak.perMinute.map((m) => m.p99_ms).join(", ")}${r.soak.rateLimited ? `; ${r.soak.rateLimited} answers 429` : ""}`,
        "",
      );
      out.push(
        `Memory every ${s.memoryEvery} s (t s: RSS MB${r.soak.heap ? " / heap MB" : ""}): ${r.soak.memory.map((m) => `${Math.round(m.t)}: ${f(m.rssMb, 0)}${m.heapMb === null ? "" : ` / ${f(m.heapMb, 0)}`}`).join(", ")}`,
        "",
      );
    }
    const errs = [
      ...(r.api ?? []),
      ...(r.saturation?.levels ?? []),
      ...(r.soak?.results ?? []),
      ...(r.hostile?.windows.map((w) => w.all) ?? []),
    ].filter((x) => x.errorSamples.length);
    for (const e of errs)
      out.push(`Errors of ${e.operation} (${e.mode}): ${e.errorSamples.map((x) => `\`${x.replace(/`/g, "'")}\``).join("; ")}`, "");
  }
  return out.join("\n");
}
