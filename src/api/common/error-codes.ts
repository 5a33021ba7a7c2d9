/**
 * What a client sees of each domain and engine error: its GraphQL `extensions.code` and whether the
 * error's own message may be shown. One table per enum, checked with `satisfies Record<…>`, so a new
 * code does not compile until someone decides here how it reaches clients.
 */
import { EngineErrorCode } from "../../engine/errors.js";
import { ErrorCode } from "../../services/common/domain-error.js";
import type { AbandonReason } from "./request-deadline.js";

export interface ClientError {
  /** The GraphQL `extensions.code`. */
  readonly code: string;
  /**
   * null: the error's own message is shown (written for the client: it names what the client sent);
   * a string: shown instead, because the message speaks of the server's internals.
   */
  readonly message: string | null;
  /** Whether the error is a server fault to log (the client can do nothing about it). */
  readonly fault: boolean;
}

const shown = (code: string): ClientError => ({ code, message: null, fault: false });

/** Domain errors are written for clients by the services: code and message go out as they are. */
export const DOMAIN_ERROR_CODES = {
  [ErrorCode.BadUserInput]: shown("BAD_USER_INPUT"),
  [ErrorCode.NotFound]: shown("NOT_FOUND"),
  [ErrorCode.Conflict]: shown("CONFLICT"),
  [ErrorCode.Forbidden]: shown("FORBIDDEN"),
  [ErrorCode.Unauthenticated]: shown("UNAUTHENTICATED"),
} as const satisfies Record<ErrorCode, ClientError>;

const INTERNAL: ClientError = { code: "INTERNAL_SERVER_ERROR", message: "internal server error", fault: true };

/**
 * Engine errors. The services check what a client sends before it reaches the engine (a task or skill
 * that does not exist is NOT_FOUND, a bad count or threshold BAD_USER_INPUT, both DomainErrors), so an
 * EngineError that gets this far comes from stored data or the server's own calls, never from the
 * request: none is BAD_USER_INPUT, and none shows its message (which names model internals).
 */
export const ENGINE_ERROR_CODES = {
  // A stored model this build cannot read (damaged bytes, another format version), e.g. a version being
  // promoted. Its own code, because an administrator can act on it: promote or keep another version.
  [EngineErrorCode.CorruptModel]: { code: "MODEL_UNAVAILABLE", message: "the model version cannot be read by this server", fault: true },
  [EngineErrorCode.UnsupportedFormat]: {
    code: "MODEL_UNAVAILABLE",
    message: "the model version cannot be read by this server",
    fault: true,
  },
  // Training asked of a school with no consented traces: the data, not the server, is missing.
  [EngineErrorCode.EmptyTrainingSet]: {
    code: "CONFLICT",
    message: "there are no consented attempts to train a model on yet",
    fault: false,
  },
  // The model and the catalogue or the stored state disagree, or the server passed bad options: faults.
  [EngineErrorCode.UnknownTask]: INTERNAL,
  [EngineErrorCode.UnknownSkill]: INTERNAL,
  [EngineErrorCode.InvalidParameters]: INTERNAL,
  [EngineErrorCode.StateMismatch]: INTERNAL,
  [EngineErrorCode.InvalidData]: INTERNAL,
} as const satisfies Record<EngineErrorCode, ClientError>;

/**
 * Conditions of the server's resources, not of the request: the same request may succeed if sent
 * again later. Each answers `extensions.retryable: true` and `retryAfterSeconds`, with HTTP 503 and a
 * Retry-After header (retryable-errors.ts); nothing is logged per request (the outage is, once:
 * persistence/common/database-outages.ts).
 */
export interface RetryableClientError {
  readonly code: string;
  readonly message: string;
}

/** How long a client is asked to wait before sending the request again (Retry-After, retryAfterSeconds). */
export const RETRY_AFTER_SECONDS = 2;

/** The HTTP status of an answer carrying a retryable code (the first such error decides). */
export const RETRYABLE_HTTP_STATUS = 503;

/** The database could not answer: unreachable, shutting down, its pool exhausted, or a statement timed out. */
export const UNAVAILABLE: RetryableClientError = {
  code: "UNAVAILABLE",
  message: "the database is unavailable or overloaded; send the request again shortly",
};

/**
 * A request abandoned (api/common/request-deadline.ts). A client that disconnected never reads its code;
 * it is named for the server's own accounting only.
 */
export const ABANDONED_REQUEST_CODES = {
  timeout: {
    code: "REQUEST_TIMEOUT",
    message: "the request ran past the server's time limit and was abandoned; send it again, or ask for less",
  },
  disconnect: { code: "CLIENT_CLOSED_REQUEST", message: "the client closed the connection" },
} as const satisfies Record<AbandonReason, RetryableClientError>;

/** The codes that carry `retryable: true`. */
export const RETRYABLE_CODES: ReadonlySet<string> = new Set([
  UNAVAILABLE.code,
  ...Object.values(ABANDONED_REQUEST_CODES).map((c) => c.code),
]);
