/**
 * The front door's path before Express (known-refusals.ts), over real HTTP with a stand-in for Express:
 * a token not yet refused goes to the app; once refused (remembered by the token cache) the same
 * token's POSTs are answered here — 401, then 429 past the address's allowance — and counted; GETs,
 * other paths and every request behind a trusted proxy still go to the app.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Role } from "../../services/auth/actor.js";
import { signToken } from "../auth/token.js";
import { VerifiedTokens } from "../auth/token-cache.js";
import { knownRefusalsFirst } from "./known-refusals.js";
import { RateLimits } from "./rate-limit.js";

const SECRET = "unit-secret-unit-secret-unit-secret-0123";
const OTHER_SECRET = "other-secret-other-secret-other-secret-01";
const SCHOOL = "0193a000-0000-7000-8000-000000000001";

interface Served {
  readonly url: string;
  readonly appCalls: string[];
  readonly observed: [string, number][];
  close(): Promise<void>;
}

/** A server whose "app" checks the token as Express's door does (so that a refusal is remembered) and answers 418. */
async function serve(trustProxy: boolean, tokens: VerifiedTokens): Promise<Served> {
  const appCalls: string[] = [];
  const observed: [string, number][] = [];
  const rateLimits = new RateLimits({
    tokenPerSecond: 0,
    tokenBurst: 0,
    anonymousPerSecond: 2,
    anonymousBurst: 1,
    burstSeconds: 60,
    costUnit: 0,
  });
  const app: http.RequestListener = (req, res) => {
    appCalls.push(`${req.method} ${req.url}`);
    const token = /^Bearer (\S+)$/.exec(req.headers.authorization ?? "")?.[1];
    void (token ? tokens.check(token) : Promise.resolve()).then(() => {
      res.writeHead(418);
      res.end();
    });
  };
  const server = http.createServer(knownRefusalsFirst(app, { tokens, rateLimits, trustProxy, observe: (c, s) => observed.push([c, s]) }));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    appCalls,
    observed,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

async function send(url: string, token: string, method = "POST") {
  const res = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: method === "POST" ? JSON.stringify({ query: "{ __typename }" }) : undefined,
  });
  return { status: res.status, auth: res.headers.get("www-authenticate"), retry: res.headers.get("retry-after"), body: await res.text() };
}

describe("known refusals, answered before the app", () => {
  let forged: string;
  beforeAll(async () => {
    forged = await signToken(OTHER_SECRET, { schoolId: SCHOOL, role: Role.Admin, subject: "s" }, "1h");
  });

  test("a refused token's next POSTs to /graphql are answered here: 401, then 429 past the address's allowance, each counted", async () => {
    const s = await serve(false, new VerifiedTokens(SECRET));
    try {
      expect((await send(`${s.url}/graphql`, forged)).status).toBe(418); // first seen: the app checks it
      const again = await send(`${s.url}/graphql`, forged);
      expect(again.status).toBe(401);
      expect(again.auth).toBe('Bearer error="invalid_token"');
      expect(JSON.parse(again.body)).toEqual({
        errors: [{ message: "the token is malformed or its signature is invalid", extensions: { code: "UNAUTHENTICATED" } }],
      });
      expect((await send(`${s.url}/graphql?x=1`, forged)).status).toBe(401);
      expect((await send(`${s.url}/graphql/`, forged)).status).toBe(401);
      const over = await send(`${s.url}/graphql`, forged); // the address's 2 + 1 are taken (the stand-in app counts none)
      expect(over.status).toBe(429);
      const refusal = JSON.parse(over.body).errors[0];
      expect(refusal.extensions).toEqual({ code: "RATE_LIMITED", retryAfterSeconds: Number(over.retry) });
      expect(refusal.message).toMatch(/this address without a valid token.*ZPD_RATE_LIMIT_ANONYMOUS/);
      expect(s.appCalls).toEqual(["POST /graphql"]);
      expect(s.observed.map(([code]) => code)).toEqual(["UNAUTHENTICATED", "UNAUTHENTICATED", "UNAUTHENTICATED", "RATE_LIMITED"]);
      expect(s.observed.every(([, seconds]) => seconds >= 0 && seconds < 5)).toBe(true);
    } finally {
      await s.close();
    }
  });

  test("GETs, other paths and tokens never refused go to the app", async () => {
    const s = await serve(false, new VerifiedTokens(SECRET));
    try {
      await send(`${s.url}/graphql`, forged);
      const valid = await signToken(SECRET, { schoolId: SCHOOL, role: Role.Admin, subject: "s" }, "1h");
      for (const [path, token, method] of [
        ["/graphql", forged, "GET"],
        ["/graphqlx", forged, "POST"],
        ["/readyz", forged, "POST"],
        ["/graphql", valid, "POST"],
        ["/graphql", valid, "POST"],
      ] as const)
        expect((await send(`${s.url}${path}`, token, method)).status).toBe(418);
      expect(s.appCalls).toHaveLength(6);
      expect(s.observed).toEqual([]);
    } finally {
      await s.close();
    }
  });

  test("behind a trusted proxy (the client's address is Express's to read) every request goes to the app", async () => {
    const s = await serve(true, new VerifiedTokens(SECRET));
    try {
      for (let i = 0; i < 3; i++) expect((await send(`${s.url}/graphql`, forged)).status).toBe(418);
      expect(s.appCalls).toHaveLength(3);
    } finally {
      await s.close();
    }
  });
});
