/**
 * The one place where errors become GraphQL errors. Domain and engine errors get the GraphQL code
 * their table gives (error-codes.ts); anything unexpected is logged and reported as
 * INTERNAL_SERVER_ERROR without its message (no internals, no data leak to the client).
 */
import { GraphQLError, GraphQLFormattedError } from "graphql";
import { unwrapResolverError } from "@apollo/server/errors";
import { DomainError } from "../../services/common/domain-error.js";
import { EngineError } from "../../engine/errors.js";
import { DOMAIN_ERROR_CODES, ENGINE_ERROR_CODES } from "./error-codes.js";
import type { Logger } from "../../shared/logger.js";
import { tokenLimitError } from "./query-limits.js";

const KNOWN_CODES = new Set([
  "BAD_USER_INPUT",
  "GRAPHQL_PARSE_FAILED",
  "GRAPHQL_VALIDATION_FAILED",
  "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED",
  "OPERATION_RESOLUTION_FAILURE",
  "BAD_REQUEST",
]);

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
    const tooManyTokens = tokenLimitError(formatted);
    if (tooManyTokens) return tooManyTokens;
    const code = formatted.extensions?.code;
    if (typeof code === "string" && KNOWN_CODES.has(code)) return formatted;
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
