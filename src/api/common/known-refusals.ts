/**
 * The front door's cheapest path, in front of Express: a POST to /graphql whose bearer token was
 * refused a moment ago (token-cache.ts remembers a refusal for REFUSAL_TTL_MS) is counted against its
 * rate-limit subject and answered 401 — or 429 past the allowance — exactly as the Express chain would
 * answer it (bearer-auth.ts, rate-limit.ts, front-door.ts), but without Express's per-request set-up
 * and routing. A burst of one bad token is the case: 300 at once held the server's one thread for
 * ~100 ms through Express, and /healthz and every other client waited behind it.
 *
 * Everything else goes to Express untouched, and so does every request when the client's address
 * comes from a proxy's header (ZPD_TRUST_PROXY: Express's `req.ip` reads it).
 */
import type { IncomingMessage, RequestListener } from "node:http";
import { bearerToken } from "../auth/token.js";
import { invalidToken } from "../auth/bearer-auth.js";
import type { VerifiedTokens } from "../auth/token-cache.js";
import { writeRefusal } from "./front-door.js";
import { type RateLimits, subjectFor } from "./rate-limit.js";

export interface KnownRefusalsOptions {
  readonly tokens: VerifiedTokens;
  readonly rateLimits: RateLimits;
  /** Whether the client's address is read from a proxy's header (Express's `trust proxy`): then nothing is answered here. */
  readonly trustProxy: boolean;
  /** Counts an answer given here: its code and the seconds from arrival to answer (as countDoorRefusals does). */
  readonly observe: (code: string, seconds: number) => void;
}

/** `app` behind a listener that answers requests with a known-refused token first. */
export function knownRefusalsFirst(app: RequestListener, o: KnownRefusalsOptions): RequestListener {
  if (o.trustProxy) return app;
  return (req, res) => {
    const refused = knownRefusal(req, o.tokens);
    if (!refused) return app(req, res);
    const t0 = process.hrtime.bigint();
    void o.rateLimits
      .admit(subjectFor(refused, req.socket.remoteAddress))
      .then((overLimit) => {
        const answer = overLimit ?? invalidToken(refused);
        writeRefusal(res, ...answer);
        o.observe(answer[1], Number(process.hrtime.bigint() - t0) / 1e9);
      })
      .catch((error: unknown) => res.destroy(error as Error));
  };
}

/**
 * The remembered refusal of the bearer token of a POST to /graphql, if any. Only POSTs: a GET /graphql
 * may be for the GraphiQL page (web.routes.ts), which Express serves before the door.
 */
function knownRefusal(req: IncomingMessage, tokens: VerifiedTokens) {
  if (req.method !== "POST") return undefined;
  const url = req.url ?? "";
  // Express mounts the chain at /graphql: the path itself, below it, or with a query string.
  if (!url.startsWith("/graphql") || (url.length > 8 && url[8] !== "/" && url[8] !== "?")) return undefined;
  const token = bearerToken(req.headers.authorization);
  return token ? tokens.knownRefusal(token) : undefined;
}
