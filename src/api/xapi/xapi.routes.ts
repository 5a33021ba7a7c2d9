/**
 * The xAPI 1.0.3 Learning Record Store at /xapi (docs/xapi.md): statements, the State, Activity Profile
 * and Agent Profile documents, activities, agents and about. HTTP Basic with a school's xAPI credential
 * (services/xapi/xapi-credential.service.ts); every request but GET /about names the version it speaks
 * (X-Experience-API-Version: 1.0.x), and every answer the version of the store.
 *
 * The handlers only read the request (xapi-request.ts) and write the answer; what is stored and how is
 * the services' (xapi-statement.service.ts, xapi-document.service.ts). Refusals are the services'
 * XapiErrors, answered with their status and a coded body (the project's error shape).
 */
import express from "express";
import type { Services } from "../../services/index.js";
import { DomainError } from "../../services/common/domain-error.js";
import { databaseUnavailableReason } from "../../persistence/common/db-unavailable.js";
import type { DatabaseOutages } from "../../persistence/common/database-outages.js";
import type { Logger } from "../../shared/logger.js";
import type { XapiClient } from "../../services/xapi/xapi-credential.service.js";
import { AccessKind } from "../../services/access-log/access-log.service.js";
import { Role } from "../../services/auth/actor.js";
import { badRequest, XapiError } from "../../services/xapi/xapi-errors.js";
import { type AttachmentPart, type ReadOptions, type StatementQuery, XAPI_VERSION } from "../../services/xapi/xapi-statement.service.js";
import type { DocumentAddress } from "../../services/xapi/xapi-document.service.js";
import { parseAgent } from "../../services/xapi/agent-identity.js";
import { acceptedLanguages, type StatementFormat } from "../../services/xapi/statement-format.js";
import { sendUnavailable } from "../common/retryable-errors.js";
import { boundaryOf, type MimePart, parseMultipart, writeMultipart } from "./multipart-mixed.js";
import { type XapiRequest, xapiRequestOf } from "./xapi-request.js";
import { XapiAuthenticator, XapiRateLimited } from "./xapi-auth.js";
import { RATE_LIMITED, type RateLimits } from "../common/rate-limit.js";

type Json = Record<string, unknown>;

/** The largest request body the LRS reads (statements with attachments). */
export const XAPI_MAX_BODY_BYTES = 16 * 1024 * 1024;

const QUERY_PARAMS = new Set([
  "agent",
  "verb",
  "activity",
  "registration",
  "related_activities",
  "related_agents",
  "since",
  "until",
  "limit",
  "format",
  "attachments",
  "ascending",
]);
const CONSISTENT_THROUGH = "X-Experience-API-Consistent-Through";
const READ_OPTION_PARAMS = new Set(["format", "attachments"]);

interface Answer {
  status: number;
  headers?: Record<string, string>;
  json?: unknown;
  body?: Buffer;
  contentType?: string;
}

export interface XapiRouteOptions {
  readonly services: Services;
  readonly logger: Logger;
  readonly outages: DatabaseOutages;
  /** The API's rate limits (null: none). */
  readonly rateLimits: RateLimits | null;
  /** Counts each answer: `zpd_graphql_requests_total` under operation `xapi <resource>`, outcome `ok` or the HTTP status. */
  readonly observe?: (operation: string, outcome: string, seconds: number) => void;
}

/** The metric's operation label: the resource, never a parameter (a bounded set of values). */
function operationOf(req: express.Request): string {
  const path = req.path.replace(/\/+$/, "");
  const known = ["/about", "/statements", "/activities/state", "/activities/profile", "/agents/profile", "/activities", "/agents"];
  return `xapi ${known.includes(path) ? path.slice(1) : "other"}`;
}

export function mountXapiRoutes(app: express.Express, opts: XapiRouteOptions): void {
  const { services, logger, outages } = opts;
  const auth = new XapiAuthenticator(services, opts.rateLimits);
  app.use("/xapi", express.raw({ type: () => true, limit: XAPI_MAX_BODY_BYTES }), async (req: express.Request, res: express.Response) => {
    const t0 = process.hrtime.bigint();
    res.on("finish", () =>
      opts.observe?.(operationOf(req), res.statusCode < 400 ? "ok" : String(res.statusCode), Number(process.hrtime.bigint() - t0) / 1e9),
    );
    res.set("X-Experience-API-Version", XAPI_VERSION);
    try {
      const x = xapiRequestOf(req);
      // On every answer to a statements read, a refusal included (7.2.3): nothing later than now is missing.
      if (x.path === "/statements" && (x.method === "GET" || x.method === "HEAD")) res.set(CONSISTENT_THROUGH, new Date().toISOString());
      const answer = await route(services, x, () => auth.authenticate(req, x));
      send(res, x.method === "HEAD" || req.method === "HEAD", answer);
    } catch (e) {
      if (e instanceof XapiError) return fail(res, e.status, e.code, e.message, e.status === 401);
      if (e instanceof XapiRateLimited) {
        res.set("Retry-After", String(e.retryAfterSeconds));
        return fail(res, 429, RATE_LIMITED, e.message, false);
      }
      if (e instanceof DomainError) return fail(res, 400, e.code, e.message, false);
      const unavailable = databaseUnavailableReason(e);
      if (unavailable) return sendUnavailable(res, outages, unavailable);
      logger.error({ err: e }, "unexpected error in the xAPI store");
      fail(res, 500, "INTERNAL_SERVER_ERROR", "internal server error", false);
    }
  });
  // A body express.raw could not read (over the limit) on /xapi: the same coded shape.
  app.use("/xapi", (err: { status?: number; type?: string }, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (!err) return next();
    res.set("X-Experience-API-Version", XAPI_VERSION);
    if (err.type === "entity.too.large") return fail(res, 413, "QUERY_TOO_LARGE", `the body is over ${XAPI_MAX_BODY_BYTES} bytes`, false);
    fail(res, err.status && err.status < 500 ? err.status : 400, "BAD_REQUEST", "malformed request body", false);
  });
}

function fail(res: express.Response, status: number, code: string, message: string, challenge: boolean): void {
  if (challenge) res.set("WWW-Authenticate", 'Basic realm="xapi", charset="UTF-8"');
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

function send(res: express.Response, head: boolean, a: Answer): void {
  res.status(a.status);
  if (a.headers) res.set(a.headers);
  if (a.json !== undefined) {
    const body = Buffer.from(JSON.stringify(a.json));
    res.type("application/json").set("Content-Length", String(body.length));
    return void (head ? res.end() : res.end(body));
  }
  if (a.body) {
    res.type(a.contentType ?? "application/octet-stream").set("Content-Length", String(a.body.length));
    return void (head ? res.end() : res.end(a.body));
  }
  res.end();
}

async function route(services: Services, x: XapiRequest, authenticate: () => Promise<XapiClient>): Promise<Answer> {
  if (x.path === "/about") {
    if (x.method !== "GET" && x.method !== "HEAD") throw new XapiError(405, "about is read with GET");
    return { status: 200, json: { version: [XAPI_VERSION], extensions: {} } };
  }
  const client = await authenticate();
  checkVersion(x);
  switch (x.path) {
    case "/statements":
      return statements(services, client, x);
    case "/activities/state":
      return documents(services, client, x, "state");
    case "/activities/profile":
      return documents(services, client, x, "activity");
    case "/agents/profile":
      return documents(services, client, x, "agent");
    case "/activities":
      return activities(services, client, x);
    case "/agents":
      return agents(x);
    default:
      throw new XapiError(404, `no xAPI resource at /xapi${x.path}`);
  }
}

function checkVersion(x: XapiRequest): void {
  const v = x.header("x-experience-api-version");
  if (v === undefined) throw badRequest("the X-Experience-API-Version header is required");
  if (!/^1\.0(\.\d+)?$/.test(v.trim()))
    throw badRequest(`X-Experience-API-Version ${v.slice(0, 20)} is not a version this LRS speaks (1.0.x)`);
}

function bool(x: XapiRequest, name: string): boolean | undefined {
  const v = x.params.get(name);
  if (v === undefined) return undefined;
  if (v !== "true" && v !== "false") throw badRequest(`${name} must be true or false`);
  return v === "true";
}

function readOptions(x: XapiRequest): ReadOptions {
  const format = (x.params.get("format") ?? "exact") as StatementFormat;
  if (!["exact", "ids", "canonical"].includes(format)) throw badRequest("format must be exact, ids or canonical");
  return { format, languages: acceptedLanguages(x.header("accept-language")), attachments: bool(x, "attachments") ?? false };
}

function contentTypeOf(x: XapiRequest): string {
  return (x.header("content-type") ?? "application/json").trim();
}

/** The statement(s) and attachment parts of a PUT or POST body (JSON, or multipart/mixed with attachments). */
function statementBody(x: XapiRequest): { input: unknown; parts: AttachmentPart[] } {
  const type = contentTypeOf(x);
  let json: Buffer = x.body;
  const parts: AttachmentPart[] = [];
  if (/^multipart\/mixed\b/i.test(type)) {
    const boundary = boundaryOf(type);
    if (!boundary) throw badRequest("a multipart/mixed body needs a boundary");
    let mime: MimePart[];
    try {
      mime = parseMultipart(x.body, boundary);
    } catch (e) {
      throw badRequest(`the multipart body cannot be read: ${(e as Error).message}`);
    }
    if (mime.length === 0) throw badRequest("the multipart body has no part");
    const [first, ...rest] = mime;
    if (!/^application\/json\b/i.test(first!.headers["content-type"] ?? ""))
      throw badRequest("the first part must be the statement(s) as application/json");
    json = first!.body;
    for (const p of rest) {
      const sha2 = p.headers["x-experience-api-hash"];
      if (!sha2) throw badRequest("every attachment part needs an X-Experience-API-Hash header");
      if (p.headers["content-transfer-encoding"] !== "binary")
        throw badRequest("every attachment part needs Content-Transfer-Encoding: binary");
      parts.push({ sha2: sha2.toLowerCase(), contentType: p.headers["content-type"] ?? "application/octet-stream", content: p.body });
    }
  } else if (!/^application\/json\b/i.test(type))
    throw badRequest("statements are sent as application/json (or multipart/mixed with attachments)");
  try {
    return { input: JSON.parse(json.toString("utf8")), parts };
  } catch {
    throw badRequest("the body is not JSON");
  }
}

async function statements(services: Services, client: XapiClient, x: XapiRequest): Promise<Answer> {
  const svc = services.xapiStatements;
  if (x.method === "PUT") {
    const id = x.params.get("statementId");
    if (id === undefined) throw badRequest("PUT needs the statementId parameter");
    for (const k of x.params.keys()) if (k !== "statementId") throw badRequest(`PUT statements takes no parameter ${k}`);
    const { input, parts } = statementBody(x);
    logAccess(services, client, (await svc.store(client, input, parts, id)).learnerIds, AccessKind.Write);
    return { status: 204 };
  }
  if (x.method === "POST") {
    if (x.params.size) throw badRequest("POST statements takes no parameters");
    const { input, parts } = statementBody(x);
    const stored = await svc.store(client, input, parts);
    logAccess(services, client, stored.learnerIds, AccessKind.Write);
    return { status: 200, json: stored.ids };
  }
  if (x.method !== "GET" && x.method !== "HEAD") throw new XapiError(405, `statements are not answered to ${x.method}`);
  const options = readOptions(x);
  const more = x.params.get("more");
  const single = x.params.get("statementId") ?? x.params.get("voidedStatementId");
  if (more !== undefined) {
    if (x.params.size > 1) throw badRequest("more takes no other parameter");
    const page = await svc.more(client, more);
    logAccess(services, client, page.learnerIds, AccessKind.Read);
    return statementPage(page, page.attachments.length > 0);
  }
  if (single !== undefined) {
    const voided = !x.params.has("statementId");
    if (x.params.has("statementId") && x.params.has("voidedStatementId"))
      throw badRequest("statementId and voidedStatementId cannot be asked together");
    for (const k of x.params.keys())
      if (k !== "statementId" && k !== "voidedStatementId" && !READ_OPTION_PARAMS.has(k))
        throw badRequest(`${k} cannot be used with ${voided ? "voidedStatementId" : "statementId"}`);
    const { statement, attachments, learnerIds } = await svc.byId(client, single, voided, options);
    logAccess(services, client, learnerIds, AccessKind.Read);
    const headers = { "Last-Modified": new Date(String(statement.stored)).toUTCString() };
    if (options.attachments) return { ...multipart(statement, attachments), headers };
    return { status: 200, json: statement, headers };
  }
  for (const k of x.params.keys()) if (!QUERY_PARAMS.has(k)) throw badRequest(`statements have no query parameter ${k}`);
  const limit = x.params.get("limit");
  if (limit !== undefined && !/^\d+$/.test(limit)) throw badRequest("limit must be a non-negative integer");
  let agent: Json | undefined;
  if (x.params.has("agent")) agent = parseAgent(x.params.get("agent")!);
  const query: StatementQuery = {
    agent,
    verb: x.params.get("verb"),
    activity: x.params.get("activity"),
    registration: x.params.get("registration"),
    relatedActivities: bool(x, "related_activities"),
    relatedAgents: bool(x, "related_agents"),
    since: x.params.get("since"),
    until: x.params.get("until"),
    limit: limit === undefined ? undefined : Number(limit),
    ascending: bool(x, "ascending"),
  };
  const page = await svc.query(client, query, options);
  logAccess(services, client, page.learnerIds, AccessKind.Read);
  return statementPage(page, options.attachments);
}

/**
 * The access log (services/access-log/): statements mapped to a learner's attempts, and the State and
 * Agent Profile documents of an agent linked to a learner, are that learner's data, so storing or deleting
 * (WRITE) and reading them (READ) is recorded as a GraphQL request's would be, under operation
 * `xapi statements` or `xapi documents`, the caller being the credential (`xapi:<id>`).
 */
function logAccess(
  services: Services,
  client: XapiClient,
  learnerIds: readonly string[],
  access: AccessKind,
  operation: "xapi statements" | "xapi documents" = "xapi statements",
): void {
  services.accessLog.record(
    { schoolId: client.schoolId, role: Role.Service, subject: `xapi:${client.credentialId}` },
    learnerIds.map((learnerId) => ({ learnerId, operation, access })),
  );
}

function statementPage(r: Awaited<ReturnType<Services["xapiStatements"]["query"]>>, withAttachments: boolean): Answer {
  const headers = { [CONSISTENT_THROUGH]: r.consistentThrough.toISOString() };
  const result = { statements: r.statements, more: r.more };
  if (withAttachments && r.attachments.length) return { ...multipart(result, r.attachments), headers };
  return { status: 200, json: result, headers };
}

function multipart(json: unknown, attachments: readonly AttachmentPart[]): Answer {
  const boundary = `zpd-${Date.now().toString(36)}-${Math.random().toString(36).slice(2)}`;
  const { body, contentType } = writeMultipart(
    [
      { headers: { "Content-Type": "application/json" }, body: Buffer.from(JSON.stringify(json)) },
      ...attachments.map((a) => ({
        headers: { "Content-Type": a.contentType, "Content-Transfer-Encoding": "binary", "X-Experience-API-Hash": a.sha2 },
        body: a.content,
      })),
    ],
    boundary,
  );
  return { status: 200, body, contentType };
}

const DOCUMENT_PARAMS: Readonly<Record<DocumentAddress["kind"], readonly string[]>> = {
  state: ["activityId", "agent", "registration", "stateId", "since"],
  activity: ["activityId", "profileId", "since"],
  agent: ["agent", "profileId", "since"],
};

async function documents(services: Services, client: XapiClient, x: XapiRequest, kind: DocumentAddress["kind"]): Promise<Answer> {
  for (const k of x.params.keys()) if (!DOCUMENT_PARAMS[kind].includes(k)) throw badRequest(`this resource has no parameter ${k}`);
  const address: DocumentAddress = {
    kind,
    activityId: x.params.get("activityId"),
    agent: x.params.get("agent"),
    registration: x.params.get("registration"),
    documentId: x.params.get(kind === "state" ? "stateId" : "profileId"),
  };
  const pre = { ifMatch: x.header("if-match"), ifNoneMatch: x.header("if-none-match") };
  const svc = services.xapiDocuments;
  switch (x.method) {
    case "GET":
    case "HEAD": {
      if (address.documentId === undefined) {
        const { ids, learnerIds } = await svc.ids(client, address, x.params.get("since"));
        logAccess(services, client, learnerIds, AccessKind.Read, "xapi documents");
        return { status: 200, json: ids };
      }
      if (x.params.has("since")) throw badRequest("since is for the list of ids, not one document");
      const d = await svc.get(client, address);
      logAccess(services, client, d.learnerIds, AccessKind.Read, "xapi documents");
      return {
        status: 200,
        body: d.content,
        contentType: d.contentType,
        headers: { ETag: `"${d.etag}"`, "Last-Modified": d.updated.toUTCString() },
      };
    }
    case "PUT":
    case "POST":
      if (x.params.has("since")) throw badRequest("since is for reading");
      logAccess(
        services,
        client,
        (await svc.write(client, address, { content: x.body, contentType: contentTypeOf(x) }, x.method === "POST", pre)).learnerIds,
        AccessKind.Write,
        "xapi documents",
      );
      return { status: 204 };
    case "DELETE":
      if (x.params.has("since")) throw badRequest("since is for reading");
      logAccess(services, client, (await svc.delete(client, address, pre)).learnerIds, AccessKind.Write, "xapi documents");
      return { status: 204 };
    default:
      throw new XapiError(405, `documents are not answered to ${x.method}`);
  }
}

async function activities(services: Services, client: XapiClient, x: XapiRequest): Promise<Answer> {
  if (x.method !== "GET" && x.method !== "HEAD") throw new XapiError(405, "activities are read with GET");
  for (const k of x.params.keys()) if (k !== "activityId") throw badRequest(`activities have no parameter ${k}`);
  const id = x.params.get("activityId");
  if (id === undefined) throw badRequest("activityId is required");
  const definition = await services.xapiStatements.activity(client, id);
  return { status: 200, json: definition ? { objectType: "Activity", id, definition } : { objectType: "Activity", id } };
}

/** The Person object of an agent (7.6): what the LRS knows of it, which is the agent's own identifiers. */
function agents(x: XapiRequest): Answer {
  if (x.method !== "GET" && x.method !== "HEAD") throw new XapiError(405, "agents are read with GET");
  for (const k of x.params.keys()) if (k !== "agent") throw badRequest(`agents have no parameter ${k}`);
  const text = x.params.get("agent");
  if (text === undefined) throw badRequest("agent is required");
  const agent = parseAgent(text);
  const person: Json = { objectType: "Person" };
  for (const k of ["name", "mbox", "mbox_sha1sum", "openid", "account"]) if (agent[k] !== undefined) person[k] = [agent[k]];
  return { status: 200, json: person };
}
