/**
 * The LRS's refusals, as domain errors with the HTTP status the xAPI specification names for each
 * (7.1 "Error Codes"): the routes answer `status`; the code is the project's own (domain-error.ts).
 */
import { DomainError, ErrorCode } from "../common/domain-error.js";

export class XapiError extends DomainError {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 405 | 409 | 412 | 413,
    message: string,
  ) {
    super(
      status === 401
        ? ErrorCode.Unauthenticated
        : status === 403
          ? ErrorCode.Forbidden
          : status === 404
            ? ErrorCode.NotFound
            : status === 409 || status === 412
              ? ErrorCode.Conflict
              : ErrorCode.BadUserInput,
      message,
    );
  }
}

export const badRequest = (message: string): XapiError => new XapiError(400, message);
