/**
 * Domain errors: a small hierarchy with a code enum. The API layer translates them to GraphQL
 * errors in one place (api/common/format-error.ts); services never import GraphQL.
 */
export enum ErrorCode {
  BadUserInput = "BAD_USER_INPUT",
  NotFound = "NOT_FOUND",
  Conflict = "CONFLICT",
  Forbidden = "FORBIDDEN",
  Unauthenticated = "UNAUTHENTICATED",
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class BadInputError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(ErrorCode.BadUserInput, message, details);
  }
}

export class NotFoundError extends DomainError {
  constructor(entity: string, id: string) {
    super(ErrorCode.NotFound, `${entity} ${id} was not found`, { entity, id });
  }
}

export class ConflictError extends DomainError {
  constructor(message: string, details?: Record<string, unknown>) {
    super(ErrorCode.Conflict, message, details);
  }
}

export class ForbiddenError extends DomainError {
  constructor(message = "you are not allowed to do this") {
    super(ErrorCode.Forbidden, message);
  }
}

export class UnauthenticatedError extends DomainError {
  constructor(message = "a valid bearer token is required") {
    super(ErrorCode.Unauthenticated, message);
  }
}

/** PostgreSQL unique violation (SQLSTATE 23505), raised by both PGlite and a real server. */
export const isUniqueViolation = (e: unknown): boolean =>
  (e as { code?: string; driverError?: { code?: string } })?.code === "23505" ||
  (e as { driverError?: { code?: string } })?.driverError?.code === "23505";

/** PostgreSQL foreign-key violation (SQLSTATE 23503). */
export const isForeignKeyViolation = (e: unknown): boolean =>
  (e as { code?: string })?.code === "23503" || (e as { driverError?: { code?: string } })?.driverError?.code === "23503";

/**
 * PostgreSQL aborted the transaction to break a deadlock (SQLSTATE 40P01) or a serialization
 * conflict (40001): it rolled back whole, so it may simply be run again.
 */
export const isTransientConflict = (e: unknown): boolean => {
  const code = (e as { code?: string })?.code ?? (e as { driverError?: { code?: string } })?.driverError?.code;
  return code === "40P01" || code === "40001";
};
