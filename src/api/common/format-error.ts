/**
 * The one place where errors become GraphQL errors. Domain and engine errors get the GraphQL code
 * their table gives (error-codes.ts); a database that cannot answer is UNAVAILABLE and an abandoned
 * request REQUEST_TIMEOUT, both retryable and neither logged here (expected conditions: the outage is
 * logged once, by retryable-errors.ts); anything unexpected is logged and reported as
 * INTERNAL_SERVER_ERROR without its message (no internals, no data leak to the client).
 */
import { GraphQLError, GraphQLFormattedError } from "graphql";
import { unwrapResolverError } from "@apollo/server/errors";
import { DomainError } from "../../services/common/domain-error.js";
import { EngineError } from "../../engine/errors.js";
import {
  ABANDONED_REQUEST_CODES,
  DOMAIN_ERROR_CODES,
  ENGINE_ERROR_CODES,
  RETRY_AFTER_SECONDS,
  RetryableClientError,
  UNAVAILABLE,
} from "./error-codes.js";
import { isDatabaseUnavailable } from "../../persistence/common/db-unavailable.js";
import { RequestAbandonedError } from "./request-deadline.js";
import type { Logger } from "../../shared/logger.js";
import { tokenLimitError } from "./query-limits.js";
import { withoutCoercedValue } from "./coercion-error.js";

const KNOWN_CODES = new Set([
  "BAD_USER_INPUT",
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "OPERATION_RESOLUTION_FAILURE",
  "BAD_REQUEST",
]);

interface ValidationFailure {
  property?: string;
  constraints?: Record<string, string>;
  children?: ValidationFailure[];
}

/**
 * type-graphql's argument validation error lists class-validator's failures, each with the offending
 * `value` and its whole input object (`target`): a profile's name and e-mail sent back in an error body,
 * which clients and proxies log. Only the field and the rule it broke are kept.
 */
function withoutInputValues(formatted: GraphQLFormattedError): GraphQLFormattedError {
  const failures = formatted.extensions?.validationErrors;
  if (!Array.isArray(failures)) return formatted;
  const strip = (f: ValidationFailure): ValidationFailure => ({
    property: f.property,
    constraints: f.constraints,
    ...(f.children?.length ? { children: f.children.map(strip) } : {}),
  });
  return { ...formatted, extensions: { ...formatted.extensions, validationErrors: (failures as ValidationFailure[]).map(strip) } };
}

function retryable(client: RetryableClientError, formatted: GraphQLFormattedError): GraphQLFormattedError {
  return {
    message: client.message,
    locations: formatted.locations,
    path: formatted.path,
    extensions: { code: client.code, retryable: true, retryAfterSeconds: RETRY_AFTER_SECONDS },
  };
}

/**
 * Apollo refuses some malformed requests with HTTP 400 but no code — an automatic persisted query whose
 * hash does not match its query, or an unknown `persistedQuery.version` — which would otherwise be
 * reported (and logged) as INTERNAL_SERVER_ERROR: they are the client's BAD_REQUEST.
 */
function malformedRequestError(original: unknown, formatted: GraphQLFormattedError): GraphQLFormattedError | undefined {
  if (!(original instanceof GraphQLError) || original.extensions?.code !== undefined) return undefined;
  const status = (original.extensions?.http as { status?: number } | undefined)?.status;
  if (status === undefined || status < 400 || status >= 500) return undefined;
  return { message: formatted.message, extensions: { code: "BAD_REQUEST" } };
}

export function makeFormatError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof DomainError) {
      const { code } = DOMAIN_ERROR_CODES[original.code];
      return {
        message: original.message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code, ...(original.details ?? {}) },
      };
    }
    if (original instanceof EngineError) {
      const client = ENGINE_ERROR_CODES[original.code];
      if (client.fault) logger.error({ err: original, code: original.code, path: formatted.path }, "engine error in a GraphQL operation");
      // Engine details name model internals (indices, ids of the catalogue): they stay in the log.
      return {
        message: client.message ?? original.message,
        locations: formatted.locations,
        path: formatted.path,
        extensions: { code: client.code },
      };
    }
    if (isDatabaseUnavailable(original)) return retryable(UNAVAILABLE, formatted);
    if (original instanceof RequestAbandonedError) return retryable(ABANDONED_REQUEST_CODES[original.reason], formatted);
    const tooManyTokens = tokenLimitError(formatted);
    if (tooManyTokens) return tooManyTokens;
    const malformed = malformedRequestError(original, formatted);
    if (malformed) return malformed;
    const code = formatted.extensions?.code;
    if (typeof code === "string" && KNOWN_CODES.has(code)) {
      // A value that does not fit its type: graphql-js's message quotes it, its cause's message says why.
      const cause = (error as { originalError?: unknown } | null)?.originalError;
      return withoutInputValues(withoutCoercedValue(formatted, cause instanceof Error ? cause.message : undefined) ?? formatted);
    }
    if (
      original instanceof GraphQLError &&
      typeof original.extensions?.code === "string" &&
      original.extensions.code !== "INTERNAL_SERVER_ERROR"
    ) {
      return formatted;
    }
    logger.error({ err: original, path: formatted.path }, "unexpected error in a GraphQL operation");
    return {
      message: "internal server error",
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: "INTERNAL_SERVER_ERROR" },
    };
  };
}
