/**
 * No request holds the server for ever: a GraphQL request is abandoned when it runs past
 * ZPD_REQUEST_TIMEOUT_MS or when its client goes away (the response closes before it was sent).
 *
 * Abandoned means: a field not started yet is never started (it fails with the RequestAbandonedError,
 * so a huge or deeply nested selection stops at its next field), and a field waiting on the database
 * stops being waited for (its promise loses a race against the abandonment), so the answer —
 * REQUEST_TIMEOUT, or nothing for a client that is gone — goes out at the deadline even when the
 * database does not answer at all. What was already sent to the database is not interrupted: a
 * statement runs to its end or to the statement timeout, and a transaction commits or rolls back whole
 * (never half-written); its result is dropped.
 *
 * Every field resolver of the schema is wrapped once (`abandonableSchema`) rather than checked by an
 * Apollo `willResolveField` plugin: a plugin can refuse a field before it starts but cannot stop waiting
 * for one that has, and the wrapper also lets the event loop turn (below).
 *
 * Embedded PGlite on the main thread answers statements without ever giving the event loop a turn
 * (measured: 200 ms of sequential statements and a 5 ms timer never fired), so neither the deadline's
 * timer nor a closed socket would be noticed before the whole request had run. The wrapper therefore
 * lets the loop turn (setImmediate) before a field once the request has held it for TURN_AFTER_MS:
 * timers, closed sockets and other requests (/healthz included) get their turn. The loop turns once
 * the synchronous run in progress ends and no continuation of the request is left among the microtasks:
 * a field reached from a continuation while the turn is pending waits for it. Waiting makes the field's
 * object a promise in graphql-js, slow when thousands do (3,000 objects with a list of two resolved 2×
 * slower when every list waited), so the fields of the run that asked for the turn do not wait (they
 * could not let the loop turn anyway: a synchronous run is never interrupted), and only fields whose
 * value is a list of objects ever wait — the points where the work of a selection multiplies, which
 * every expensive query passes through at each level (connections' `nodes`, `cohorts`, `prerequisites`…).
 */
import type { ServerResponse } from "node:http";
import type { RequestHandler, Response } from "express";
import { performance } from "node:perf_hooks";
import {
  GraphQLFieldResolver,
  GraphQLSchema,
  defaultFieldResolver,
  getNamedType,
  getNullableType,
  isCompositeType,
  isListType,
  isObjectType,
} from "graphql";

export type AbandonReason = "timeout" | "disconnect";

export class RequestAbandonedError extends Error {
  constructor(readonly reason: AbandonReason) {
    super(reason === "timeout" ? "the request ran past the server's time limit" : "the client closed the connection");
    this.name = "RequestAbandonedError";
  }
}

/** How long a request may hold the event loop before a field waits for the loop's next turn. */
export const TURN_AFTER_MS = 10;

/** One request's lifetime: aborted at its deadline or when its client goes away. */
export class RequestDeadline {
  private readonly controller = new AbortController();
  /** Aborted with a RequestAbandonedError; for work that can stop early (pass it on). */
  readonly signal: AbortSignal = this.controller.signal;
  readonly startedAt = performance.now();
  /** When the request last let the event loop turn (or started). */
  lastTurn = this.startedAt;
  /** The event loop's next turn, once the request has held the loop for TURN_AFTER_MS. */
  nextTurn: Promise<void> | undefined;
  /** True until the synchronous run that asked for `nextTurn` ends (its fields could not wait for it). */
  askingRun = false;
  private abandonedPromise: Promise<never> | undefined;

  abandon(reason: AbandonReason): void {
    if (!this.signal.aborted) this.controller.abort(new RequestAbandonedError(reason));
  }

  /** Why the request was abandoned, if it was. */
  get abandoned(): RequestAbandonedError | undefined {
    return this.signal.aborted ? (this.signal.reason as RequestAbandonedError) : undefined;
  }

  /** Rejects when the request is abandoned (one promise per request, raced by every pending field). */
  whenAbandoned(): Promise<never> {
    if (!this.abandonedPromise) {
      this.abandonedPromise = new Promise<never>((_, reject) => {
        if (this.signal.aborted) reject(this.signal.reason);
        else this.signal.addEventListener("abort", () => reject(this.signal.reason), { once: true });
      });
      // Handled here: a request whose fields have all settled must not raise an unhandled rejection.
      this.abandonedPromise.catch(() => {});
    }
    return this.abandonedPromise;
  }
}

/**
 * The deadline of the request answered by `res`: abandoned after `timeoutMs` (0: no time limit) or when
 * the response closes before it was sent in full (the client disconnected).
 */
export function watchResponse(res: ServerResponse, timeoutMs: number): RequestDeadline {
  const deadline = new RequestDeadline();
  const timer = timeoutMs > 0 ? setTimeout(() => deadline.abandon("timeout"), timeoutMs) : undefined;
  timer?.unref();
  res.once("close", () => {
    clearTimeout(timer);
    if (!res.writableFinished) deadline.abandon("disconnect");
  });
  return deadline;
}

interface WithDeadline {
  readonly deadline?: RequestDeadline;
}

const isThenable = (x: unknown): x is PromiseLike<unknown> => typeof (x as { then?: unknown } | null)?.then === "function";

/** `mayTurn`: the field's value is a list of objects (only such fields wait for a turn: see above). */
function abandonable(resolve: GraphQLFieldResolver<unknown, WithDeadline>, mayTurn: boolean): GraphQLFieldResolver<unknown, WithDeadline> {
  const run: GraphQLFieldResolver<unknown, WithDeadline> = (source, args, ctx, info) => {
    const deadline = ctx?.deadline;
    if (!deadline) return resolve(source, args, ctx, info);
    if (deadline.signal.aborted) throw deadline.signal.reason;
    const value = resolve(source, args, ctx, info);
    return isThenable(value) ? Promise.race([value, deadline.whenAbandoned()]) : value;
  };
  if (!mayTurn) return run;
  return (source, args, ctx, info) => {
    const deadline = ctx?.deadline;
    if (deadline) {
      if (!deadline.nextTurn && performance.now() - deadline.lastTurn > TURN_AFTER_MS) {
        deadline.nextTurn = new Promise<void>((turned) =>
          setImmediate(() => {
            deadline.nextTurn = undefined;
            deadline.lastTurn = performance.now();
            turned();
          }),
        );
        deadline.askingRun = true;
        queueMicrotask(() => {
          deadline.askingRun = false;
        });
      }
      if (deadline.nextTurn && !deadline.askingRun) return deadline.nextTurn.then(() => run(source, args, ctx, info));
    }
    return run(source, args, ctx, info);
  };
}

const wrapped = new WeakSet<GraphQLSchema>();

/**
 * Wraps every field resolver of `schema` (in place, once: the schema is built once per process) so that
 * a request carrying a `deadline` in its context stops at it. A context without one (a schema run outside
 * HTTP) resolves as before.
 */
export function abandonableSchema(schema: GraphQLSchema): GraphQLSchema {
  if (wrapped.has(schema)) return schema;
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith("__")) continue;
    for (const field of Object.values(type.getFields())) {
      const resolve = (field.resolve ?? defaultFieldResolver) as GraphQLFieldResolver<unknown, WithDeadline>;
      const multiplies = isListType(getNullableType(field.type)) && isCompositeType(getNamedType(field.type));
      field.resolve = abandonable(resolve, multiplies);
    }
  }
  wrapped.add(schema);
  return schema;
}

const DEADLINE_KEY = "zpdDeadline";

/**
 * Starts each request's deadline when it arrives (watchResponse), before anything reads its body or
 * checks its token: the time limit covers the whole request, and the first check of a new token (a
 * database read) is abandoned with it. The GraphQL context takes it from `deadlineOf`.
 */
export function startDeadline(timeoutMs: number): RequestHandler {
  return (_req, res, next) => {
    res.locals[DEADLINE_KEY] = watchResponse(res, timeoutMs);
    next();
  };
}

/** The request's deadline, when startDeadline ran for it. */
export function deadlineOf(res: Response): RequestDeadline | undefined {
  return res.locals[DEADLINE_KEY] as RequestDeadline | undefined;
}
