/**
 * Who an xAPI Agent or Group is: its inverse functional identifier (IFI) — mbox, mbox_sha1sum, openid or
 * account — as one canonical string, and the keyed hashes under which the store indexes it.
 *
 * The store never keeps an IFI in the clear outside the encrypted statement: e-mail addresses and account
 * names are personal data. It keeps HMAC-SHA-256(k, ifi), k being a random key of the database's own,
 * stored encrypted under the personal-data key (xapi-index-key.store.ts): without the keys, a hash
 * cannot be matched to an address, not even by hashing every address one can think of.
 */
import { createHmac } from "node:crypto";
import { StatementValidationError, validateActor } from "./statement-validation.js";
import { badRequest } from "./xapi-errors.js";

type Json = Record<string, unknown>;

/**
 * The canonical IFI string of an Agent or identified Group; null for an anonymous Group. Two agents are the
 * same when these are equal (xAPI 1.0.3, 2.4.2.3). An mbox's address is compared without case (e-mail
 * domains are case-insensitive and every LRS in practice folds the whole address), a SHA-1 sum in lower case.
 */
export function ifiOf(agent: unknown): string | null {
  if (typeof agent !== "object" || agent === null) return null;
  const a = agent as Json;
  if (typeof a.mbox === "string") return `mbox:${a.mbox.toLowerCase()}`;
  if (typeof a.mbox_sha1sum === "string") return `mbox_sha1sum:${a.mbox_sha1sum.toLowerCase()}`;
  if (typeof a.openid === "string") return `openid:${a.openid}`;
  const acc = a.account as Json | undefined;
  if (acc && typeof acc.homePage === "string" && typeof acc.name === "string") return `account:${acc.homePage}\u0000${acc.name}`;
  return null;
}

/** An agent given as a parameter (a query's, a document's, a link's): an Agent or an identified Group, else 400. */
export function checkAgent(agent: unknown): Json {
  try {
    validateActor(agent);
  } catch (e) {
    if (e instanceof StatementValidationError) throw badRequest(e.message);
    throw e;
  }
  if (!ifiOf(agent)) throw badRequest("agent must be an Agent or an identified Group");
  return agent as Json;
}

/** An `agent` parameter: JSON of an Agent or identified Group. */
export function parseAgent(text: string): Json {
  let agent: unknown;
  try {
    agent = JSON.parse(text);
  } catch {
    throw badRequest("agent must be JSON of an Agent");
  }
  return checkAgent(agent);
}

/** The IFIs an actor stands for: its own, and for a Group each member's (a Group matches its members' filters). */
export function actorIfis(actor: unknown): string[] {
  const out: string[] = [];
  const own = ifiOf(actor);
  if (own) out.push(own);
  const members = (actor as Json | null)?.member;
  if (Array.isArray(members))
    for (const m of members) {
      const id = ifiOf(m);
      if (id) out.push(id);
    }
  return out;
}

/** Keyed hashes of IFIs under the database's index key (persistence/xapi/xapi-index-key.store.ts). */
export class AgentHasher {
  constructor(private readonly key: Buffer) {
    if (key.length < 32) throw new Error("AgentHasher needs a 32-byte key");
  }

  hash(ifi: string): Buffer {
    return createHmac("sha256", this.key).update(ifi).digest();
  }
}

/** The one AgentHasher of a process, made from the stored index key on first use. */
export class AgentHashers {
  private hasher: Promise<AgentHasher> | null = null;

  constructor(private readonly load: () => Promise<Buffer>) {}

  get(): Promise<AgentHasher> {
    if (!this.hasher) {
      const loading = this.load().then((k) => new AgentHasher(k));
      // A failed load (the database away) is tried again on the next request.
      loading.catch(() => {
        if (this.hasher === loading) this.hasher = null;
      });
      this.hasher = loading;
    }
    return this.hasher;
  }
}
