/**
 * Verified tokens, remembered per token string until they expire: a client sends the same bearer
 * token with every request, and verifying it (HMAC, JSON, claim checks) each time is avoidable work
 * on the hot path. Bounded (least recently used out first); an entry is never served past the
 * token's `exp`.
 *
 * Refused tokens are remembered too, briefly (REFUSAL_TTL_MS) and in a smaller bound: a client with a
 * bad token sends it again and again, often many at once, and a burst of one bad token then costs one
 * verification, not one per request. The one refusal that could stop being true within that time is a
 * token naming a learner or teacher created just after it was first sent: it is accepted once the
 * refusal has expired. Very long strings are not remembered (a client sends what it likes as a token).
 *
 * A token is checked to name somebody (`namesSomebody`: its school exists, and its learner or teacher
 * in it) when it is first verified, and again every RECHECK_MS while it is used: a signed token for a
 * school, learner or teacher that does not exist is UNAUTHENTICATED, not a foreign-key failure deep in a
 * write, and a learner's token stops working within minutes of its erasure.
 */
import { decodeJwt } from "jose";
import type { Caller } from "../../services/auth/actor.js";
import { UnauthenticatedError } from "../../services/common/domain-error.js";
import { verifyToken } from "./token.js";

/**
 * What a token is worth:
 * - `caller`: verified, naming somebody;
 * - `refused`: invalid (malformed, forged, expired, without `exp`, beyond the maximum lifetime, naming
 *   nobody) — `signedBy` is its claims when its signature is ours (a token naming nobody);
 * - `unchecked`: whether it names somebody could not be read (the database failed: `error`); `signedBy`
 *   is its claims when its signature is known to be ours.
 */
export type TokenCheck =
  | { readonly kind: "caller"; readonly caller: Caller }
  | { readonly kind: "refused"; readonly error: UnauthenticatedError; readonly signedBy?: Caller }
  | { readonly kind: "unchecked"; readonly error: unknown; readonly signedBy?: Caller };

/**
 * How long a verified token is trusted to name somebody before that is read again: a learner erased,
 * or a teacher or school deleted, stops being accepted within this time (in every server process).
 */
export const RECHECK_MS = 300_000;

/** How long a refusal is remembered. */
export const REFUSAL_TTL_MS = 10_000;
/** The most refusals remembered (oldest out first). */
export const MAX_REFUSALS = 1_000;
/** Longer token strings are verified each time, never remembered as refused (ours are ~300 characters). */
export const MAX_REMEMBERED_REFUSAL_LENGTH = 2_048;

interface Refusal {
  readonly check: Extract<TokenCheck, { kind: "refused" }>;
  readonly until: number;
}

export class VerifiedTokens {
  private readonly entries = new Map<string, { caller: Caller; expiresAt: number; recheckAt: number }>();
  private readonly refusals = new Map<string, Refusal>();
  /** Checks under way, by token (at most one per token). */
  private readonly pending = new Map<string, Promise<TokenCheck>>();

  constructor(
    private readonly secret: string,
    private readonly max = 10_000,
    private readonly now: () => number = Date.now,
    private readonly namesSomebody: (caller: Caller) => Promise<boolean> = async () => true,
    /** The longest a token may live (config.maxTokenLifetimeSeconds; default 90 days). */
    private readonly maxLifetimeSeconds?: number,
  ) {}

  /** The token's caller; throws the refusal (UnauthenticatedError), or the error that kept it from being checked. */
  async verify(token: string): Promise<Caller> {
    const check = await this.check(token);
    if (check.kind === "caller") return check.caller;
    throw check.error;
  }

  /**
   * What the token is worth (TokenCheck): a refusal is a result here, not an exception. Requests that
   * arrive with the same unknown token while its first check is under way share that check: a burst of
   * one new bad token costs one verification, and its refusal is remembered (and answered before
   * Express: known-refusals.ts) as soon as that one check ends.
   */
  check(token: string): Promise<TokenCheck> {
    const known = this.known(token);
    if (known) return Promise.resolve(known);
    const pending = this.pending.get(token);
    if (pending) return pending;
    const checking = this.firstCheck(token).finally(() => this.pending.delete(token));
    this.pending.set(token, checking);
    return checking;
  }

  /** What the caches say of the token now, without checking it: its caller, its refusal, or nothing. */
  private known(token: string): TokenCheck | undefined {
    const hit = this.entries.get(token);
    if (hit) {
      this.entries.delete(token);
      if (this.now() >= hit.expiresAt) return this.refuse(token, new UnauthenticatedError("the token has expired"));
      // Due for its check that it still names somebody (an erased learner, a deleted school): checked again.
      if (this.now() >= hit.recheckAt) return undefined;
      this.entries.set(token, hit); // most recently used last
      return { kind: "caller", caller: hit.caller };
    }
    const refused = this.knownRefusal(token);
    if (!refused) this.refusals.delete(token); // an expired refusal, if any
    return refused;
  }

  /** Verifies a token the caches do not know, and remembers the outcome. */
  private async firstCheck(token: string): Promise<TokenCheck> {
    let caller: Caller;
    try {
      caller = await verifyToken(this.secret, token, { maxLifetimeSeconds: this.maxLifetimeSeconds, now: this.now });
    } catch (e) {
      if (e instanceof UnauthenticatedError) return this.refuse(token, e);
      throw e;
    }
    let named: boolean;
    try {
      named = await this.namesSomebody(caller);
    } catch (error) {
      return { kind: "unchecked", error, signedBy: caller };
    }
    if (!named)
      return this.refuse(token, new UnauthenticatedError("the token names a school, learner or teacher that does not exist"), caller);
    // verifyToken refused a token without `exp`.
    this.entries.set(token, { caller, expiresAt: (decodeJwt(token).exp as number) * 1000, recheckAt: this.now() + RECHECK_MS });
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
    return { kind: "caller", caller };
  }

  /**
   * The token's refusal when one is remembered and still current, without verifying anything (a
   * synchronous look-up: known-refusals.ts answers such a request before Express); else undefined.
   */
  knownRefusal(token: string): Extract<TokenCheck, { kind: "refused" }> | undefined {
    const refused = this.refusals.get(token);
    return refused && this.now() < refused.until ? refused.check : undefined;
  }

  private refuse(token: string, error: UnauthenticatedError, signedBy?: Caller): TokenCheck {
    const check = { kind: "refused", error, signedBy } as const;
    if (token.length <= MAX_REMEMBERED_REFUSAL_LENGTH) {
      this.refusals.set(token, { check, until: this.now() + REFUSAL_TTL_MS });
      if (this.refusals.size > MAX_REFUSALS) this.refusals.delete(this.refusals.keys().next().value!);
    }
    return check;
  }

  /** Verified tokens remembered. */
  get size(): number {
    return this.entries.size;
  }

  /** Refused tokens remembered. */
  get refusedSize(): number {
    return this.refusals.size;
  }
}
