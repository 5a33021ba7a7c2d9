/**
 * Request rates per caller, refused with HTTP 429, `extensions.code: "RATE_LIMITED"`,
 * `extensions.retryAfterSeconds` and a `Retry-After` header.
 *
 * Who is counted: a request with a token we signed counts against that token's caller (school, role,
 * subject, learner or teacher — two tokens for the same caller share one allowance), whether or not
 * the school, learner or teacher it names still exists (the request itself is then refused with 401);
 * any other request (no token, a malformed, forged or expired one) counts against the client's address,
 * more tightly: without a token it can run nothing but `__typename` and, in development, introspection,
 * and with an invalid one it is refused with 401 once counted (auth/bearer-auth.ts). Requests
 * with a valid token are not limited per address: a school's learners often share one NAT address.
 * An IPv6 address counts by its /64, which one host can rotate through.
 *
 * How much: `perSecond` requests in each second and, above that, `burst` more in each window of
 * `burstSeconds` (Allowance, below). The middleware takes one point before the body is read, so a
 * refused request costs no parsing; then, once the operation's cost is known (query-limits.ts),
 * `chargeCost` takes floor(cost / costUnit) more (at most a whole allowance), as
 * GitHub's GraphQL API weighs requests: a request is one point whatever it carries (a batch of 500
 * attempts is one request: batching stays the cheap way), but a heavy read counts as several
 * (a 50,000-cost one as 51), so one token cannot fill the server with the heaviest operations its
 * budget allows.
 *
 * The counts live in this process's memory: each server process limits on its own (behind a load
 * balancer over n processes, a caller gets up to n times the rate) and a restart forgets them.
 */
import type { Request, RequestHandler, Response } from "express";
import { GraphQLError } from "graphql";
import { HeaderMap } from "@apollo/server";
import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
import { isIPv6 } from "node:net";
import { Caller, isPlatformAdmin } from "../../services/auth/actor.js";
import { authOf, type RequestAuth } from "../auth/bearer-auth.js";
import { type DoorRefusal, refuseAtDoor } from "./front-door.js";

export interface RateLimitSettings {
  /** Requests a second per token, sustained; 0: tokens are not limited (ZPD_RATE_LIMIT_TOKEN). */
  readonly tokenPerSecond: number;
  /** Requests above that rate per burst window (ZPD_RATE_LIMIT_TOKEN_BURST). */
  readonly tokenBurst: number;
  /** The same per address for requests without a valid token; 0: not limited (ZPD_RATE_LIMIT_ANONYMOUS). */
  readonly anonymousPerSecond: number;
  readonly anonymousBurst: number;
  /** The burst window (ZPD_RATE_LIMIT_BURST_SECONDS). */
  readonly burstSeconds: number;
  /** An operation of cost c takes floor(c / costUnit) points more than its request's one; 0: none. */
  readonly costUnit: number;
}

export const RATE_LIMITED = "RATE_LIMITED";

/** What a request is counted against. */
export interface RateLimitSubject {
  readonly kind: "token" | "address";
  readonly key: string;
}

/** The request's allowance, to charge its operation's cost once known; throws a RATE_LIMITED GraphQLError. */
export interface RateLimitCharge {
  chargeCost(cost: number): Promise<void>;
}

/** The key of a token's caller: the claims that say who it is (not the token string, which differs per issue). */
export function callerKey(caller: Caller): string {
  if (isPlatformAdmin(caller)) return `platform:${caller.subject}`;
  return [caller.schoolId, caller.role, caller.subject, caller.learnerId ?? "", caller.teacherId ?? ""].join(":");
}

/** An address as counted: IPv4 as is (an IPv4-mapped IPv6 address too), IPv6 by its /64 prefix. */
export function addressKey(ip: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped) return mapped[1]!;
  const zoneless = ip.split("%")[0]!;
  if (!isIPv6(zoneless)) return ip;
  const [head, tail] = zoneless.includes("::") ? zoneless.split("::") : [zoneless, undefined];
  const headGroups = head ? head.split(":") : [];
  let groups = headGroups;
  if (tail !== undefined) {
    const tailGroups = tail ? tail.split(":") : [];
    // An embedded IPv4 address (the last 32 bits) is two groups.
    const tailLength = tailGroups.reduce((n, g) => n + (g.includes(".") ? 2 : 1), 0);
    groups = [...headGroups, ...Array<string>(8 - headGroups.length - tailLength).fill("0"), ...tailGroups];
  }
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(":")}::/64`;
}

/**
 * Who a request counts against: the token's caller when the token is one we signed (as checked when the
 * request arrived: auth/bearer-auth.ts, which ran first — a token naming nobody, or one whose check the
 * database could not complete, still counts against its claims), else the client's address (`req.ip`,
 * which follows ZPD_TRUST_PROXY).
 */
export function subjectOf(req: Request, res: Response): RateLimitSubject {
  return subjectFor(authOf(res), req.ip ?? req.socket.remoteAddress);
}

/** `subjectOf` from what it reads: the token's check, and the client's address as trusted. */
export function subjectFor(auth: RequestAuth, ip: string | undefined): RateLimitSubject {
  const caller = auth.kind === "caller" ? auth.caller : auth.kind === "anonymous" ? undefined : auth.signedBy;
  if (caller) return { kind: "token", key: callerKey(caller) };
  return { kind: "address", key: addressKey(ip ?? "unknown") };
}

/**
 * One kind of caller's allowance: `perSecond` points in each second and, beyond them, `burst` more in each
 * burst window (fixed windows from a key's first request, rate-limiter-flexible's memory store). An ask
 * is taken from the second's points when it fits, else from the burst's; one that fits in neither is
 * refused and takes nothing (so a refused operation cost leaves the points for cheaper requests).
 * As rate-limiter-flexible's BurstyRateLimiter, except that it keeps what a refused ask would have taken.
 */
class Allowance {
  private readonly second: RateLimiterMemory;
  private readonly burst: RateLimiterMemory;
  /** The most points one ask can take: what the larger of the two holds. */
  readonly most: number;

  constructor(
    private readonly perSecond: number,
    burst: number,
    burstSeconds: number,
    kind: string,
    readonly describe: string,
  ) {
    this.second = new RateLimiterMemory({ keyPrefix: kind, points: perSecond, duration: 1 });
    this.burst = new RateLimiterMemory({ keyPrefix: `${kind}-burst`, points: burst, duration: burstSeconds });
    this.most = Math.max(perSecond, burst);
  }

  /**
   * Takes `points`: null when granted, else the milliseconds until they could be (the second's end when
   * they fit in a second, else the burst window's). A refused consume is rewarded back one microtask
   * later; a request taking points in between (rare) sees them as taken: the race errs towards refusing.
   */
  async take(key: string, points: number): Promise<number | null> {
    const waits: number[] = [];
    for (const limiter of [this.second, this.burst]) {
      try {
        await limiter.consume(key, points);
        return null;
      } catch (e) {
        if (!(e instanceof RateLimiterRes)) throw e;
        await limiter.reward(key, points);
        waits.push(e.msBeforeNext);
      }
    }
    return points <= this.perSecond ? waits[0]! : waits[1]!;
  }
}

function allowance(perSecond: number, burst: number, burstSeconds: number, kind: string, variable: string): Allowance | null {
  if (perSecond === 0) return null;
  const describe = `at most ${perSecond} a second and ${burst} more per ${burstSeconds} s (${variable}, ${variable}_BURST)`;
  return new Allowance(perSecond, burst, burstSeconds, kind, describe);
}

const LOCALS_KEY = "zpdRateLimit";

export class RateLimits {
  private readonly token: Allowance | null;
  private readonly address: Allowance | null;
  private readonly costUnit: number;

  /** Without settings, nothing is limited. */
  constructor(settings?: RateLimitSettings) {
    const s = settings ?? { tokenPerSecond: 0, tokenBurst: 0, anonymousPerSecond: 0, anonymousBurst: 0, burstSeconds: 1, costUnit: 0 };
    this.token = allowance(s.tokenPerSecond, s.tokenBurst, s.burstSeconds, "token", "ZPD_RATE_LIMIT_TOKEN");
    this.address = allowance(s.anonymousPerSecond, s.anonymousBurst, s.burstSeconds, "address", "ZPD_RATE_LIMIT_ANONYMOUS");
    this.costUnit = s.costUnit;
  }

  private allowanceOf(subject: RateLimitSubject): Allowance | null {
    return subject.kind === "token" ? this.token : this.address;
  }

  /** Takes `points`; null when granted, else the whole seconds to wait (at least 1). */
  private async take(subject: RateLimitSubject, points: number): Promise<number | null> {
    const a = this.allowanceOf(subject);
    if (!a || points <= 0) return null;
    const waitMs = await a.take(subject.key, points);
    return waitMs === null ? null : Math.max(1, Math.ceil(waitMs / 1000));
  }

  private message(subject: RateLimitSubject, what: string, retryAfter: number): string {
    const who = subject.kind === "token" ? "this token" : "this address without a valid token";
    return `${what} for ${who}: ${this.allowanceOf(subject)!.describe}; retry after ${retryAfter} s`;
  }

  /**
   * Counts each request before its body is read; over the allowance, answers 429 at once. `subjectOf`
   * says whom to count it against. Leaves the request's RateLimitCharge for the context (chargeOf).
   */
  middleware(subjectOf: (req: Request, res: Response) => RateLimitSubject): RequestHandler {
    if (!this.token && !this.address) return (_req, _res, next) => next();
    return async (req, res, next) => {
      const subject = subjectOf(req, res);
      const refusal = await this.admit(subject);
      if (refusal === null) {
        const charge: RateLimitCharge = { chargeCost: (cost) => this.chargeCost(subject, cost) };
        res.locals[LOCALS_KEY] = charge;
        return next();
      }
      refuseAtDoor(res, ...refusal);
    };
  }

  /**
   * Counts one request against `subject`: null when admitted, else the 429 to answer (as refuseAtDoor /
   * writeRefusal take it: the message, `retryAfterSeconds` and a `Retry-After` header).
   */
  async admit(subject: RateLimitSubject): Promise<DoorRefusal | null> {
    const retryAfter = await this.take(subject, 1);
    if (retryAfter === null) return null;
    return [
      429,
      RATE_LIMITED,
      this.message(subject, "too many requests", retryAfter),
      { retryAfterSeconds: retryAfter },
      { "Retry-After": String(retryAfter) },
    ];
  }

  /** Takes the points an operation's cost adds to its request (at most what one ask can take). */
  private async chargeCost(subject: RateLimitSubject, cost: number): Promise<void> {
    const a = this.allowanceOf(subject);
    if (!a || this.costUnit === 0 || !Number.isFinite(cost)) return;
    const extra = Math.min(Math.floor(cost / this.costUnit), a.most);
    const retryAfter = await this.take(subject, extra);
    if (retryAfter === null) return;
    const what = `the operation's cost ${cost} counts as ${extra + 1} requests (ZPD_RATE_LIMIT_COST_UNIT ${this.costUnit}), more than are left`;
    throw new GraphQLError(this.message(subject, what, retryAfter), {
      extensions: {
        code: RATE_LIMITED,
        retryAfterSeconds: retryAfter,
        http: { status: 429, headers: new HeaderMap([["retry-after", String(retryAfter)]]) },
      },
    });
  }
}

/** The request's RateLimitCharge, left by the middleware (undefined when rates are not limited). */
export function chargeOf(res: Response): RateLimitCharge | undefined {
  return res.locals[LOCALS_KEY] as RateLimitCharge | undefined;
}
