/**
 * The request body's size, refused before it is read: a body larger than the document limit
 * (ZPD_MAX_QUERY_BYTES) plus an allowance for the variables cannot hold an operation the server would
 * run, so reading and parsing it (the alias bomb: 413 kB of JSON) is work for nothing. A body that
 * declares its length (`Content-Length`) is refused at once with HTTP 413 and QUERY_TOO_LARGE; one sent
 * in chunks is refused the same way by express.json as soon as it has read past the limit (`jsonLimit`).
 * The document's own size is then checked exactly on the parsed body (query-limits.ts: documentSizeLimit).
 *
 * The allowance holds the largest variables the schema accepts: recordAttempts' 500 attempts with every
 * field at its longest (200-character idempotency keys, 100-character sources, a score, a duration, a
 * date…) are 279 kB of JSON, 331 kB pretty-printed, 377 kB with every key character escaped.
 */
import type { RequestHandler } from "express";
import { refuseAtDoor } from "./front-door.js";
import { QueryLimitCode } from "./query-limits.js";

/** Bytes a request body may hold beyond ZPD_MAX_QUERY_BYTES: the variables, the JSON around them and the query's escapes. */
export const VARIABLES_ALLOWANCE_BYTES = 300_000;

/** The largest request body accepted, in bytes. */
export const bodyLimit = (maxQueryBytes: number): number => maxQueryBytes + VARIABLES_ALLOWANCE_BYTES;

const describe = (maxQueryBytes: number) =>
  `the limit of ${bodyLimit(maxQueryBytes)} (ZPD_MAX_QUERY_BYTES ${maxQueryBytes} + ${VARIABLES_ALLOWANCE_BYTES} for the variables)`;

/** Refuses a body whose declared length is over the limit, before anything reads it. */
export function bodySizeLimit(maxQueryBytes: number): RequestHandler {
  const limit = bodyLimit(maxQueryBytes);
  return (req, res, next) => {
    // Node's parser has refused a malformed Content-Length already; without one, express.json counts.
    const declared = Number(req.headers["content-length"] ?? 0);
    if (declared <= limit) return next();
    refuseAtDoor(res, 413, QueryLimitCode.TooLarge, `the request body's size in bytes ${declared} exceeds ${describe(maxQueryBytes)}`, {
      limit,
      measured: declared,
    });
  };
}

/** express.json's refusal of a body it read past the limit (sent without a Content-Length): the same answer. */
export function refuseOversizedBody(res: Parameters<RequestHandler>[1], maxQueryBytes: number): void {
  refuseAtDoor(res, 413, QueryLimitCode.TooLarge, `the request body exceeds ${describe(maxQueryBytes)}`, {
    limit: bodyLimit(maxQueryBytes),
  });
}
