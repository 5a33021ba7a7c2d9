/**
 * The LRS's Statement resource (xAPI 1.0.3, 7.2): store statements — each id once, immutable, voiding by
 * a voiding statement — and read them back by id or by query, in pages.
 *
 * A batch is checked in full before anything is written, and written in one transaction: either every
 * statement of a request is stored or none is (nothing acknowledged is lost; a statement id is stored
 * once). A statement sent again with its id is accepted when it is the same statement
 * (statement-format.ts, sameStatement) and refused with 409 when it differs.
 *
 * Privacy: a statement is stored encrypted under the personal-data key, bound to its school and id; its
 * agents are indexed by keyed hashes only (agent-identity.ts).
 */
import { createHash } from "node:crypto";
import type { EntityManager } from "typeorm";
import type { ServiceDeps } from "../service-deps.js";
import { withConflictRetry } from "../common/transaction-retry.js";
import type { FieldCipher } from "../../persistence/crypto/field-cipher.js";
import { attemptsOfStatements, deleteAttempts } from "../../persistence/xapi/xapi-mapping.store.js";
import { callerOf, type Stored, type XapiAttemptMapper } from "./xapi-attempt-mapper.js";
import { uuidv7 } from "../../shared/ids.js";
import {
  activityDefinition,
  attachmentsBySha2,
  flushStatements,
  insertAttachments,
  insertStatements,
  lastSeq,
  markVoided,
  queryStatements,
  type StatementFilter,
  statementsById,
  type StoredStatement,
  upsertActivities,
} from "../../persistence/xapi/xapi-statement.store.js";
import { type AgentHashers, checkAgent, ifiOf } from "./agent-identity.js";
import { indexStatement } from "./statement-index.js";
import { formatStatement, sameStatement, type StatementFormat, withArrays } from "./statement-format.js";
import { StatementValidationError, validateStatement } from "./statement-validation.js";
import { badRequest, XapiError } from "./xapi-errors.js";
import type { XapiClient } from "./xapi-credential.service.js";
import { isTimestamp, isUuid } from "./xapi-values.js";
import { checkSignature, SIGNATURE_USAGE } from "./statement-signature.js";

type Json = Record<string, unknown>;

export const XAPI_VERSION = "1.0.3";
/** The most statements one request may store (one transaction; more are refused with 413). */
export const MAX_STATEMENTS_PER_REQUEST = 10_000;
/** The largest page a query answers (a client's `limit` above it, or 0, gets this many). */
export const MAX_STATEMENT_PAGE = 500;
/** Where the authority of a credential's statements lives: an IRL that resolves nowhere (RFC 6761 .invalid). */
export const AUTHORITY_HOME_PAGE = "https://zpd.invalid/xapi/credential";

/** An attachment's content sent in a multipart/mixed request. */
export interface AttachmentPart {
  readonly sha2: string;
  readonly contentType: string;
  readonly content: Buffer;
}

export interface StatementQuery {
  readonly agent?: Json;
  readonly verb?: string;
  readonly activity?: string;
  readonly registration?: string;
  readonly relatedActivities?: boolean;
  readonly relatedAgents?: boolean;
  readonly since?: string;
  readonly until?: string;
  readonly limit?: number;
  readonly ascending?: boolean;
}

export interface ReadOptions {
  readonly format: StatementFormat;
  readonly languages: readonly string[];
  readonly attachments: boolean;
}

export interface StatementResult {
  readonly statements: Json[];
  /** A relative IRL that reads the next page; "" when there is none. */
  readonly more: string;
  readonly consistentThrough: Date;
  readonly attachments: AttachmentPart[];
  /** The learners whose statements (mapped to their attempts) the page holds: for the access log. */
  readonly learnerIds: string[];
}

/** What a store did: the statements' ids in the order sent, and the learners whose attempts they became. */
export interface StoreResult {
  readonly ids: string[];
  readonly learnerIds: string[];
}

const learnersOf = (rows: readonly StoredStatement[]): string[] => [...new Set(rows.flatMap((r) => (r.learnerId ? [r.learnerId] : [])))];

/** What a `more` link carries: the query, where the previous page ended and the consistent-through point. */
interface MoreToken {
  readonly q: StatementQuery;
  readonly o: ReadOptions;
  readonly after: string;
  readonly atMost: string;
}

const contextOf = (schoolId: string, id: string): string => `xapi_statement.statement_enc:${schoolId}/${id}`;

/** A stored statement's JSON from its encrypted column. */
export function decryptStatement(cipher: FieldCipher, schoolId: string, id: string, enc: Buffer): Json {
  return JSON.parse(cipher.decrypt(enc, contextOf(schoolId, id))) as Json;
}

/** What ties the store to the engine: statements mapped to attempts, and a voided attempt's learners replayed. */
export interface StatementLinks {
  readonly mapper?: XapiAttemptMapper;
  /** Rebuilds learners' states from their histories, in the caller's transaction (LearnerModelService.rebuildMany). */
  readonly replay?: (m: EntityManager, schoolId: string, learnerIds: readonly string[]) => Promise<unknown>;
}
const attachmentContext = (schoolId: string, sha2: string): string => `xapi_attachment.content_enc:${schoolId}/${sha2}`;

export class XapiStatementService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly agents: AgentHashers,
    private readonly links: StatementLinks = {},
  ) {}

  private get m(): EntityManager {
    return this.deps.dataSource.manager;
  }

  /** The authority a credential's statements carry (the LRS sets it; 7.2.1 "authority"). */
  authorityOf(client: XapiClient): Json {
    return { objectType: "Agent", account: { homePage: AUTHORITY_HOME_PAGE, name: client.credentialId } };
  }

  /**
   * Stores statements (a PUT's one, with its id; a POST's one or many) and their attachments; returns
   * their ids in the order sent.
   */
  async store(client: XapiClient, input: unknown, parts: readonly AttachmentPart[], putId?: string): Promise<StoreResult> {
    requireScope(client, "write");
    const list = Array.isArray(input) ? input : [input];
    if (putId !== undefined && Array.isArray(input)) throw badRequest("PUT takes one statement, not an array");
    if (list.length === 0) throw badRequest("no statements were sent");
    if (list.length > MAX_STATEMENTS_PER_REQUEST)
      throw new XapiError(413, `at most ${MAX_STATEMENTS_PER_REQUEST} statements per request: send them in several`);
    const problems: string[] = [];
    list.forEach((s, i) => {
      try {
        validateStatement(s);
      } catch (e) {
        if (!(e instanceof StatementValidationError)) throw e;
        problems.push(...e.problems.map((p) => `${list.length > 1 ? `[${i}]` : ""}${p.path ? ` ${p.path}` : " statement"}: ${p.why}`));
      }
    });
    if (problems.length) throw badRequest(`invalid statement: ${problems.join("; ").trim()}`);
    const statements = list as Json[];
    if (putId !== undefined) {
      if (!isUuid(putId)) throw badRequest("statementId must be a UUID");
      const own = statements[0]!.id;
      if (own !== undefined && String(own).toLowerCase() !== putId.toLowerCase())
        throw badRequest("the statement's id differs from statementId");
    }
    const now = new Date();
    const stored = now.toISOString();
    const authority = this.authorityOf(client);
    const seen = new Set<string>();
    const prepared = statements.map((s) => {
      const id = String(s.id ?? putId ?? uuidv7()).toLowerCase();
      if (seen.has(id)) throw badRequest(`the statement id ${id} appears twice in the request`);
      seen.add(id);
      const full: Json = withArrays({ ...s, id, timestamp: s.timestamp ?? stored, stored, authority, version: s.version ?? XAPI_VERSION });
      return { statement: full, sent: { ...s, id }, index: indexStatement(full) };
    });
    const byHash = checkAttachments(statements, parts);
    for (const [i, p] of prepared.entries()) checkSignature({ ...statements[i], id: p.statement.id }, byHash);
    const schoolId = client.schoolId;
    const hasher = await this.agents.get();
    // Whether each may be an attempt (pending, for the mapper after the commit) or cannot (ignored, and why).
    const initial = new Map(
      prepared.map((p) => [
        p.statement.id as string,
        this.links.mapper?.initialMapping(p.statement) ?? { mapping: "pending" as const, reason: null },
      ]),
    );
    let freshPending: Stored[] = [];
    // One statement that voids nothing, with no attachment and no Activity definition, is written by one
    // INSERT (atomic on its own) and at most read back: BEGIN and COMMIT would be two more round trips of
    // three. Anything more is written in one transaction.
    const oneWrite = prepared.length === 1 && !prepared[0]!.index.voids && byHash.size === 0 && prepared[0]!.index.activities.length === 0;
    // Such a statement that may be an attempt is inserted without waiting for the disk: the attempt's own
    // commit, right after, flushes it too (one WAL flush for the request instead of two); whatever path the
    // mapping takes, the statement is flushed before the answer (below) — nothing is acknowledged unflushed.
    const deferFlush =
      oneWrite && this.links.mapper !== undefined && initial.get(prepared[0]!.statement.id as string)!.mapping === "pending";
    const write = async (m: EntityManager) => {
      const voided = prepared.filter((p) => p.index.voids).map((p) => p.index.refId!);
      if (voided.length) {
        const targets = await statementsById(m, schoolId, voided);
        const voiding = targets.find((t) => t.voids);
        if (voiding) throw badRequest(`statement ${voiding.id} is a voiding statement: it cannot be voided`);
      }
      const existing = await insertStatements(
        m,
        schoolId,
        prepared.map(({ statement, index }) => ({
          id: statement.id as string,
          stored: now,
          verbId: index.verbId,
          registration: index.registration,
          refId: index.refId,
          voids: index.voids,
          activityIds: index.activityIds,
          relatedActivityIds: index.relatedActivityIds,
          agentHashes: index.agentIfis.map((i) => hasher.hash(i)),
          relatedAgentHashes: index.relatedAgentIfis.map((i) => hasher.hash(i)),
          attachmentSha2s: attachmentHashes(statement),
          statementEnc: this.deps.cipher.encrypt(JSON.stringify(statement), contextOf(schoolId, statement.id as string)),
          credentialId: client.credentialId,
          mapping: initial.get(statement.id as string)!.mapping,
          mappingReason: initial.get(statement.id as string)!.reason,
        })),
        { flush: !deferFlush },
      );
      const resent: Stored[] = [];
      if (existing.size) {
        const before = await statementsById(m, schoolId, [...existing]);
        for (const row of before) {
          const sent = prepared.find((p) => p.statement.id === row.id)!.sent;
          const stored = this.decrypt(schoolId, row);
          if (!sameStatement(lrsSetTimestampDropped(stored, sent), sent))
            throw new XapiError(409, `statement ${row.id} is already stored, with other content`);
          // Sent again while still pending (its first request failed after the commit): map it now.
          if (row.mapping === "pending") resent.push({ id: row.id, statement: stored });
        }
      }
      const fresh = prepared.filter((p) => !existing.has(p.statement.id as string));
      freshPending = fresh
        .filter((p) => initial.get(p.statement.id as string)!.mapping === "pending")
        .map((p) => ({ id: p.statement.id as string, statement: p.statement }))
        .concat(resent);
      // A voided statement's attempt goes, and its learner is replayed without it, in this transaction.
      const voidedIds = fresh.filter((p) => p.index.voids).map((p) => p.index.refId!);
      const undone = await attemptsOfStatements(m, schoolId, voidedIds);
      await markVoided(m, schoolId, voidedIds);
      if (undone.length) {
        await deleteAttempts(
          m,
          schoolId,
          undone.map((u) => u.attemptId),
        );
        await this.links.replay?.(m, schoolId, [...new Set(undone.map((u) => u.learnerId))]);
      }
      await upsertActivities(m, schoolId, mergedDefinitions(fresh.flatMap((p) => p.index.activities)));
      const needed = new Set(fresh.flatMap((p) => attachmentHashes(p.statement)));
      await insertAttachments(
        m,
        schoolId,
        [...byHash.values()]
          .filter((a) => needed.has(a.sha2))
          .map((a) => ({
            sha2: a.sha2,
            contentType: a.contentType,
            contentEnc: this.deps.cipher.encrypt(a.content.toString("base64"), attachmentContext(schoolId, a.sha2)),
          })),
      );
    };
    // Rerun whole when PostgreSQL breaks a deadlock between concurrent batches: the ids make it idempotent.
    await withConflictRetry(() => (oneWrite ? write(this.m) : this.deps.dataSource.transaction(write)), "storing the statements");
    // The statements are safe (once flushed): mapping them to attempts may fail (they then wait, pending, for the next request).
    let learnerIds: string[] = [];
    let flushed = !deferFlush;
    try {
      const outcome = await this.links.mapper?.mapPending(callerOf(client), freshPending);
      learnerIds = outcome ? [...outcome.learnerIds] : [];
      flushed ||= outcome?.flushed === true;
    } catch (e) {
      this.deps.logger.warn({ err: e, schoolId }, "xAPI statements stored but not yet mapped to attempts");
    }
    // No synchronous commit followed the insert (the mapping failed, or wrote nothing): flush it now; if
    // that fails too, the request fails, and the client sends the statement again (its id keeps it once).
    if (!flushed)
      await flushStatements(
        this.m,
        schoolId,
        prepared.map((p) => p.statement.id as string),
      );
    return { ids: prepared.map((p) => p.statement.id as string), learnerIds };
  }

  /** One statement by id: `statementId` finds it unless voided, `voidedStatementId` only when voided. */
  async byId(
    client: XapiClient,
    id: string,
    voided: boolean,
    options: ReadOptions,
  ): Promise<{ statement: Json; attachments: AttachmentPart[]; learnerIds: string[] }> {
    requireScope(client, "read");
    if (!isUuid(id)) throw badRequest(`${voided ? "voidedStatementId" : "statementId"} must be a UUID`);
    const [row] = await statementsById(this.m, client.schoolId, [id.toLowerCase()]);
    if (!row || row.voided !== voided) throw new XapiError(404, `no ${voided ? "voided " : ""}statement ${id}`);
    const [statement] = await this.shown(client.schoolId, [row], options);
    return {
      statement: statement!,
      attachments: options.attachments ? await this.attachmentsOf(client.schoolId, [row]) : [],
      learnerIds: learnersOf([row]),
    };
  }

  /** A page of statements matching a query (7.2.3), newest first unless ascending. */
  async query(client: XapiClient, query: StatementQuery, options: ReadOptions): Promise<StatementResult> {
    requireScope(client, "read");
    checkQuery(query);
    const atMost = await lastSeq(this.m, client.schoolId);
    return this.page(client, { q: query, o: options, after: "", atMost });
  }

  /** The next page of a query, from its `more` token. */
  async more(client: XapiClient, token: string): Promise<StatementResult> {
    requireScope(client, "read");
    let parsed: MoreToken;
    try {
      parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as MoreToken;
    } catch {
      throw badRequest("more is not a link this server gave");
    }
    if (!parsed || typeof parsed.atMost !== "string" || typeof parsed.after !== "string" || !parsed.q || !parsed.o)
      throw badRequest("more is not a link this server gave");
    checkQuery(parsed.q);
    return this.page(client, parsed);
  }

  private async page(client: XapiClient, t: MoreToken): Promise<StatementResult> {
    const q = t.q;
    const limit = !q.limit || q.limit > MAX_STATEMENT_PAGE ? MAX_STATEMENT_PAGE : q.limit;
    const agentIfi = q.agent ? ifiOf(q.agent) : null;
    const filter: StatementFilter = {
      agentHash: agentIfi ? (await this.agents.get()).hash(agentIfi) : undefined,
      relatedAgents: q.relatedAgents,
      verbId: q.verb,
      activityId: q.activity,
      relatedActivities: q.relatedActivities,
      registration: q.registration?.toLowerCase(),
      since: q.since ? new Date(q.since) : undefined,
      until: q.until ? new Date(q.until) : undefined,
      atMostSeq: t.atMost,
      afterSeq: t.after || undefined,
      ascending: !!q.ascending,
      limit,
    };
    const rows = await queryStatements(this.m, client.schoolId, filter);
    const pageRows = rows.slice(0, limit);
    const more =
      rows.length > limit
        ? `/xapi/statements?more=${Buffer.from(JSON.stringify({ ...t, after: pageRows[pageRows.length - 1]!.seq } satisfies MoreToken)).toString("base64url")}`
        : "";
    return {
      statements: await this.shown(client.schoolId, pageRows, t.o),
      more,
      consistentThrough: new Date(),
      attachments: t.o.attachments ? await this.attachmentsOf(client.schoolId, pageRows) : [],
      learnerIds: learnersOf(pageRows),
    };
  }

  /** The canonical definition of an Activity, or null when no statement carried one. */
  async activity(client: XapiClient, id: string): Promise<Json | null> {
    requireScope(client, "read");
    return (await activityDefinition(this.m, client.schoolId, id)) as Json | null;
  }

  private decrypt(schoolId: string, row: StoredStatement): Json {
    return decryptStatement(this.deps.cipher, schoolId, row.id, row.statementEnc);
  }

  private async shown(schoolId: string, rows: readonly StoredStatement[], o: ReadOptions): Promise<Json[]> {
    const statements = rows.map((r) => this.decrypt(schoolId, r));
    const definitions = new Map<string, Json>();
    if (o.format === "canonical")
      for (const s of statements)
        for (const a of indexStatement(s).activities) {
          if (definitions.has(a.id)) continue;
          const d = await activityDefinition(this.m, schoolId, a.id);
          if (d) definitions.set(a.id, d as Json);
        }
    return statements.map((s) => formatStatement(s, o.format, o.languages, definitions));
  }

  private async attachmentsOf(schoolId: string, rows: readonly StoredStatement[]): Promise<AttachmentPart[]> {
    const sha2s = [...new Set(rows.flatMap((r) => r.attachmentSha2s))];
    const found = await attachmentsBySha2(this.m, schoolId, sha2s);
    return found.map((a) => ({
      sha2: a.sha2,
      contentType: a.contentType,
      content: Buffer.from(this.deps.cipher.decrypt(a.contentEnc, attachmentContext(schoolId, a.sha2)), "base64"),
    }));
  }
}

/**
 * The stored statement without its timestamp when the LRS set it (no timestamp was sent: it equals
 * `stored`) and the statement sent again has none either: what the LRS set is not part of the comparison.
 */
function lrsSetTimestampDropped(stored: Json, sent: Json): Json {
  if (sent.timestamp !== undefined || stored.timestamp !== stored.stored) return stored;
  const { timestamp: _set, ...rest } = stored;
  return rest;
}

/**
 * One definition per Activity of a batch, in id order (concurrent batches then lock the rows in the same
 * order): what all its statements say, the later winning per property, the languages of the name and
 * description gathered — as the store merges them with what it already holds.
 */
function mergedDefinitions(activities: readonly { id: string; definition: Json }[]): { id: string; definition: Json }[] {
  const byId = new Map<string, Json>();
  for (const a of activities) {
    const before = byId.get(a.id) ?? {};
    const merged: Json = { ...before, ...a.definition };
    for (const k of ["name", "description"])
      if (before[k] && a.definition[k]) merged[k] = { ...(before[k] as Json), ...(a.definition[k] as Json) };
    byId.set(a.id, merged);
  }
  return [...byId].sort(([x], [y]) => (x < y ? -1 : x > y ? 1 : 0)).map(([id, definition]) => ({ id, definition }));
}

/** The scope a credential needs: WRITE sends statements, READ reads them, ALL does both. */
export function requireScope(client: XapiClient, need: "read" | "write"): void {
  const ok = client.scope === "ALL" || (need === "write" ? client.scope === "WRITE" : client.scope === "READ");
  if (!ok)
    throw new XapiError(
      403,
      `this credential's scope (${client.scope}) does not allow ${need === "write" ? "writing" : "reading"} statements`,
    );
}

function checkQuery(q: StatementQuery): void {
  // Again here: a `more` link carries the query back from the client.
  if (q.agent !== undefined) checkAgent(q.agent);
  if (q.registration !== undefined && !isUuid(q.registration)) throw badRequest("registration must be a UUID");
  for (const k of ["since", "until"] as const)
    if (q[k] !== undefined && !isTimestamp(q[k])) throw badRequest(`${k} must be an ISO 8601 date-time`);
  if (q.limit !== undefined && (!Number.isInteger(q.limit) || q.limit < 0)) throw badRequest("limit must be a non-negative integer");
}

/** The SHA-2s of a statement's attachments that travel with it (no fileUrl... or with one but sent anyway). */
function attachmentHashes(s: Json): string[] {
  const list = (s.attachments as Json[] | undefined) ?? [];
  return list.map((a) => String(a.sha2));
}

/**
 * Every attachment declared without a fileUrl must come as a part with its SHA-2; every part must be
 * declared by a statement (7.2.1 "Attachments"); a part's content must hash to its declared SHA-2.
 */
function checkAttachments(statements: readonly Json[], parts: readonly AttachmentPart[]): Map<string, AttachmentPart> {
  const byHash = new Map<string, AttachmentPart>();
  for (const p of parts) {
    const algo =
      p.sha2.length === 64
        ? "sha256"
        : p.sha2.length === 96
          ? "sha384"
          : p.sha2.length === 128
            ? "sha512"
            : p.sha2.length === 56
              ? "sha224"
              : null;
    if (!algo || createHash(algo).update(p.content).digest("hex") !== p.sha2.toLowerCase())
      throw badRequest(`an attachment part's content does not match its X-Experience-API-Hash ${p.sha2}`);
    byHash.set(p.sha2.toLowerCase(), p);
  }
  const declared = new Set<string>();
  for (const s of statements)
    for (const a of (s.attachments as Json[] | undefined) ?? []) {
      const sha2 = String(a.sha2).toLowerCase();
      declared.add(sha2);
      if (a.fileUrl === undefined && !byHash.has(sha2)) throw badRequest(`attachment ${sha2} has no fileUrl and was not sent as a part`);
      if (a.usageType === SIGNATURE_USAGE && !byHash.has(sha2)) throw badRequest("a signature attachment must be sent as a part");
    }
  for (const sha2 of byHash.keys())
    if (!declared.has(sha2)) throw badRequest(`the part ${sha2} is not an attachment of any statement sent`);
  return byHash;
}
