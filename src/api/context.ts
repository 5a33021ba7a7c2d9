/**
 * The per-request context: who is calling (resolved lazily so that a bad token becomes a coded
 * GraphQL error, not an HTTP failure), the services, and the request's data loaders.
 */
import { Actor } from "../services/auth/actor.js";
import { UnauthenticatedError } from "../services/common/domain-error.js";
import type { Services } from "../services/index.js";
import { bearerToken } from "./auth/token.js";
import type { VerifiedTokens } from "./auth/token-cache.js";
import { createLoaders, Loaders } from "./common/loaders.js";

export interface ApiContext {
  readonly services: Services;
  readonly loaders: Loaders;
  /** The caller; throws UNAUTHENTICATED when the request carries no valid token. */
  actor(): Actor;
}

export async function buildContext(services: Services, tokens: VerifiedTokens, authorization: string | undefined): Promise<ApiContext> {
  const token = bearerToken(authorization);
  let actor: Actor | undefined;
  // Made when it is thrown: an Error captures its stack, which every request paid for when made up front.
  let failure: Error | undefined;
  if (token !== undefined) {
    try {
      actor = await tokens.verify(token);
    } catch (e) {
      failure = e as Error;
    }
  }
  const getActor = () => {
    if (!actor) throw failure ?? new UnauthenticatedError();
    return actor;
  };
  return { services, actor: getActor, loaders: createLoaders(services, getActor) };
}
