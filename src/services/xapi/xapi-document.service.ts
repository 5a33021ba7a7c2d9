/**
 * The LRS's document resources (xAPI 1.0.3, 7.3 State, 7.5 Activity Profile, 7.6 Agent Profile): a
 * client's own documents, keyed by activity, agent, registration and id. A document is any content; a
 * POST merges a JSON object into a JSON object (top-level properties, the new ones win).
 *
 * Concurrency (7.3, 6.3): every document has an ETag (the SHA-1 of its content). If-Match and
 * If-None-Match are honoured on every write (412 when they do not hold). A PUT of a profile document
 * needs one of them: without, it is refused with 409 when the document exists (a client must not
 * overwrite what it has not seen) and 400 when it does not.
 *
 * Privacy: contents are encrypted under the personal-data key; agents are indexed by keyed hashes only.
 */
import { createHash } from "node:crypto";
import type { ServiceDeps } from "../service-deps.js";
import { uuidv7 } from "../../shared/ids.js";
import {
  deleteDocuments,
  type DocumentKind,
  type DocumentScope,
  documentIds,
  findDocument,
  insertDocument,
  updateDocument,
} from "../../persistence/xapi/xapi-document.store.js";
import { type AgentHashers, ifiOf, parseAgent } from "./agent-identity.js";
import { learnerOfAgent } from "../../persistence/xapi/xapi-mapping.store.js";
import { badRequest, XapiError } from "./xapi-errors.js";
import type { XapiClient } from "./xapi-credential.service.js";
import { isIri, isTimestamp, isUuid } from "./xapi-values.js";

type Json = Record<string, unknown>;

/** Where a request's document is: what the query parameters name. */
export interface DocumentAddress {
  readonly kind: DocumentKind;
  readonly activityId?: string;
  /** The agent parameter, as sent (JSON text). */
  readonly agent?: string;
  readonly registration?: string;
  /** stateId or profileId; absent for a GET of the ids or a DELETE of every state document. */
  readonly documentId?: string;
}

export interface DocumentContent {
  readonly content: Buffer;
  readonly contentType: string;
}

export interface Preconditions {
  readonly ifMatch?: string;
  readonly ifNoneMatch?: string;
}

export interface ShownDocument extends DocumentContent {
  readonly etag: string;
  readonly updated: Date;
}

/**
 * The learner a document request concerns, for the access log: the learner the State or Agent Profile
 * document's agent is linked to (none for an Activity Profile, or an agent linked to nobody).
 */
export interface DocumentAccess {
  readonly learnerIds: string[];
}

const ID_NAME: Readonly<Record<DocumentKind, string>> = { state: "stateId", activity: "profileId", agent: "profileId" };
const contextOf = (rowId: string): string => `xapi_document.content_enc:${rowId}`;
const etagOf = (content: Buffer): string => createHash("sha1").update(content).digest("hex");
const isJson = (type: string): boolean => /^application\/json\b/i.test(type);

export class XapiDocumentService {
  constructor(
    private readonly deps: ServiceDeps,
    private readonly agents: AgentHashers,
  ) {}

  async get(client: XapiClient, a: DocumentAddress): Promise<ShownDocument & DocumentAccess> {
    const { scope } = await this.scope(client, a, "read", true);
    const found = await findDocument(this.deps.dataSource.manager, client.schoolId, scope, a.documentId!);
    if (!found) throw new XapiError(404, `no such document`);
    return {
      content: this.content(found.id, found.contentEnc),
      contentType: found.contentType,
      etag: found.etag,
      updated: found.updated,
      learnerIds: await this.learnersOf(client, scope),
    };
  }

  async ids(client: XapiClient, a: DocumentAddress, since?: string): Promise<{ ids: string[] } & DocumentAccess> {
    const { scope } = await this.scope(client, a, "read", false);
    if (since !== undefined && !isTimestamp(since)) throw badRequest("since must be an ISO 8601 date-time");
    const ids = await documentIds(this.deps.dataSource.manager, client.schoolId, scope, since ? new Date(since) : undefined);
    return { ids, learnerIds: await this.learnersOf(client, scope) };
  }

  /** PUT (replace) or POST (merge JSON) a document. */
  async write(client: XapiClient, a: DocumentAddress, body: DocumentContent, merge: boolean, pre: Preconditions): Promise<DocumentAccess> {
    const { scope } = await this.scope(client, a, "write", true);
    if (merge && isJson(body.contentType)) parseObject(body.content, "the document");
    await this.deps.dataSource.transaction(async (m) => {
      const found = await findDocument(m, client.schoolId, scope, a.documentId!, true);
      checkPreconditions(found?.etag ?? null, pre);
      if (!merge && a.kind !== "state" && pre.ifMatch === undefined && pre.ifNoneMatch === undefined) {
        if (found) throw new XapiError(409, "the document exists: send If-Match with its ETag");
        throw badRequest("a PUT of a profile document needs If-Match (its ETag) or If-None-Match: * (to create it)");
      }
      let content = body.content;
      let contentType = body.contentType;
      if (merge && found) {
        if (!isJson(found.contentType) || !isJson(body.contentType))
          throw badRequest("POST merges JSON objects: the stored or the sent document is not JSON");
        const before = parseObject(this.content(found.id, found.contentEnc), "the stored document");
        content = Buffer.from(JSON.stringify({ ...before, ...parseObject(body.content, "the document") }));
        contentType = "application/json";
      }
      const d = { contentType, etag: etagOf(content), updated: new Date() };
      if (found)
        await updateDocument(m, found.id, { ...d, contentEnc: this.deps.cipher.encrypt(content.toString("base64"), contextOf(found.id)) });
      else {
        const id = uuidv7();
        await insertDocument(m, client.schoolId, {
          id,
          kind: a.kind,
          activityId: scope.activityId,
          agentHash: scope.agentHash,
          registration: scope.registration,
          documentId: a.documentId!,
          ...d,
          contentEnc: this.deps.cipher.encrypt(content.toString("base64"), contextOf(id)),
        });
      }
    });
    return { learnerIds: await this.learnersOf(client, scope) };
  }

  /** Deletes a document, or (State only) every document of the activity, agent and registration. */
  async delete(client: XapiClient, a: DocumentAddress, pre: Preconditions): Promise<DocumentAccess> {
    const { scope } = await this.scope(client, a, "write", a.kind !== "state");
    await this.deps.dataSource.transaction(async (m) => {
      if (a.documentId !== undefined) {
        const found = await findDocument(m, client.schoolId, scope, a.documentId, true);
        checkPreconditions(found?.etag ?? null, pre);
      }
      await deleteDocuments(m, client.schoolId, scope, a.documentId);
    });
    return { learnerIds: await this.learnersOf(client, scope) };
  }

  private async learnersOf(client: XapiClient, scope: DocumentScope): Promise<string[]> {
    if (scope.kind === "activity") return [];
    const learnerId = await learnerOfAgent(this.deps.dataSource.manager, client.schoolId, scope.agentHash);
    return learnerId ? [learnerId] : [];
  }

  private content(rowId: string, enc: Buffer): Buffer {
    return Buffer.from(this.deps.cipher.decrypt(enc, contextOf(rowId)), "base64");
  }

  private async scope(client: XapiClient, a: DocumentAddress, need: "read" | "write", needsId: boolean): Promise<{ scope: DocumentScope }> {
    // Documents are a client's working storage: WRITE credentials (learning apps) keep them, READ ones read them.
    if (need === "write" && client.scope === "READ")
      throw new XapiError(403, "this credential's scope (READ) does not allow writing documents");
    if (needsId && (a.documentId === undefined || a.documentId === "")) throw badRequest(`${ID_NAME[a.kind]} is required`);
    let activityId = "";
    if (a.kind !== "agent") {
      if (a.activityId === undefined) throw badRequest("activityId is required");
      if (!isIri(a.activityId)) throw badRequest("activityId must be an IRI");
      activityId = a.activityId;
    }
    let agentHash: Buffer = Buffer.alloc(0);
    if (a.kind !== "activity") {
      if (a.agent === undefined) throw badRequest("agent is required");
      agentHash = (await this.agents.get()).hash(ifiOf(parseAgent(a.agent))!);
    }
    let registration = "";
    if (a.registration !== undefined) {
      if (a.kind !== "state") throw badRequest("registration is a parameter of the State resource only");
      if (!isUuid(a.registration)) throw badRequest("registration must be a UUID");
      registration = a.registration.toLowerCase();
    }
    return { scope: { kind: a.kind, activityId, agentHash, registration } };
  }
}

function parseObject(content: Buffer, what: string): Json {
  try {
    const v = JSON.parse(content.toString("utf8"));
    if (v && typeof v === "object" && !Array.isArray(v)) return v as Json;
  } catch {
    // answered below
  }
  throw badRequest(`${what} is not a JSON object`);
}

/** If-Match (the ETag must be one of the listed, or any for "*") and If-None-Match ("*": none may exist). */
function checkPreconditions(etag: string | null, pre: Preconditions): void {
  const listed = (h: string): string[] => h.split(",").map((t) => t.trim().replace(/^W\//, "").replace(/^"|"$/g, ""));
  if (pre.ifMatch !== undefined) {
    const tags = listed(pre.ifMatch);
    if (etag === null || !(tags.includes("*") || tags.includes(etag)))
      throw new XapiError(412, "If-Match does not match the document's ETag");
  }
  if (pre.ifNoneMatch !== undefined && etag !== null) {
    const tags = listed(pre.ifNoneMatch);
    if (tags.includes("*") || tags.includes(etag)) throw new XapiError(412, "If-None-Match: the document exists");
  }
}
