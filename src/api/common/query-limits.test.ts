import fs from "node:fs";
import path from "node:path";
import { buildSchema, getOperationAST, GraphQLError, Kind, Lexer, OperationDefinitionNode, parse, Source, TokenKind } from "graphql";
import { QUERY_COST_BY_ROLE_DEFAULTS, QUERY_LIMIT_DEFAULTS } from "../../config/config.js";
import { ASSUMED_LIST_SIZE, costBudget, operationCost, operationShape, tokenLimitError } from "./query-limits.js";
import { docOperations, GRAPHIQL_INTROSPECTION } from "../../../test/support/doc-operations.js";

// A schema of the API's shapes: a connection, an unbounded list, a list argument, a `count` argument.
const schema = buildSchema(`
  type Query {
    items(first: Int, after: String): ItemConnection!
    item: Item
    tags: [Tag!]!
    predict(ids: [ID!]!): [Item!]!
    similar(count: Int! = 5): [Item!]!
  }
  type ItemConnection { edges: [ItemEdge!]! nodes: [Item!]! pageInfo: PageInfo! }
  type ItemEdge { cursor: String! node: Item! }
  type PageInfo { hasNextPage: Boolean! }
  type Item { id: ID! name: String tags: [Tag!]! }
  type Tag { code: String! }
`);

const cost = (query: string, variables?: Record<string, unknown>, maxPageSize = 100) => {
  const document = parse(query);
  return operationCost(schema, document, getOperationAST(document) as OperationDefinitionNode, variables, maxPageSize);
};

const shape = (query: string) => {
  const document = parse(query);
  return operationShape(document, getOperationAST(document) as OperationDefinitionNode);
};

describe("operationCost: every field 1, a list multiplies its selection by its items", () => {
  test("a single object's fields", () => {
    expect(cost(`{ item { id name } }`)).toBe(3);
  });

  test("a connection multiplies by first, its nodes and edges do not multiply again", () => {
    expect(cost(`{ items(first: 5) { nodes { id } } }`)).toBe(1 + 5 * (1 + 1));
    expect(cost(`{ items(first: 5) { edges { cursor node { id } } } }`)).toBe(1 + 5 * (1 + (1 + (1 + 1))));
    expect(cost(`query($n: Int) { items(first: $n) { nodes { id } } }`, { n: 3 })).toBe(1 + 3 * 2);
  });

  test("a connection without first counts the default page, at most the configured maximum", () => {
    expect(cost(`{ items { nodes { id } } }`)).toBe(1 + 20 * 2);
    expect(cost(`{ items { nodes { id } } }`, undefined, 8)).toBe(1 + 8 * 2);
  });

  test("a list argument, a count and an unbounded list", () => {
    expect(cost(`{ predict(ids: ["a", "b", "c"]) { id } }`)).toBe(1 + 3 * 1);
    expect(cost(`{ similar(count: 2) { id name } }`)).toBe(1 + 2 * 2);
    expect(cost(`{ similar { id } }`)).toBe(1 + 5 * 1);
    expect(cost(`{ tags { code } }`)).toBe(1 + ASSUMED_LIST_SIZE * 1);
  });

  test("nesting multiplies, aliases add, fragments and @skip are followed", () => {
    expect(cost(`{ items(first: 2) { nodes { tags { code } } } }`)).toBe(1 + 2 * (1 + (1 + ASSUMED_LIST_SIZE)));
    expect(cost(`{ a: item { id } b: item { id } }`)).toBe(4);
    expect(cost(`{ ...F } fragment F on Query { item { id } }`)).toBe(2);
    expect(cost(`query($s: Boolean!) { item { id name @skip(if: $s) } }`, { s: true })).toBe(2);
  });

  test("variables that do not fit the operation give no cost (execution refuses them)", () => {
    expect(cost(`query($n: Int) { items(first: $n) { nodes { id } } }`, { n: "many" })).toBeNull();
  });

  test("a fragment spread thousands of times is Infinity, not a long walk", () => {
    const levels = 16;
    const fragments = Array.from({ length: levels }, (_, i) =>
      i === 0 ? `fragment F0 on Item { id }` : `fragment F${i} on Item { a: tags { code } ...F${i - 1} b: tags { code } ...F${i - 1} }`,
    );
    // 2^16 expansions: Infinity means the walk stopped at its node cap instead of expanding them all
    // (how fast it stops is the benchmarks' business, not a test's).
    expect(cost(`{ item { ...F${levels - 1} } } ${fragments.join(" ")}`)).toBe(Infinity);
  });
});

test("costBudget: each role's budget and the variable that sets it; the learner's without a token", () => {
  const limits = { maxCost: 50, roleCost: { LEARNER: 10, TEACHER: 20, ANALYST: 30 } };
  expect(costBudget(limits, "LEARNER")).toEqual({ limit: 10, variable: "ZPD_MAX_QUERY_COST_LEARNER" });
  expect(costBudget(limits, "TEACHER")).toEqual({ limit: 20, variable: "ZPD_MAX_QUERY_COST_TEACHER" });
  expect(costBudget(limits, "ANALYST")).toEqual({ limit: 30, variable: "ZPD_MAX_QUERY_COST_ANALYST" });
  expect(costBudget(limits, undefined)).toEqual({ limit: 10, variable: "ZPD_MAX_QUERY_COST_LEARNER" });
  for (const role of ["ADMIN", "SERVICE", "PLATFORM_ADMIN"])
    expect(costBudget(limits, role)).toEqual({ limit: 50, variable: "ZPD_MAX_QUERY_COST" });
  // A name that is an Object property is not a role.
  expect(costBudget(limits, "toString")).toEqual({ limit: 50, variable: "ZPD_MAX_QUERY_COST" });
});

describe("operationShape", () => {
  test("depth counts fields, fragments flattened", () => {
    expect(shape(`{ item { id } }`).depth).toBe(2);
    expect(shape(`{ items { nodes { tags { code } } } }`).depth).toBe(4);
    expect(shape(`{ item { ...F } } fragment F on Item { tags { ... on Tag { code } } }`).depth).toBe(3);
  });

  test("aliases count each aliased field, a fragment as often as it is spread", () => {
    expect(shape(`{ a: item { id } b: item { x: id } }`).aliases).toBe(3);
    expect(shape(`{ a: item { ...F } b: item { ...F } } fragment F on Item { x: id y: name }`).aliases).toBe(2 + 2 * 2);
  });

  test("nested fragments are measured once each: 2^20 aliases counted at once", () => {
    const levels = 20;
    const fragments = Array.from({ length: levels }, (_, i) =>
      i === 0 ? `fragment F0 on Item { x: id }` : `fragment F${i} on Item { ...F${i - 1} tags { code } ...F${i - 1} }`,
    );
    // F_i spreads F_{i-1} twice: F_19 holds 2^19 copies of F0's alias.
    expect(shape(`{ item { ...F${levels - 1} } } ${fragments.join(" ")}`).aliases).toBe(2 ** (levels - 1));
  });
});

test("graphql-js's refusal of a document over maxTokens becomes QUERY_TOO_LARGE; other parse errors stay", () => {
  let refusal: GraphQLError | undefined;
  try {
    parse(`{ a b c d e f }`, { maxTokens: 4 });
  } catch (e) {
    refusal = e as GraphQLError;
  }
  expect(refusal).toBeInstanceOf(GraphQLError);
  expect(tokenLimitError({ message: refusal!.message, extensions: { code: "GRAPHQL_PARSE_FAILED" } })).toEqual({
    message: "the query's number of tokens exceeds the limit of 4 (ZPD_MAX_QUERY_TOKENS); parsing stopped there",
    extensions: { code: "QUERY_TOO_LARGE", limit: 4 },
  });
  expect(
    tokenLimitError({ message: "Syntax Error: Expected Name, found <EOF>.", extensions: { code: "GRAPHQL_PARSE_FAILED" } }),
  ).toBeUndefined();
});

const tokenCount = (text: string) => {
  const lexer = new Lexer(new Source(text));
  let n = 0;
  while (lexer.advance().kind !== TokenKind.EOF) n++;
  return n;
};

describe("the default limits", () => {
  const root = path.resolve(__dirname, "../../..");
  const apiSchema = buildSchema(fs.readFileSync(path.join(root, "schema/schema.graphql"), "utf8"));
  const documents = docOperations("README.md", "docs/api-guide.md", "docs/model-lifecycle.md");
  const introspection = GRAPHIQL_INTROSPECTION;

  test.each([...documents.map((d, i) => [`documented block ${i + 1}`, d]), ["GraphiQL's introspection query", introspection]])(
    "%s stays within them",
    (_name, text) => {
      const document = parse(text);
      expect(Buffer.byteLength(text)).toBeLessThanOrEqual(QUERY_LIMIT_DEFAULTS.bytes);
      expect(tokenCount(text)).toBeLessThanOrEqual(QUERY_LIMIT_DEFAULTS.tokens);
      for (const op of document.definitions) {
        if (op.kind !== Kind.OPERATION_DEFINITION) continue;
        // Every variable of the documented operations is an id.
        const variables = Object.fromEntries(
          (op.variableDefinitions ?? []).map((v) => [v.variable.name.value, "0190a5a0-0000-7000-8000-000000000001"]),
        );
        const shape = operationShape(document, op);
        expect(shape.depth).toBeLessThanOrEqual(QUERY_LIMIT_DEFAULTS.depth);
        expect(shape.aliases).toBeLessThanOrEqual(QUERY_LIMIT_DEFAULTS.aliases);
        const cost = operationCost(apiSchema, document, op, variables, 100);
        expect(cost).not.toBeNull();
        // Within every role's budget, the learner's (also that of callers without a token) the smallest.
        expect(cost!).toBeLessThanOrEqual(Math.min(QUERY_LIMIT_DEFAULTS.cost, ...Object.values(QUERY_COST_BY_ROLE_DEFAULTS)));
      }
    },
  );

  test("a full batch of 500 attempts, with the load benchmark's answer per attempt, stays within them", () => {
    const document = parse(`mutation($inputs: [RecordAttemptInput!]!) {
      recordAttempts(inputs: $inputs) { duplicate attempt { id occurredAt } mastery { skillId mastery uncertainty delta trend attempts } }
    }`);
    const id = "0190a5a0-0000-7000-8000-000000000001";
    const inputs = Array.from({ length: 500 }, (_, i) => ({ learnerId: id, taskId: id, correct: true, idempotencyKey: `k-${i}` }));
    const cost = operationCost(apiSchema, document, getOperationAST(document)!, { inputs }, 100);
    expect(cost).toBe(1 + 500 * (1 + (1 + 2) + (1 + ASSUMED_LIST_SIZE * 6)));
    expect(cost!).toBeLessThanOrEqual(QUERY_LIMIT_DEFAULTS.cost);
  });

  test("there are documented operations to check", () => {
    expect(documents.length).toBeGreaterThanOrEqual(13);
  });
});
