/**
 * xAPI credentials: the HTTP Basic key/secret pairs a school's admin issues to learning apps, quizzes
 * and LMSs that send xAPI statements (issue #17). Each belongs to one school and has a scope — WRITE
 * (send statements), READ (read them) or ALL — and may be allowed to create a learner for an actor the
 * school does not know yet.
 *
 * The secret is shown once, when the credential is created, and kept only as a SHA-256 hash: it is 32
 * random bytes, so a fast hash loses nothing (a slow one protects guessable passwords, which these are
 * not). A check compares hashes in constant time. Revoking is final.
 *
 * A valid credential is remembered for CREDENTIAL_RECHECK_MS before it is read again: a client sends the
 * same credential with every statement, and reading it each time was one database round trip in four of
 * a statement's. So a revocation takes effect at once in the server process that revokes it, and within
 * that time in every other process (its secret is still compared on every request).
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { type Actor, Role } from "../auth/actor.js";
import { requireRole } from "../auth/access-policy.js";
import { BadInputError, NotFoundError } from "../common/domain-error.js";
import type { ServiceDeps } from "../service-deps.js";
import { uuidv7 } from "../../shared/ids.js";
import {
  credentialByKey,
  type StoredCredential,
  credentialsOf,
  insertCredential,
  revokeCredential,
  type XapiCredentialRow,
  type XapiScope,
} from "../../persistence/xapi/xapi-credential.store.js";

export const XAPI_SCOPES: readonly XapiScope[] = ["WRITE", "READ", "ALL"];
export const MAX_CREDENTIAL_LABEL_LENGTH = 200;
/** Keys are `zpdx_` and 20 base64url characters; secrets 43 (32 bytes). */
const KEY_PREFIX = "zpdx_";
/** How long a valid credential is trusted before it is read again (a revocation elsewhere waits this long). */
export const CREDENTIAL_RECHECK_MS = 5_000;
/** The most credentials remembered (the longest-remembered out first). */
const MAX_REMEMBERED = 1_000;

export interface NewCredential {
  /** What the credential is for ("Maths quiz app"): 1 to 200 characters. */
  readonly label: string;
  readonly scope: XapiScope;
  /** Whether a statement from an actor the school does not know creates the learner. */
  readonly createLearners?: boolean;
}

/** A created credential and its secret, which is never shown again. */
export interface IssuedCredential {
  readonly credential: XapiCredentialRow;
  readonly secret: string;
}

/** Who a request's valid credential speaks for. */
export interface XapiClient {
  readonly credentialId: string;
  readonly schoolId: string;
  readonly scope: XapiScope;
  readonly createLearners: boolean;
}

const hash = (secret: string): Buffer => createHash("sha256").update(secret, "utf8").digest();

export class XapiCredentialService {
  /** Valid credentials read lately, by key, until they are read again. */
  private readonly remembered = new Map<string, { readonly stored: StoredCredential; readonly until: number }>();

  constructor(
    private readonly deps: ServiceDeps,
    private readonly now: () => number = Date.now,
  ) {}

  /** An admin issues a credential for its school. */
  async create(actor: Actor, input: NewCredential): Promise<IssuedCredential> {
    requireRole(actor, Role.Admin);
    return this.issue(actor.schoolId, input, actor.subject);
  }

  /** The operator's command issues one for any school (`npm run xapi:credential`). */
  async issue(schoolId: string, input: NewCredential, by: string): Promise<IssuedCredential> {
    const label = input.label.trim();
    if (label.length < 1 || label.length > MAX_CREDENTIAL_LABEL_LENGTH || label.includes("\u0000"))
      throw new BadInputError(`label must hold 1 to ${MAX_CREDENTIAL_LABEL_LENGTH} characters`, { field: "label" });
    if (!XAPI_SCOPES.includes(input.scope)) throw new BadInputError(`scope must be one of ${XAPI_SCOPES.join(", ")}`, { field: "scope" });
    const secret = randomBytes(32).toString("base64url");
    const credential = await insertCredential(this.deps.dataSource.manager, {
      id: uuidv7(),
      schoolId,
      key: `${KEY_PREFIX}${randomBytes(15).toString("base64url")}`,
      secretHash: hash(secret),
      scope: input.scope,
      createLearners: input.createLearners === true,
      label,
      createdBy: by,
    });
    return { credential, secret };
  }

  async list(actor: Actor): Promise<XapiCredentialRow[]> {
    requireRole(actor, Role.Admin);
    return credentialsOf(this.deps.dataSource.manager, actor.schoolId);
  }

  /** Revokes a credential of the admin's school: its requests are refused from now on. */
  async revoke(actor: Actor, id: string): Promise<XapiCredentialRow> {
    requireRole(actor, Role.Admin);
    const revoked = await revokeCredential(this.deps.dataSource.manager, actor.schoolId, id);
    if (!revoked) throw new NotFoundError("XapiCredential", id);
    this.remembered.delete(revoked.key);
    return revoked;
  }

  /** The client a key and secret identify; null for an unknown key, a wrong secret or a revoked credential. */
  async authenticate(key: string, secret: string): Promise<XapiClient | null> {
    if (!key.startsWith(KEY_PREFIX) || key.length > 64) return null;
    const stored = await this.read(key);
    // The hash is compared even for an unknown key, so that timing does not tell which keys exist.
    const expected = stored?.secretHash ?? hash(`${key}:unknown`);
    const matches = timingSafeEqual(hash(secret), expected);
    if (!stored || !matches || stored.revokedAt) return null;
    return { credentialId: stored.id, schoolId: stored.schoolId, scope: stored.scope, createLearners: stored.createLearners };
  }

  /** The stored credential of a key: remembered while valid and read lately, else read (and remembered if valid). */
  private async read(key: string): Promise<StoredCredential | null> {
    const now = this.now();
    const hit = this.remembered.get(key);
    if (hit && hit.until > now) return hit.stored;
    const stored = await credentialByKey(this.deps.dataSource.manager, key);
    this.remembered.delete(key);
    if (stored && !stored.revokedAt) {
      this.remembered.set(key, { stored, until: now + CREDENTIAL_RECHECK_MS });
      if (this.remembered.size > MAX_REMEMBERED) this.remembered.delete(this.remembered.keys().next().value!);
    }
    return stored;
  }
}
