/**
 * graphql-js's own refusals of values that do not fit their types, on the API's schema, rebuilt without
 * the values they quote (the server path, over HTTP: test/e2e/input-bounds.db.test.ts).
 */
import { getVariableValues, parse, validate, type GraphQLError, type GraphQLSchema, type OperationDefinitionNode } from "graphql";
import { buildApiSchema } from "../schema.js";
import { reasonWithoutValue, withoutCoercedValue } from "./coercion-error.js";

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await buildApiSchema();
});

/** As Apollo Server hands it to formatError: the message, and its cause's message as the reason. */
const format = (e: GraphQLError) => withoutCoercedValue({ message: e.message, extensions: {} }, (e.originalError ?? e).message);

function variableError(query: string, variables: Record<string, unknown>): GraphQLError {
  const op = parse(query).definitions[0] as OperationDefinitionNode;
  const result = getVariableValues(schema, op.variableDefinitions ?? [], variables);
  if (!("errors" in result) || !result.errors?.length) throw new Error("expected a coercion error");
  return result.errors[0]!;
}

const LEARNER = `mutation($i: CreateLearnerInput!) { createLearner(input: $i) { id } }`;

test.each([
  [
    "a misspelt key next to personal data",
    LEARNER,
    { i: { profile: { displayName: "Ada Lovelace", emial: "ada@example.org" } } },
    'Variable "$i" got an invalid value at "i.profile": Field "emial" is not defined by type "LearnerProfileInput".',
    "$i.profile",
  ],
  [
    "a number for a string list item",
    LEARNER,
    { i: { profile: { displayName: "Ada Lovelace" }, interests: ["music", { name: "Ada Lovelace" }] } },
    'Variable "$i" got an invalid value at "i.interests[1]": String cannot represent a non string value.',
    "$i.interests[1]",
  ],
  [
    "a string for an Int",
    `query($n: Int) { skills(first: $n) { nodes { id } } }`,
    { n: "Ada Lovelace" },
    'Variable "$n" got an invalid value at "n": Int cannot represent non-integer value.',
    "$n",
  ],
  [
    "an unknown enum value",
    `query($k: TaskKind) { tasks(kind: $k) { nodes { id } } }`,
    { k: "Ada Lovelace" },
    'Variable "$k" got an invalid value at "k": The value does not exist in "TaskKind" enum.',
    "$k",
  ],
  [
    "a malformed UUID",
    `query($id: UUID!) { learner(id: $id) { id } }`,
    { id: "Ada Lovelace" },
    'Variable "$id" got an invalid value at "id": Value is not a valid UUID.',
    "$id",
  ],
  [
    "a malformed instant",
    `mutation($i: RecordAttemptInput!) { recordAttempt(input: $i) { duplicate } }`,
    {
      i: {
        learnerId: "01a2250c-5e9b-73c6-a241-e15b2ce22543",
        taskId: "01a2250c-5e9b-73c6-a241-e15b2ce22543",
        correct: true,
        idempotencyKey: "k",
        occurredAt: "Ada Lovelace",
      },
    },
    'Variable "$i" got an invalid value at "i.occurredAt": DateTime cannot represent an invalid date-time-string.',
    "$i.occurredAt",
  ],
])("%s: the variable, the path and the rule; never the value", (_what, query, variables, message, argument) => {
  const original = variableError(query, variables);
  expect(original.message).toMatch(/Ada|Lovelace/); // graphql-js quotes it …
  const out = format(original)!;
  expect(out.message).toBe(message); // … the client does not see it.
  expect(out.extensions?.argument).toBe(argument);
  expect(JSON.stringify(out)).not.toMatch(/Ada|Lovelace|example\.org/);
});

test.each([
  [`{ skills(first: "Ada Lovelace") { nodes { id } } }`, "Int cannot represent non-integer value."],
  [`{ learner(id: "Ada Lovelace") { id } }`, "Value is not a valid UUID."],
  [`{ tasks(kind: PUZZLE) { nodes { id } } }`, 'Value "PUZZLE" does not exist in "TaskKind" enum.'],
  [`mutation { createLearner(input: { AdaLovelace: 1 }) { id } }`, 'Field "AdaLovelace" is not defined by type "CreateLearnerInput".'],
])("a literal of the wrong type in the document (%s): the rule, not the literal", (query, message) => {
  const [error] = validate(schema, parse(query));
  expect(error!.message).toMatch(/Ada ?Lovelace|PUZZLE/);
  expect(format(error!)!.message).toBe(message);
});

test("a message that quotes no value is left as it is", () => {
  expect(withoutCoercedValue({ message: 'Variable "$i" of required type "CreateLearnerInput!" was not provided.' }, undefined)).toBeNull();
  expect(withoutCoercedValue({ message: 'Cannot query field "nope" on type "Query".' }, undefined)).toBeNull();
});

test("reasons: only type names and field names stay between quotes; anything else becomes a generic reason", () => {
  expect(reasonWithoutValue('Field "a b" is not defined by type "T".')).toBe('A field is not defined by type "T".');
  expect(reasonWithoutValue('Expected type "T" to be an object.')).toBe('Expected type "T" to be an object.');
  expect(reasonWithoutValue('Something "Ada Lovelace" happened')).toBe("the value does not fit the input type");
  expect(reasonWithoutValue("x".repeat(500))).toBe("the value does not fit the input type");
});
