import { GraphQLError } from "graphql";
import { makeFormatError } from "./format-error.js";
import { ConflictError, ForbiddenError, NotFoundError } from "../../services/common/domain-error.js";
import { createLogger } from "../../shared/logger.js";

const format = makeFormatError(createLogger("silent"));
const wrap = (original: Error) => new GraphQLError(original.message, { originalError: original, path: ["x"] });

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
    const out = format({ message: "relation secret_table does not exist", extensions: { code: "INTERNAL_SERVER_ERROR" } }, wrap(new Error("relation secret_table does not exist")));
    expect(out).toMatchObject({ message: "internal server error", extensions: { code: "INTERNAL_SERVER_ERROR" } });
  });

  test("GraphQL's own coded errors pass through", () => {
    const f = { message: "Variable $x got invalid value", extensions: { code: "BAD_USER_INPUT" } };
    expect(format(f, new GraphQLError(f.message))).toBe(f);
  });
});
