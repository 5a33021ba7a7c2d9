/**
 * The HTTP server: Express 5 with Apollo Server 5 mounted at /graphql, /healthz for probes (and
 * /readyz, /metrics: ops/ops.routes.ts), the browser pages (`/`, and GraphiQL at GET /graphql in development: web/web.routes.ts) and the audit
 * reports' pages for admins (/audit-reports/:id: audit/audit-report.routes.ts).
 */
import http from "node:http";
import express from "express";
import { ApolloServer } from "@apollo/server";
import { expressMiddleware } from "@as-integrations/express5";
import { ApolloServerPluginDrainHttpServer } from "@apollo/server/plugin/drainHttpServer";
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from "@apollo/server/plugin/disabled";
import type { Services } from "../services/index.js";
import type { Logger } from "../shared/logger.js";
import { buildApiSchema } from "./schema.js";
import { buildContext, ApiContext } from "./context.js";
import { VerifiedTokens } from "./auth/token-cache.js";
import { makeFormatError } from "./common/format-error.js";
import { mountWebPages } from "./web/web.routes.js";
import { documentSizeLimit, queryLimitsPlugin, QueryLimits } from "./common/query-limits.js";
import { textInputPlugin } from "./common/text-input.js";
import { introspectionGuardPlugin } from "./auth/introspection-guard.js";
import { mountAuditReportPages } from "./audit/audit-report.routes.js";
import { abandonableSchema, deadlineOf, startDeadline } from "./common/request-deadline.js";
import { retryableErrorsPlugin } from "./common/retryable-errors.js";
import { DatabaseOutages } from "../persistence/common/database-outages.js";
import { mountOpsRoutes } from "./ops/ops.routes.js";
import { mountXapiRoutes } from "./xapi/xapi.routes.js";
import { ApiMetrics } from "./ops/metrics.js";
import { graphqlMetricsPlugin } from "./ops/graphql-metrics.plugin.js";
import { accessLogPlugin, instrumentAccessLog } from "./access-log/access-recorder.js";
import { chargeOf, RateLimits, RateLimitSettings, subjectOf } from "./common/rate-limit.js";
import { authenticate, authOf, refuseInvalidTokens } from "./auth/bearer-auth.js";
import { countDoorRefusals, refuseAtDoor } from "./common/front-door.js";
import { bodyLimit, bodySizeLimit, refuseOversizedBody } from "./common/body-limit.js";
import { persistedQueryOptions, PersistedQuerySettings } from "./common/persisted-queries.js";
import { knownRefusalsFirst } from "./common/known-refusals.js";

export interface ApiServerOptions {
  readonly services: Services;
  readonly jwtSecret: string;
  /** The longest a token may live, in seconds (config.maxTokenLifetimeSeconds; default 90 days). */
  readonly maxTokenLifetimeSeconds?: number;
  readonly logger: Logger;
  /** Serve GraphiQL and the developer pages (config.graphiql). */
  readonly graphiql?: boolean;
  /** Per-operation limits (config: ZPD_MAX_QUERY_*, ZPD_MAX_PAGE_SIZE). */
  readonly limits: QueryLimits;
  /** Introspection only with a valid token (NODE_ENV=production); open otherwise, for GraphiQL. */
  readonly introspectionNeedsToken?: boolean;
  /** A GraphQL request is abandoned after this long (ZPD_REQUEST_TIMEOUT_MS; 0 or absent: never). */
  readonly requestTimeoutMs?: number;
  /** The server's metrics (the composition root's, which the services report to); default: a registry of its own. */
  readonly metrics?: ApiMetrics;
  /** ZPD_METRICS_TOKEN: the bearer token GET /metrics requires; null or absent: open. */
  readonly metricsToken?: string | null;
  /** Request rates per token and per address (ZPD_RATE_LIMIT_*); unlimited when absent. */
  readonly rateLimit?: RateLimitSettings;
  /** Express's `trust proxy`, for the client's address (ZPD_TRUST_PROXY); default false. */
  readonly trustProxy?: boolean | number | string;
  /** Automatic persisted queries' cache (ZPD_APQ_*); null: APQ off. */
  readonly persistedQueries: PersistedQuerySettings | null;
}

export interface ApiServer {
  readonly httpServer: http.Server;
  listen(port: number, host: string): Promise<{ url: string; port: number }>;
  stop(): Promise<void>;
}

export async function createApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const tokens = new VerifiedTokens(
    opts.jwtSecret,
    undefined,
    undefined,
    (caller) => opts.services.schools.namesSomebody(caller),
    opts.maxTokenLifetimeSeconds,
  );
  const app = express();
  const metrics = opts.metrics ?? new ApiMetrics();
  const rateLimits = new RateLimits(opts.rateLimit);
  const trustProxy = opts.trustProxy ?? false;
  const httpServer = http.createServer(
    knownRefusalsFirst(app, {
      tokens,
      rateLimits,
      trustProxy: trustProxy !== false,
      observe: (code, seconds) => metrics.observeRequest("none", code, seconds),
    }),
  );
  // Idle keep-alive sockets outlive any client's or proxy's idle timeout (load balancers 60 s; undici keeps
  // one for the server's Keep-Alive hint, timeout=65, minus 1 s): the client then closes first, and does
  // not reuse a socket the server is closing at that moment.
  httpServer.keepAliveTimeout = 65_000;
  httpServer.headersTimeout = 66_000;
  // One line when the database stops answering and one when it is back (not one per refused request).
  const outages = new DatabaseOutages(opts.logger);
  const unwatchOutages = outages.watch(opts.services.deps.dataSource);
  metrics.watch(opts.services);
  const apollo = new ApolloServer<ApiContext>({
    schema: abandonableSchema(instrumentAccessLog(await buildApiSchema())),
    formatError: makeFormatError(opts.logger),
    includeStacktraceInErrorResponses: false,
    introspection: true,
    parseOptions: { maxTokens: opts.limits.maxTokens },
    persistedQueries: persistedQueryOptions(opts.persistedQueries),
    // Apollo's default, stated: a GET or a form-like POST needs a header a browser cannot send cross-site.
    csrfPrevention: true,
    // main.ts owns the signals: it stops the server, then the pool and PGlite, in that order.
    stopOnTerminationSignals: false,
    // No cache-control hints are used; its default plugin would wrap every field's resolution.
    // Apollo's default landing page loads Apollo Sandbox from a CDN (blank offline); ours is served locally.
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      ApolloServerPluginCacheControlDisabled(),
      ApolloServerPluginLandingPageDisabled(),
      queryLimitsPlugin(opts.limits),
      textInputPlugin(),
      retryableErrorsPlugin(outages, opts.logger),
      ...(opts.introspectionNeedsToken ? [introspectionGuardPlugin()] : []),
      graphqlMetricsPlugin(metrics),
      accessLogPlugin(opts.services),
    ],
  });
  await apollo.start();

  app.disable("x-powered-by");
  app.set("trust proxy", trustProxy);
  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  mountOpsRoutes(app, { services: opts.services, metrics, metricsToken: opts.metricsToken ?? null });
  mountWebPages(app, { graphiql: opts.graphiql ?? false });
  // After the static pages, before anything that reads a body or a token's data. The front door
  // (common/front-door.ts): the deadline starts, the token is checked once (its outcome is what the rate
  // limit counts against and what the context calls the caller), the rate limit, an invalid token
  // refused, a body over the size limit refused — all before the body is read and GraphQL runs.
  app.use(
    "/graphql",
    countDoorRefusals((code, seconds) => metrics.observeRequest("none", code, seconds)),
    startDeadline(opts.requestTimeoutMs ?? 0),
  );
  app.use(["/graphql", "/audit-reports"], authenticate(tokens, deadlineOf), rateLimits.middleware(subjectOf), refuseInvalidTokens());
  mountAuditReportPages(app, opts.services, opts.logger, outages);
  mountXapiRoutes(app, {
    services: opts.services,
    logger: opts.logger,
    outages,
    rateLimits,
    observe: (operation, outcome, seconds) => metrics.observeRequest(operation, outcome, seconds),
  });
  app.use(
    "/graphql",
    bodySizeLimit(opts.limits.maxBytes),
    express.json({ limit: bodyLimit(opts.limits.maxBytes) }),
    documentSizeLimit(opts.limits.maxBytes),
    expressMiddleware(apollo, {
      context: async ({ res }) => ({
        ...buildContext(opts.services, authOf(res), deadlineOf(res)),
        rateLimit: chargeOf(res),
      }),
    }),
  );
  // A body express.json could not read: over the size limit (sent without a Content-Length, or the
  // check above not mounted), malformed JSON; a coded error, not an HTML page.
  app.use((err: { status?: number; type?: string }, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (!err) return next();
    if (err.type === "entity.too.large") return refuseOversizedBody(res, opts.limits.maxBytes);
    const status = err.status ?? 500;
    if (status >= 500) opts.logger.error({ err }, "unexpected error before GraphQL");
    refuseAtDoor(
      res,
      status,
      status >= 500 ? "INTERNAL_SERVER_ERROR" : "BAD_REQUEST",
      status >= 500 ? "internal server error" : "malformed request body",
    );
  });

  let stopped = false;
  return {
    httpServer,
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(port, host, () => {
          const addr = httpServer.address();
          const actual = typeof addr === "object" && addr ? addr.port : port;
          const shownHost = host === "0.0.0.0" || host === "::" ? "localhost" : host;
          resolve({ url: `http://${shownHost}:${actual}/graphql`, port: actual });
        });
      }),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await apollo.stop(); // drains the HTTP server
      unwatchOutages();
    },
  };
}
