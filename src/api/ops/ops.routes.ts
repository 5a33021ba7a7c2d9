/**
 * The operator's endpoints beside /healthz (liveness, server.ts): GET /readyz (readiness: 200 when the
 * database answers, the migrations are applied and the active models are loaded; 503 naming the failing
 * check otherwise, within about a second: services/operations/operations.service.ts) and GET /metrics
 * (Prometheus text format: metrics.ts), behind a bearer token when ZPD_METRICS_TOKEN is set.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type express from "express";
import type { Services } from "../../services/index.js";
import type { ApiMetrics } from "./metrics.js";

export interface OpsRoutesOptions {
  readonly services: Services;
  readonly metrics: ApiMetrics;
  /** ZPD_METRICS_TOKEN: the bearer token /metrics requires; null: open. */
  readonly metricsToken: string | null;
}

const digest = (s: string) => createHash("sha256").update(s).digest();

/** Whether the Authorization header carries the token (compared in constant time). */
function bearerIs(authorization: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  return m !== null && timingSafeEqual(digest(m[1]!), digest(token));
}

export function mountOpsRoutes(app: express.Express, o: OpsRoutesOptions): void {
  app.get("/readyz", async (_req, res) => {
    const r = await o.services.operations.readiness();
    res
      .status(r.ready ? 200 : 503)
      .set("cache-control", "no-store")
      .json({ status: r.ready ? "ready" : "unavailable", failing: r.failing, checks: r.checks });
  });
  app.get("/metrics", async (req, res) => {
    if (o.metricsToken !== null && !bearerIs(req.headers.authorization, o.metricsToken)) {
      res
        .status(401)
        .set("www-authenticate", 'Bearer realm="metrics"')
        .json({ error: "the metrics need the bearer token ZPD_METRICS_TOKEN" });
      return;
    }
    res
      .set("content-type", o.metrics.registry.contentType)
      .set("cache-control", "no-store")
      .send(await o.metrics.registry.metrics());
  });
}
