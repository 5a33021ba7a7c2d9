/**
 * The Prometheus metrics of one server (GET /metrics, ops.routes.ts), in a registry of its own: tests
 * start several servers in one process, and each counts only its own.
 *
 * Labels never carry a learner, a token or anything a client chose freely: `operation` is a root
 * field of the schema (or `introspection`, `multiple`, `none`: root-fields.ts), `outcome` is `ok` or an
 * error code of the server's own, `job` a job's name, `school_id` a school's id (schools are few: one
 * series each). docs/operations.md lists every family.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";
import type { Services } from "../../services/index.js";
import type { ServiceEvents } from "../../services/common/service-events.js";

/** How long a scrape waits for the active models' read before leaving that family out. */
const SCRAPE_QUERY_MS = 500;

export class ApiMetrics {
  readonly registry = new Registry();
  private readonly requests = new Counter({
    name: "zpd_graphql_requests_total",
    help: "GraphQL requests by operation (the root field) and outcome (ok, or the first error's code).",
    labelNames: ["operation", "outcome"] as const,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: "zpd_graphql_request_duration_seconds",
    help: "GraphQL request latency, from the request's start to its answer, by operation.",
    labelNames: ["operation"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  private readonly attempts = new Counter({
    name: "zpd_attempts_ingested_total",
    help: "Attempts recorded through the API: written, or answered as duplicates of an earlier idempotency key (nothing written).",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });
  private readonly applied = new Counter({
    name: "zpd_attempts_applied_total",
    help: "Attempts of the deferred path (ingestAttempts) applied to their learners' states in this process; ingested minus applied is the backlog.",
    registers: [this.registry],
  });
  private readonly jobRuns = new Counter({
    name: "zpd_job_runs_total",
    help: "Job attempts settled in this process, by job and status (SUCCEEDED, RETRYING, FAILED).",
    labelNames: ["job", "status"] as const,
    registers: [this.registry],
  });
  private readonly accessLogRows = new Counter({
    name: "zpd_access_log_rows_total",
    help: "Access-log rows written, or dropped (the buffer full while the database could not take them).",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });

  private readonly recommendationLogRows = new Counter({
    name: "zpd_recommendation_log_rows_total",
    help: "Recommendation-log rows written, or dropped (the buffer full while the database could not take them).",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });

  private readonly recommendations = new Counter({
    name: "zpd_recommendations_total",
    help: "recommendations answers by the strategy asked for (requested), the one that ranked them (strategy) and, when a learned policy was asked for and did not answer, why (fallback; none otherwise).",
    labelNames: ["requested", "strategy", "fallback"] as const,
    registers: [this.registry],
  });

  /** The services' observer (ServiceDeps.events): counts what they report. */
  readonly events: ServiceEvents = {
    attemptsRecorded: (written, duplicates) => {
      if (written) this.attempts.inc({ result: "written" }, written);
      if (duplicates) this.attempts.inc({ result: "duplicate" }, duplicates);
    },
    attemptsApplied: (applied) => this.applied.inc(applied),
    jobSettled: (name, status) => this.jobRuns.inc({ job: name, status }),
    accessLogFlushed: (written, dropped) => {
      if (written) this.accessLogRows.inc({ result: "written" }, written);
      if (dropped) this.accessLogRows.inc({ result: "dropped" }, dropped);
    },
    recommendationLogFlushed: (written, dropped) => {
      if (written) this.recommendationLogRows.inc({ result: "written" }, written);
      if (dropped) this.recommendationLogRows.inc({ result: "dropped" }, dropped);
    },
    recommendationsServed: (requested, strategy, fallback) =>
      this.recommendations.inc({ requested, strategy, fallback: fallback ?? "none" }),
  };

  constructor() {
    // process_* and nodejs_* (nodejs_eventloop_lag_seconds among them).
    collectDefaultMetrics({ register: this.registry });
    // Every family is shown from the start, at 0, so that a dashboard or an alert has a series to read.
    this.attempts.inc({ result: "written" }, 0);
    this.attempts.inc({ result: "duplicate" }, 0);
    this.applied.inc(0);
    this.accessLogRows.inc({ result: "written" }, 0);
    this.accessLogRows.inc({ result: "dropped" }, 0);
    this.recommendationLogRows.inc({ result: "written" }, 0);
    this.recommendationLogRows.inc({ result: "dropped" }, 0);
  }

  /** One GraphQL request answered. */
  observeRequest(operation: string, outcome: string, seconds: number): void {
    this.requests.inc({ operation, outcome });
    this.duration.observe({ operation }, seconds);
  }

  /** The gauges read from the running services at each scrape. */
  watch(services: Services): void {
    const ops = services.operations;
    new Gauge({
      name: "zpd_active_model_info",
      help: "The active model version of each school that has one (value 1; labels: school, version, kind).",
      labelNames: ["school_id", "version", "kind"] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<null>((resolve) => {
          timer = setTimeout(() => resolve(null), SCRAPE_QUERY_MS);
        });
        // A database that does not answer leaves this family out of the scrape; it never holds the scrape up.
        const rows = await Promise.race([ops.activeVersions().catch(() => null), late]).finally(() => clearTimeout(timer));
        for (const r of rows ?? []) this.set({ school_id: r.schoolId, version: String(r.version), kind: r.kind }, 1);
      },
    });
    new Gauge({
      name: "zpd_tfjs_backend_info",
      help: "The TensorFlow.js backend in use (value 1): tensorflow, wasm or cpu; none until this process first trains (serving needs none).",
      labelNames: ["backend"] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        this.set({ backend: ops.engineBackend() || "none" }, 1);
      },
    });
    new Gauge({
      name: "zpd_db_pool_connections",
      help: "The database connection pool: connections open (total), idle, and queries waiting for one (waiting).",
      labelNames: ["state"] as const,
      registers: [this.registry],
      collect() {
        this.reset();
        const u = ops.poolUsage();
        if (!u) return;
        this.set({ state: "total" }, u.total);
        this.set({ state: "idle" }, u.idle);
        this.set({ state: "waiting" }, u.waiting);
      },
    });
    new Gauge({
      name: "zpd_access_log_pending_rows",
      help: "Access-log rows waiting in memory for their batch to be written.",
      registers: [this.registry],
      collect() {
        this.set(services.accessLog.pending);
      },
    });
    new Gauge({
      name: "zpd_recommendation_log_pending_rows",
      help: "Recommendation-log rows waiting in memory for their batch to be written.",
      registers: [this.registry],
      collect() {
        this.set(services.recommendationLog.pending);
      },
    });
  }
}
