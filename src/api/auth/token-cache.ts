/**
 * Verified tokens, remembered per token string until they expire: a client sends the same bearer
 * token with every request, and verifying it (HMAC, JSON, claim checks) each time is avoidable work
 * on the hot path. Bounded (least recently used out first); an entry is never served past the
 * token's `exp`. Only successful verifications are kept: a bad token is checked (and refused) each time.
 *
 * A token is first checked to name somebody (`namesSomebody`: its school exists, and its learner or
 * teacher in it) — once, when it is first verified: a signed token for a school, learner or teacher that
 * does not exist is UNAUTHENTICATED, not a foreign-key failure deep in a write.
 */
import { decodeJwt } from "jose";
import type { Caller } from "../../services/auth/actor.js";
import { UnauthenticatedError } from "../../services/common/domain-error.js";
import { verifyToken } from "./token.js";

export class VerifiedTokens {
  private readonly entries = new Map<string, { caller: Caller; expiresAt: number }>();

  constructor(
    private readonly secret: string,
    private readonly max = 10_000,
    private readonly now: () => number = Date.now,
    private readonly namesSomebody: (caller: Caller) => Promise<boolean> = async () => true,
    /** The longest a token may live (config.maxTokenLifetimeSeconds; default 90 days). */
    private readonly maxLifetimeSeconds?: number,
  ) {}

  async verify(token: string): Promise<Caller> {
    const hit = this.entries.get(token);
    if (hit) {
      this.entries.delete(token);
      if (this.now() >= hit.expiresAt) throw new UnauthenticatedError("the token has expired");
      this.entries.set(token, hit); // most recently used last
      return hit.caller;
    }
    const caller = await verifyToken(this.secret, token, { maxLifetimeSeconds: this.maxLifetimeSeconds, now: this.now });
    if (!(await this.namesSomebody(caller)))
      throw new UnauthenticatedError("the token names a school, learner or teacher that does not exist");
    // verifyToken refused a token without `exp`.
    this.entries.set(token, { caller, expiresAt: (decodeJwt(token).exp as number) * 1000 });
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    return caller;
  }

  get size(): number {
    return this.entries.size;
  }
}
