/**
 * Who an xAPI Agent or Group is: its inverse functional identifier (IFI) — mbox, mbox_sha1sum, openid or
 * account — as one canonical string, and the keyed hashes under which the store indexes it.
 *
 * The store never keeps an IFI in the clear outside the encrypted statement: e-mail addresses and account
 * names are personal data. It keeps HMAC-SHA-256(k, ifi) under a key derived from the personal-data key
 * (FieldCipher.derivedKeys, info "zpd:xapi-agent:v1"). After a key rotation, rows hashed under an older
 * key are still found: a query asks for the hashes under every key of the ring.
 */
import { createHmac } from "node:crypto";

type Json = Record<string, unknown>;

export const AGENT_KEY_INFO = "zpd:xapi-agent:v1";

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

/** Keyed hashes of IFIs: under the current key for what is stored, under every key for what is looked up. */
export class AgentHasher {
  /** @param keys the derived keys, the current one first. */
  constructor(private readonly keys: readonly Buffer[]) {
    if (keys.length === 0) throw new Error("AgentHasher needs a key");
  }

  hash(ifi: string): Buffer {
    return createHmac("sha256", this.keys[0]!).update(ifi).digest();
  }

  /** The hashes an IFI may be stored under (one per key of the ring). */
  lookups(ifi: string): Buffer[] {
    return this.keys.map((k) => createHmac("sha256", k).update(ifi).digest());
  }
}
