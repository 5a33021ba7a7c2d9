/**
 * The access log sees every learner's data only if every type and mutation of the schema is classified
 * (learner-data.ts): this walks the schema the code builds and fails on what a new type or mutation
 * left unsaid.
 */
import {
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  getNamedType,
  isInputObjectType,
  isObjectType,
  type GraphQLSchema,
} from "graphql";
import { buildApiSchema } from "../schema.js";
import {
  LEARNER_OF_RESULT,
  LEARNER_OWNED,
  LEARNER_PARTS,
  learnerIdsIn,
  MUTATIONS_WITHOUT_LEARNER_DATA,
  NOT_LEARNER_DATA,
  UNRECORDED_ROOT_FIELDS,
} from "./learner-data.js";

let schema: GraphQLSchema;
beforeAll(async () => {
  schema = await buildApiSchema();
});

const roots = () => [schema.getQueryType()!, schema.getMutationType()!];
const objectTypes = () =>
  Object.values(schema.getTypeMap()).filter(
    (t): t is Extract<GraphQLNamedType, { getFields: unknown }> & GraphQLNamedType =>
      isObjectType(t) && !t.name.startsWith("__") && !roots().includes(t),
  );

/** Whether an input type holds a `learnerId` field at any depth. */
function inputNamesLearner(type: GraphQLInputType, seen = new Set<string>()): boolean {
  const named = getNamedType(type);
  if (!isInputObjectType(named) || seen.has(named.name)) return false;
  seen.add(named.name);
  return Object.values(named.getFields()).some((f) => f.name === "learnerId" || inputNamesLearner(f.type, seen));
}

/** A root field that records its learner by its arguments (or its answer, for the few in LEARNER_OF_RESULT). */
const namesLearner = (f: GraphQLField<unknown, unknown>) =>
  !UNRECORDED_ROOT_FIELDS.has(f.name) &&
  (f.args.some((a) => a.name === "learnerId" || inputNamesLearner(a.type)) || f.name in LEARNER_OF_RESULT);

test("every object type is classified exactly once", () => {
  const tables = [new Set(Object.keys(LEARNER_OWNED)), LEARNER_PARTS, NOT_LEARNER_DATA];
  const unclassified = objectTypes()
    .map((t) => t.name)
    .filter((n) => tables.filter((tb) => tb.has(n)).length !== 1);
  expect(unclassified).toEqual([]);
  // And no table names a type the schema does not have.
  const names = new Set(objectTypes().map((t) => t.name));
  expect(tables.flatMap((tb) => [...tb]).filter((n) => !names.has(n))).toEqual([]);
});

test("a type with a learner or learnerId field is learner data (the log is the one exception)", () => {
  const exceptions = new Set(["AccessLogEntry"]);
  const named = objectTypes()
    .filter((t) => isObjectType(t) && Object.keys(t.getFields()).some((f) => f === "learner" || f === "learnerId"))
    .map((t) => t.name)
    .filter((n) => !exceptions.has(n));
  expect(named.filter((n) => !(n in LEARNER_OWNED) && !LEARNER_PARTS.has(n))).toEqual([]);
  expect(named.length).toBeGreaterThanOrEqual(6);
});

test("a learner part is only reached through an owned object, another part, or a root field naming the learner", () => {
  const unsafe: string[] = [];
  for (const parent of [...objectTypes(), ...roots()]) {
    if (!isObjectType(parent)) continue;
    const isRoot = roots().includes(parent);
    for (const f of Object.values(parent.getFields())) {
      const target = getNamedType(f.type).name;
      if (!LEARNER_PARTS.has(target)) continue;
      const safe = isRoot ? namesLearner(f) : parent.name in LEARNER_OWNED || LEARNER_PARTS.has(parent.name);
      if (!safe) unsafe.push(`${parent.name}.${f.name}: ${target}`);
    }
  }
  expect(unsafe).toEqual([]);
});

test("every mutation says whose data it changes: by its arguments, by the owned object it returns, or none", () => {
  const silent: string[] = [];
  for (const f of Object.values(schema.getMutationType()!.getFields())) {
    const returnsOwned = getNamedType(f.type).name in LEARNER_OWNED;
    const recorded = namesLearner(f) || returnsOwned;
    if (recorded === MUTATIONS_WITHOUT_LEARNER_DATA.has(f.name)) silent.push(f.name);
  }
  expect(silent).toEqual([]);
});

test("learnerIdsIn finds learnerId at any depth, only as a UUID, lower-cased", () => {
  const a = "0191E2A4-0000-7000-8000-000000000001";
  const b = "0191e2a4-0000-7000-8000-000000000002";
  expect([...learnerIdsIn({ learnerId: a })]).toEqual([a.toLowerCase()]);
  expect([...learnerIdsIn({ inputs: [{ learnerId: b, taskId: "x" }, { learnerId: b }], other: { learnerId: "not-a-uuid" } })]).toEqual([b]);
  expect([...learnerIdsIn({ id: b })]).toEqual([]);
});
