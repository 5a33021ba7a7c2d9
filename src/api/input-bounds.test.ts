/**
 * Every input the schema takes is bounded, and the bound is written where clients read it: the
 * description of the input field or argument in the SDL (issue #13, "Input bounds"). The walk covers
 * schema/schema.graphql (schema.test.ts keeps it equal to the code), so a field added without a bound
 * fails here, naming it. A value of fixed size needs none: a Boolean, a UUID, an enum value, an input
 * object (its own fields are walked).
 */
import fs from "node:fs";
import path from "node:path";
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isListType,
  isNonNullType,
  isObjectType,
  type GraphQLArgument,
  type GraphQLInputField,
  type GraphQLInputType,
} from "graphql";

const schema = buildSchema(fs.readFileSync(path.resolve(__dirname, "../../schema/schema.graphql"), "utf8"));

/** A maximum in words: "at most 200", "at most 86,400", "at most ZPD_MAX_PAGE_SIZE". */
const AT_MOST = /\bat most (\d[\d,]*|ZPD_[A-Z_]+)\b/i;
/** An instant's window starts at 2000-01-01 (and its description says where it ends). */
const NOT_BEFORE = /\bnot before 2000-01-01T00:00:00\.000Z\b/i;
const FIXED_SIZE = new Set(["Boolean", "UUID", "ID"]);

type Input = GraphQLArgument | GraphQLInputField;

/** What the description of an input of this type must say, or null when its size is fixed. */
function requiredBound(type: GraphQLInputType): { rule: RegExp; what: string } | null {
  const t = isNonNullType(type) ? type.ofType : type;
  if (isListType(t)) return { rule: AT_MOST, what: 'a list: "at most N" items' };
  const named = getNamedType(t);
  if (isEnumType(named) || isInputObjectType(named) || FIXED_SIZE.has(named.name)) return null;
  if (named.name === "DateTimeISO") return { rule: NOT_BEFORE, what: "an instant: its window (not before 2000-01-01T00:00:00.000Z …)" };
  return { rule: AT_MOST, what: `a ${named.name}: "at most N"` };
}

function inputsOfSchema(): { where: string; input: Input }[] {
  const out: { where: string; input: Input }[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith("__")) continue;
    if (isInputObjectType(type)) for (const f of Object.values(type.getFields())) out.push({ where: `${type.name}.${f.name}`, input: f });
    if (isObjectType(type))
      for (const f of Object.values(type.getFields()))
        for (const a of f.args) out.push({ where: `${type.name}.${f.name}(${a.name})`, input: a });
  }
  return out;
}

test("every string, number, list and instant input of the schema documents its bound in its description", () => {
  const inputs = inputsOfSchema();
  const unbounded = inputs.flatMap(({ where, input }) => {
    const need = requiredBound(input.type);
    return need && !need.rule.test(input.description ?? "") ? [`${where}: ${String(input.type)} needs ${need.what}`] : [];
  });
  expect(unbounded).toEqual([]);
});

test("the walk sees the inputs the issue named, so an empty list above means something", () => {
  const bounded = new Map(inputsOfSchema().map(({ where, input }) => [where, input.description ?? ""]));
  for (const [where, bound] of [
    ["RecordAttemptInput.hintsUsed", "at most 100"],
    ["RecordAttemptInput.durationSeconds", "at most 86,400"],
    ["RecordAttemptInput.occurredAt", "Not before 2000-01-01T00:00:00.000Z"],
    ["CreateTaskInput.title", "at most 300"],
    ["Query.predictions(taskIds)", "at most 2,000"],
    ["Mutation.recordAttempts(inputs)", "at most 500"],
    ["Query.learners(first)", "at most ZPD_MAX_PAGE_SIZE"],
  ] as const)
    expect(bounded.get(where)).toContain(bound);
});

test("the rule itself: an undocumented String, Int, list or instant fails; a UUID, Boolean or enum needs nothing", () => {
  const probe = buildSchema(`
    enum Kind { A }
    scalar UUID
    scalar DateTimeISO
    input I { s: String, n: Int, f: Float, ids: [UUID!], at: DateTimeISO, id: UUID, b: Boolean, k: Kind }
    type Query { f(i: I): Int }
  `);
  const fields = (probe.getType("I") as import("graphql").GraphQLInputObjectType).getFields();
  const needs = Object.fromEntries(Object.values(fields).map((f) => [f.name, requiredBound(f.type)?.what ?? null]));
  expect(needs).toMatchObject({ id: null, b: null, k: null });
  for (const name of ["s", "n", "f", "ids", "at"]) expect(needs[name]).not.toBeNull();
  expect(AT_MOST.test("At least 1, at most 200 characters.")).toBe(true);
  expect(AT_MOST.test("Page size (at most the configured maximum).")).toBe(false);
});
