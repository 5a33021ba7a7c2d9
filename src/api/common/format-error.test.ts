import { ApolloServer } from "@apollo/server";
import { GraphQLError } from "graphql";
import { makeFormatError } from "./format-error.js";
import { ABANDONED_REQUEST_CODES, DOMAIN_ERROR_CODES, ENGINE_ERROR_CODES, UNAVAILABLE } from "./error-codes.js";
import { RequestAbandonedError } from "./request-deadline.js";
import { QueryFailedError } from "typeorm";
import { ConflictError, DomainError, ErrorCode, ForbiddenError, NotFoundError } from "../../services/common/domain-error.js";
import { EngineError, EngineErrorCode } from "../../engine/errors.js";
import { createLogger } from "../../shared/logger.js";

const format = makeFormatError(createLogger("silent"));
const wrap = (original: Error) => new GraphQLError(original.message, { originalError: original, path: ["x"] });
/** An engine message as the engine writes them: it names internals a client must not see. */
const internals = "corrupt model file: tensor qSkill at byte 4096 of model_version 7";

describe("error mapping", () => {
  test.each([
    [new NotFoundError("Learner", "L1"), "NOT_FOUND"],
    [new ForbiddenError(), "FORBIDDEN"],
    [new ConflictError("taken", { field: "code" }), "CONFLICT"],
  ])("a domain error keeps its code: %s", (err, code) => {
    const out = format({ message: err.message, path: ["x"] }, wrap(err));
    expect(out.extensions?.code).toBe(code);
    expect(out.message).toBe(err.message);
  });

  test("details travel in extensions", () => {
    const out = format({ message: "" }, wrap(new ConflictError("taken", { field: "code" })));
    expect(out.extensions).toEqual({ code: "CONFLICT", field: "code" });
  });

  test("an unexpected error hides its message behind INTERNAL_SERVER_ERROR", () => {
    const out = format(
      { message: "relation secret_table does not exist", extensions: { code: "INTERNAL_SERVER_ERROR" } },
      wrap(new Error("relation secret_table does not exist")),
    );
    expect(out).toMatchObject({ message: "internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } });
  });

  test("GraphQL's own coded errors pass through", () => {
    const f = { message: "Variable $x got invalid value", extensions: { code: "BAD_USER_INPUT" } };
    expect(format(f, new GraphQLError(f.message))).toBe(f);
  });

  test("Apollo's refusals with HTTP 400 and no code (an APQ hash that does not match its query) are BAD_REQUEST, not internal", () => {
    const original = new GraphQLError("provided sha does not match query", { extensions: { http: { status: 400 } } });
    const out = format({ message: original.message, extensions: { code: "INTERNAL_SERVER_ERROR" } }, original);
    expect(out).toEqual({ message: "provided sha does not match query", extensions: { code: "BAD_REQUEST" } });
    // Without a client status, an uncoded error stays an internal one.
    const internal = new GraphQLError("boom");
    expect(format({ message: "boom", extensions: { code: "INTERNAL_SERVER_ERROR" } }, internal).extensions?.code).toBe(
      "INTERNAL_SERVER_ERROR",
    );
  });
});

describe("the code tables", () => {
  test("map every domain code, keeping the code and the message the service wrote", () => {
    expect(Object.keys(DOMAIN_ERROR_CODES).sort()).toEqual(Object.values(ErrorCode).sort());
    for (const code of Object.values(ErrorCode)) {
      const out = format({ message: "" }, wrap(new DomainError(code, `a ${code} message`)));
      expect(out).toMatchObject({ message: `a ${code} message`, extensions: { code } });
    }
  });

  test.each(Object.values(EngineErrorCode))("an engine error %s gets its table's code and never shows the engine's message", (code) => {
    expect(Object.keys(ENGINE_ERROR_CODES)).toContain(code);
    const out = format(
      { message: internals, path: ["x"], extensions: { code: "INTERNAL_SERVER_ERROR" } },
      wrap(new EngineError(code, internals, { offset: 4096 })),
    );
    const expected = ENGINE_ERROR_CODES[code];
    expect(out).toEqual({ message: expected.message, path: ["x"], extensions: { code: expected.code } });
    expect(JSON.stringify(out)).not.toContain("4096");
  });

  test("a model the server cannot read is MODEL_UNAVAILABLE, not an anonymous internal error; no engine error is BAD_USER_INPUT", () => {
    for (const code of [EngineErrorCode.CorruptModel, EngineErrorCode.UnsupportedFormat])
      expect(ENGINE_ERROR_CODES[code].code).toBe("MODEL_UNAVAILABLE");
    expect(Object.values(ENGINE_ERROR_CODES).map((c) => c.code)).not.toContain("BAD_USER_INPUT");
  });
});

describe("through a real Apollo server", () => {
  test("an EngineError thrown by a resolver reaches the client with its mapped code and a safe message", async () => {
    const server = new ApolloServer({
      typeDefs: "type Query { model: String }",
      resolvers: {
        Query: {
          model: () => {
            throw new EngineError(EngineErrorCode.CorruptModel, internals);
          },
        },
      },
      formatError: format,
    });
    await server.start();
    try {
      const res = await server.executeOperation({ query: "{ model }" });
      if (res.body.kind !== "single") throw new Error("expected a single result");
      const [error] = res.body.singleResult.errors ?? [];
      expect(error).toMatchObject({
        message: "the model version cannot be read by this server",
        extensions: { code: "MODEL_UNAVAILABLE" },
        path: ["model"],
      });
      expect(JSON.stringify(res.body.singleResult)).not.toContain("qSkill");
    } finally {
      await server.stop();
    }
  });
});

describe("retryable conditions", () => {
  const lines: string[] = [];
  const formatLogged = makeFormatError(createLogger("debug", { write: (l: string) => void lines.push(l) }));
  const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" });
  const timedOut = new QueryFailedError(
    "SELECT secret FROM t WHERE x = $1",
    ["a parameter"],
    Object.assign(new Error("canceling statement due to statement timeout"), { code: "57014" }),
  );

  test.each([
    ["a refused connection", refused],
    ["a statement timeout in a QueryFailedError", timedOut],
  ])("%s is UNAVAILABLE, retryable, with no internals and nothing logged", (_what, err) => {
    const out = formatLogged({ message: err.message, path: ["x"], extensions: { code: "INTERNAL_SERVER_ERROR" } }, wrap(err));
    expect(out).toEqual({
      message: UNAVAILABLE.message,
      path: ["x"],
      extensions: { code: "UNAVAILABLE", retryable: true, retryAfterSeconds: 2 },
    });
    expect(lines).toEqual([]);
  });

  test("an abandoned request is REQUEST_TIMEOUT (timeout) or CLIENT_CLOSED_REQUEST (disconnect), retryable, nothing logged", () => {
    for (const reason of ["timeout", "disconnect"] as const) {
      const out = formatLogged({ message: "", path: ["x"] }, wrap(new RequestAbandonedError(reason)));
      expect(out.extensions).toEqual({ code: ABANDONED_REQUEST_CODES[reason].code, retryable: true, retryAfterSeconds: 2 });
    }
    expect(lines).toEqual([]);
  });
});
