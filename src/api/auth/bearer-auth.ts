/**
 * The request's bearer token, checked once when the request arrives (before its body is read), for
 * /graphql and the audit report pages:
 *
 * - `authenticate` checks it (VerifiedTokens: remembered both ways, so a client's usual token, and a
 *   burst of one bad token, cost one verification) and leaves the outcome for what follows — the rate
 *   limit (whom to count), the GraphQL context and the report pages (who is calling): `authOf`;
 * - `refuseInvalidTokens` then answers an invalid token (malformed, forged, expired, without `exp`,
 *   beyond the maximum lifetime, naming a school, learner or teacher that does not exist) at once: HTTP
 *   401, `WWW-Authenticate: Bearer error="invalid_token"` and UNAUTHENTICATED, without reading the body
 *   or running GraphQL (RFC 6750, section 3.1). Every operation needs a valid token except `__typename`
 *   and, in development, introspection, so nothing a client could want is lost, and a flood of bad
 *   tokens costs the server little.
 *
 * A request without an Authorization header is anonymous, as before: GraphQL answers it, each field
 * that needs a caller refusing it with UNAUTHENTICATED. A token whose check could not be completed (the
 * database did not answer whether its learner exists, or the request's deadline passed first) is not
 * refused here: GraphQL runs and each field that needs the caller fails with that error (UNAVAILABLE,
 * REQUEST_TIMEOUT), as any read of a database that cannot answer does.
 */
import type { RequestHandler, Response } from "express";
import { DOMAIN_ERROR_CODES } from "../common/error-codes.js";
import { ErrorCode } from "../../services/common/domain-error.js";
import { type DoorRefusal, refuseAtDoor } from "../common/front-door.js";
import type { RequestDeadline } from "../common/request-deadline.js";
import { bearerToken } from "./token.js";
import type { TokenCheck, VerifiedTokens } from "./token-cache.js";

/** Who sent the request: nobody (no Authorization header), or what its token is worth. */
export type RequestAuth = { readonly kind: "anonymous" } | TokenCheck;

export const ANONYMOUS: RequestAuth = { kind: "anonymous" };

const AUTH_KEY = "zpdAuth";

/** `deadlineOf`: the request's deadline, which a first check of a new token (a database read) does not outlive. */
export function authenticate(
  tokens: VerifiedTokens,
  deadlineOf: (res: Response) => RequestDeadline | undefined = () => undefined,
): RequestHandler {
  return async (req, res, next) => {
    const token = bearerToken(req.headers.authorization);
    let auth: RequestAuth = ANONYMOUS;
    if (token !== undefined) {
      const deadline = deadlineOf(res);
      const check = tokens.check(token);
      auth = deadline
        ? await Promise.race([check, deadline.whenAbandoned().catch((error: unknown) => ({ kind: "unchecked", error }) as const)])
        : await check;
    }
    res.locals[AUTH_KEY] = auth;
    next();
  };
}

/** Answers a request whose token was refused (authenticate ran before): 401, the refusal's message. */
export function refuseInvalidTokens(): RequestHandler {
  return (_req, res, next) => {
    const auth = authOf(res);
    if (auth.kind !== "refused") return next();
    refuseAtDoor(res, ...invalidToken(auth));
  };
}

/**
 * The answer to a refused token, as refuseAtDoor / writeRefusal take it: 401, UNAUTHENTICATED, the
 * refusal's message and `WWW-Authenticate: Bearer error="invalid_token"` (RFC 6750, section 3.1).
 */
export function invalidToken(refused: Extract<TokenCheck, { kind: "refused" }>): DoorRefusal {
  return [
    401,
    DOMAIN_ERROR_CODES[ErrorCode.Unauthenticated].code,
    refused.error.message,
    {},
    { "WWW-Authenticate": 'Bearer error="invalid_token"' },
  ];
}

/** What `authenticate` found; anonymous when it did not run for the request. */
export function authOf(res: Response): RequestAuth {
  return (res.locals[AUTH_KEY] as RequestAuth | undefined) ?? ANONYMOUS;
}
