/**
 * The per-request context: who is calling (resolved lazily so that a bad token becomes a coded
 * GraphQL error, not an HTTP failure), the services, and the request's data loaders.
 */
import { Actor, Caller, isPlatformAdmin } from "../services/auth/actor.js";
import { ForbiddenError, UnauthenticatedError } from "../services/common/domain-error.js";
import type { Services } from "../services/index.js";
import { bearerToken } from "./auth/token.js";
import type { VerifiedTokens } from "./auth/token-cache.js";
import { createLoaders, Loaders } from "./common/loaders.js";
import type { RequestDeadline } from "./common/request-deadline.js";
import type { RateLimitCharge } from "./common/rate-limit.js";

export interface ApiContext {
  readonly services: Services;
  readonly loaders: Loaders;
  /**
   * The caller inside its school; throws UNAUTHENTICATED when the request carries no valid token and
   * FORBIDDEN for a platform-admin token (it has no school: every school-scoped operation refuses it here).
   */
  actor(): Actor;
  /** Whoever the token names, a platform admin included (for the platform operations only). */
  caller(): Caller;
  /**
   * The request's time limit and its client's presence (request-deadline.ts): every field checks it;
   * long work can stop early on `deadline.signal`. Absent outside an HTTP request.
   */
  readonly deadline?: RequestDeadline;
  /** Charges the operation's cost to the caller's rate limit (common/rate-limit.ts); absent when rates are not limited. */
  readonly rateLimit?: RateLimitCharge;
}

export async function buildContext(
  services: Services,
  tokens: VerifiedTokens,
  authorization: string | undefined,
  deadline?: RequestDeadline,
): Promise<ApiContext> {
  const token = bearerToken(authorization);
  let caller: Caller | undefined;
  // Made when it is thrown: an Error captures its stack, which every request paid for when made up front.
  let failure: Error | undefined;
  if (token !== undefined) {
    try {
      // Verifying a new token reads the database: bounded by the request's deadline like any field.
      const verified = tokens.verify(token);
      caller = await (deadline ? Promise.race([verified, deadline.whenAbandoned()]) : verified);
    } catch (e) {
      failure = e as Error;
    }
  }
  const getCaller = () => {
    if (!caller) throw failure ?? new UnauthenticatedError();
    return caller;
  };
  const getActor = () => {
    const c = getCaller();
    if (isPlatformAdmin(c))
      throw new ForbiddenError(
        "a platform-admin token has no school: it may only create and list schools (sign a school's token with npm run token -- --school <id>)",
      );
    return c;
  };
  return { services, actor: getActor, caller: getCaller, loaders: createLoaders(services, getActor), deadline };
}
