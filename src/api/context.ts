/**
 * The per-request context: who is calling (the token as checked when the request arrived:
 * auth/bearer-auth.ts, which refuses an invalid one with HTTP 401 before GraphQL runs), the services,
 * and the request's data loaders.
 */
import { Actor, Caller, isPlatformAdmin } from "../services/auth/actor.js";
import { ForbiddenError, UnauthenticatedError } from "../services/common/domain-error.js";
import type { Services } from "../services/index.js";
import type { RequestAuth } from "./auth/bearer-auth.js";
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

export function buildContext(services: Services, auth: RequestAuth, deadline?: RequestDeadline): ApiContext {
  const getCaller = () => {
    if (auth.kind === "caller") return auth.caller;
    // An Error captures its stack when made: only a request that asks for its caller pays for one.
    throw auth.kind === "anonymous" ? new UnauthenticatedError() : auth.error;
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
