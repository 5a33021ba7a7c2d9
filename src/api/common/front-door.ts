/**
 * Answers given at the front door: before a request's body is read and before GraphQL runs — an invalid
 * token (401), a body over the size limit (413), a caller over its rate (429), a body Express could not
 * read (400). Each is a GraphQL-shaped error with a code, as GraphQL's own answers are, and costs the
 * server's one thread far less than reading the request and running even an empty operation: a burst of
 * hostile requests must not hold up /healthz and the other clients.
 *
 * The /graphql ones count in the request metrics (ops/metrics.ts) with the operation `none`, since
 * nothing was parsed: countDoorRefusals.
 */
import type { ServerResponse } from "node:http";
import type { RequestHandler, Response } from "express";

const REFUSED_KEY = "zpdRefusedAtDoor";

/** A refusal's arguments, as refuseAtDoor and writeRefusal take them after the response. */
export type DoorRefusal = [
  status: number,
  code: string,
  message: string,
  extensions: Record<string, unknown>,
  headers: Record<string, string>,
];

/** Writes the refusal: HTTP `status`, `{"errors":[{"message","extensions":{"code",…}}]}`. */
export function refuseAtDoor(
  res: Response,
  status: number,
  code: string,
  message: string,
  extensions: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): void {
  res.locals[REFUSED_KEY] = code;
  writeRefusal(res, status, code, message, extensions, headers);
}

/**
 * The refusal's bytes, on any response (Express's or Node's own: known-refusals.ts answers before Express).
 * Written directly rather than with Express's res.json (content-type lookup, ETag, conversions): a
 * flood of refusals is this path's reason to exist.
 */
export function writeRefusal(
  res: ServerResponse,
  status: number,
  code: string,
  message: string,
  extensions: Record<string, unknown> = {},
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify({ errors: [{ message, extensions: { code, ...extensions } }] });
  res.writeHead(status, {
    ...headers,
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(body),
  });
  res.end(body);
}

/**
 * Counts each request refused at the door (refuseAtDoor) once it has been answered: `observe` gets its
 * code and the seconds from its arrival to its answer. Mounted first, so that it sees every refusal.
 */
export function countDoorRefusals(observe: (code: string, seconds: number) => void): RequestHandler {
  return (_req, res, next) => {
    const t0 = process.hrtime.bigint();
    res.once("finish", () => {
      const code = res.locals[REFUSED_KEY] as string | undefined;
      if (code) observe(code, Number(process.hrtime.bigint() - t0) / 1e9);
    });
    next();
  };
}
