/**
 * Structured logs (pino). Never log personal data: log ids (pseudonymous), codes and counts only.
 * The redact list is a second line of defence for fields that must never appear — among them a failed
 * SQL statement's parameters (TypeORM's QueryFailedError carries them), which may hold anything a
 * request sent. test/e2e/personal-data-in-logs.db.test.ts greps a debug-level capture for personal data.
 */
import pino from "pino";

export type Logger = pino.Logger;

/** `destination`: where the lines go (default stdout); tests capture them. */
export function createLogger(level: string = "info", destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: "zpd" },
      redact: {
        paths: [
          "*.displayName",
          "*.email",
          "*.authorization",
          "req.headers.authorization",
          "*.token",
          "*.password",
          "err.parameters",
          "*.err.parameters",
        ],
        censor: "[redacted]",
      },
    },
    destination,
  );
}
