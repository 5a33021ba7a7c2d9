/**
 * What a retryable error does to the HTTP answer, and what the server logs of it.
 *
 * - An answer carrying UNAVAILABLE or REQUEST_TIMEOUT (format-error.ts gives the codes) is HTTP 503 with
 *   a Retry-After header, so that HTTP clients, proxies and load balancers see an outage as one and not
 *   as a 200. Apollo reads a status only from errors' `extensions.http`, which would have to be put on
 *   every error where it is thrown; the status is set here once, from the formatted codes, instead.
 * - A request abandoned at its deadline answers one REQUEST_TIMEOUT, not one per field it refused.
 * - A request refused because the database could not answer counts towards the current outage
 *   (DatabaseOutages: one line when it begins, one when it ends); an abandoned request is logged once,
 *   without its variables. No stack, no SQL, no parameters: these are expected conditions.
 * - The non-GraphQL routes (the audit report pages) answer the same way: `sendUnavailable`.
 */
import type { ApolloServerPlugin } from "@apollo/server";
import { unwrapResolverError } from "@apollo/server/errors";
import type { Response } from "express";
import type { GraphQLFormattedError } from "graphql";
import { databaseUnavailableReason, type UnavailableReason } from "../../persistence/common/db-unavailable.js";
import type { DatabaseOutages } from "../../persistence/common/database-outages.js";
import type { Logger } from "../../shared/logger.js";
import { ABANDONED_REQUEST_CODES, RETRYABLE_CODES, RETRYABLE_HTTP_STATUS, RETRY_AFTER_SECONDS, UNAVAILABLE } from "./error-codes.js";
import type { RequestDeadline } from "./request-deadline.js";

const isRetryable = (e: GraphQLFormattedError) => RETRYABLE_CODES.has(e.extensions?.code as string);
const TIMEOUT_CODE = ABANDONED_REQUEST_CODES.timeout.code;

export function retryableErrorsPlugin(
  outages: DatabaseOutages,
  logger: Logger,
): ApolloServerPlugin<{ readonly deadline?: RequestDeadline }> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors }) {
          for (const e of errors) {
            const reason = databaseUnavailableReason(unwrapResolverError(e));
            if (reason) return outages.refused(reason); // once per request
          }
        },
        async willSendResponse({ response, contextValue, operationName }) {
          const abandoned = contextValue?.deadline?.abandoned;
          if (abandoned) {
            const ms = Math.round(performance.now() - contextValue.deadline!.startedAt);
            const fields = { operation: operationName ?? null, reason: abandoned.reason, ms };
            if (abandoned.reason === "timeout") logger.warn(fields, "request abandoned: it ran past ZPD_REQUEST_TIMEOUT_MS");
            else logger.info(fields, "request abandoned: the client disconnected");
          }
          if (response.body.kind !== "single") return;
          const result = response.body.singleResult;
          if (!result.errors?.some(isRetryable)) return;
          let timeouts = 0;
          result.errors = result.errors.filter((e) => e.extensions?.code !== TIMEOUT_CODE || timeouts++ === 0);
          response.http.status = RETRYABLE_HTTP_STATUS;
          response.http.headers.set("retry-after", String(RETRY_AFTER_SECONDS));
        },
      };
    },
  };
}

/** A non-GraphQL route's answer to a database that cannot answer: the same code, status and header. */
export function sendUnavailable(res: Response, outages: DatabaseOutages, reason: UnavailableReason): void {
  outages.refused(reason);
  res
    .status(RETRYABLE_HTTP_STATUS)
    .set("Retry-After", String(RETRY_AFTER_SECONDS))
    .json({
      errors: [
        {
          message: UNAVAILABLE.message,
          extensions: { code: UNAVAILABLE.code, retryable: true, retryAfterSeconds: RETRY_AFTER_SECONDS },
        },
      ],
    });
}
