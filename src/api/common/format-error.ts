/**
 * The one place where errors become GraphQL errors. Domain and engine errors keep their code in
 * `extensions.code`; anything unexpected is logged and reported as INTERNAL_SERVER_ERROR without
 * its message (no internals, no data leak to the client).
 */
import { GraphQLError, GraphQLFormattedError } from "graphql";
import { unwrapResolverError } from "@apollo/server/errors";
import { DomainError } from "../../services/common/domain-error.js";
import type { Logger } from "../../shared/logger.js";

const KNOWN_CODES = new Set([
  "BAD_USER_INPUT", "GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED", "PERSISTED_QUERY_NOT_FOUND",
  "PERSISTED_QUERY_NOT_SUPPORTED", "OPERATION_RESOLUTION_FAILURE", "BAD_REQUEST",
]);

export function makeFormatError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = unwrapResolverError(error);
    if (original instanceof DomainError) {
      return { message: original.message, locations: formatted.locations, path: formatted.path, extensions: { code: original.code, ...(original.details ?? {}) } };
    }
    const code = formatted.extensions?.code;
    if (typeof code === "string" && KNOWN_CODES.has(code)) return formatted;
    if (original instanceof GraphQLError && typeof original.extensions?.code === "string" && original.extensions.code !== "INTERNAL_SERVER_ERROR") {
      return formatted;
    }
    logger.error({ err: original, path: formatted.path }, "unexpected error in a GraphQL operation");
    return { message: "internal server error", locations: formatted.locations, path: formatted.path, extensions: { code: "INTERNAL_SERVER_ERROR" } };
  };
}
