/**
 * Structured logs (pino). Never log personal data: log ids (pseudonymous), codes and counts only.
 * The redact list is a second line of defence for fields that must never appear.
 */
import pino from "pino";

export type Logger = pino.Logger;

export function createLogger(level: string = "info"): Logger {
  return pino({
    level,
    base: { service: "zpd" },
    redact: {
      paths: ["*.displayName", "*.email", "*.authorization", "req.headers.authorization", "*.token", "*.password"],
      censor: "[redacted]",
    },
  });
}
