/**
 * One xAPI request as the handlers see it, whichever syntax carried it (xAPI 1.0.3, 7.8 "Cross Origin
 * Requests"): the method, the parameters, the headers and the body. In the alternate syntax a POST with
 * `?method=PUT` (the only query parameter it may have) carries the headers, the parameters and the
 * content as form fields, for clients that can only send GET and POST.
 */
import type express from "express";
import { badRequest } from "../../services/xapi/xapi-errors.js";

export interface XapiRequest {
  readonly method: string;
  /** The resource path under /xapi ("/statements"). */
  readonly path: string;
  readonly params: ReadonlyMap<string, string>;
  header(name: string): string | undefined;
  readonly body: Buffer;
}

const FORM_HEADERS = new Set(["authorization", "x-experience-api-version", "content-type", "content-length", "if-match", "if-none-match"]);

function single(search: URLSearchParams): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of search) {
    if (out.has(k)) throw badRequest(`the parameter ${k} is given more than once`);
    out.set(k, v);
  }
  return out;
}

export function xapiRequestOf(req: express.Request): XapiRequest {
  const url = new URL(req.originalUrl, "http://x");
  const path = url.pathname.replace(/^\/xapi/, "").replace(/\/+$/, "") || "/";
  const query = single(url.searchParams);
  const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
  const method = query.get("method");
  if (method === undefined) return { method: req.method, path, params: query, header: (n) => req.get(n) ?? undefined, body };
  if (req.method !== "POST") throw badRequest("the method parameter is for POST requests only");
  if (query.size !== 1) throw badRequest("a request in the alternate syntax takes no query parameter other than method");
  if (!/^application\/x-www-form-urlencoded\b/i.test(req.get("content-type") ?? ""))
    throw badRequest("a request in the alternate syntax must be application/x-www-form-urlencoded");
  const form = single(new URLSearchParams(body.toString("utf8")));
  const headers = new Map<string, string>();
  const params = new Map<string, string>();
  let content = Buffer.alloc(0);
  for (const [k, v] of form) {
    const lower = k.toLowerCase();
    if (lower === "content") content = Buffer.from(v, "utf8");
    else if (FORM_HEADERS.has(lower)) headers.set(lower, v);
    else params.set(k, v);
  }
  const upper = method.toUpperCase();
  if (!["GET", "PUT", "POST", "DELETE", "HEAD"].includes(upper)) throw badRequest(`method ${method} is not one the LRS answers`);
  return {
    method: upper,
    path,
    params,
    header: (n) => headers.get(n.toLowerCase()) ?? (n.toLowerCase() === "content-type" ? undefined : (req.get(n) ?? undefined)),
    body: content,
  };
}
