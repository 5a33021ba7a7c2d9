/**
 * Well-typed arguments and selections for any field of the schema, generated from its types: the
 * sweeps over the whole schema (the platform admin's refusals, the authorization matrix) call every
 * operation with arguments that pass validation, so that what answers is the resolver, not the parser.
 *
 * A UUID is asked of `ids` by the record type its name says (`learnerId` a Learner, `skillIds` Skills,
 * `id` the record the field returns): a sweep that only needs the types gets random ids, the matrix
 * the ids of its world. Every generated string is new (`a1`, `a2`, …): codes, names and idempotency
 * keys stay unique across calls.
 */
import { randomUUID } from "node:crypto";
import {
  getNamedType,
  type GraphQLField,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLObjectType,
  type GraphQLOutputType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isListType,
  isNonNullType,
  isObjectType,
  isScalarType,
  isUnionType,
} from "graphql";

/** The record type a UUID argument or input field names, by its name (`id` aside: the field's own record). */
const RECORD_OF_ID: Readonly<Record<string, string>> = {
  learnerId: "Learner",
  cohortId: "Cohort",
  cohortIds: "Cohort",
  teacherId: "Teacher",
  skillId: "Skill",
  skillIds: "Skill",
  prerequisiteId: "Skill",
  taskId: "Task",
  taskIds: "Task",
  goalId: "Goal",
  versionId: "ModelVersion",
  modelVersionId: "ModelVersion",
};

/** Where the ids come from: `record` is the record type the argument names. */
export type IdSource = (record: string, name: string) => string;

export const randomIds: IdSource = () => randomUUID();

let serial = 0;
/** A string no call returned before: a letter then digits, valid as a code, a name, a key or an attribute name. */
export const freshString = () => `a${++serial}`;

/** A connection (`edges`, `nodes`, `pageInfo`) is looked through to the type of its nodes. */
export function isConnection(t: GraphQLNamedType): boolean {
  return isObjectType(t) && ["edges", "nodes", "pageInfo"].every((f) => f in t.getFields());
}

export function isEdge(t: GraphQLNamedType): boolean {
  return isObjectType(t) && ["cursor", "node"].every((f) => f in t.getFields());
}

/** The named type a field leads to, through lists and connections. */
export function itemType(t: GraphQLOutputType): GraphQLNamedType {
  const named = getNamedType(t);
  return isConnection(named) ? getNamedType((named as GraphQLObjectType).getFields().nodes!.type) : named;
}

/** A record: an object type with an id. */
export const isRecordType = (t: GraphQLNamedType): t is GraphQLObjectType => isObjectType(t) && "id" in t.getFields();

/** The record type an id of this name names, `own` for a plain `id`; throws for a UUID name nobody mapped. */
export function recordOfId(name: string, own: string | undefined): string {
  const record = name === "id" ? own : RECORD_OF_ID[name];
  if (!record) throw new Error(`no record type for the UUID "${name}": add it to RECORD_OF_ID (test/support/graphql-arguments.ts)`);
  return record;
}

/** A valid value of each scalar but UUID (an id comes from an IdSource). */
const SCALAR_SAMPLES: Readonly<Record<string, () => unknown>> = {
  String: freshString,
  ID: freshString,
  Int: () => 1,
  Float: () => 0.5,
  Boolean: () => true,
  DateTimeISO: () => new Date().toISOString(),
  JSONObject: () => ({}),
};

/** A value of the input type that passes validation: every required field filled, ids from `ids`. */
export function sample(type: GraphQLInputType, name: string, ids: IdSource = randomIds, own?: string): unknown {
  if (isNonNullType(type)) return sample(type.ofType, name, ids, own);
  if (isListType(type)) return [sample(type.ofType, name, ids, own)];
  if (isEnumType(type)) return type.getValues()[0]!.name;
  if (isInputObjectType(type)) {
    return Object.fromEntries(
      Object.values(type.getFields())
        .filter((f) => isNonNullType(f.type) && f.defaultValue === undefined)
        .map((f) => [f.name, sample(f.type, f.name, ids)]),
    );
  }
  if (isScalarType(type)) {
    if (type.name === "UUID") return ids(recordOfId(name, own), name);
    const make = SCALAR_SAMPLES[type.name];
    if (!make) throw new Error(`no sample for scalar ${type.name}: add one`);
    return make();
  }
  throw new Error(`no sample for ${String(type)}`);
}

/** The least selection of a type: its id (a connection: its nodes' ids), `__typename` for other objects, nothing for a scalar. */
export function leastSelection(t: GraphQLOutputType): string {
  const named = getNamedType(t);
  if (isConnection(named)) return ` { nodes${leastSelection((named as GraphQLObjectType).getFields().nodes!.type)} }`;
  if (isRecordType(named)) return " { id }";
  return isObjectType(named) || isInterfaceType(named) || isUnionType(named) ? " { __typename }" : "";
}

export interface OperationOptions {
  /** Optional arguments to send too (the required ones always are). */
  readonly include?: readonly string[];
  /** Arguments' values to send instead of generated ones. */
  readonly values?: Readonly<Record<string, unknown>>;
  /** Where the ids come from (default: random). */
  readonly ids?: IdSource;
  /** The selection set after the field (default: the least one). */
  readonly selection?: string;
}

/** One root field called alone, with variables for its arguments: `{ text, variables }`. */
export function operation(
  kind: "query" | "mutation",
  field: GraphQLField<unknown, unknown>,
  opts: OperationOptions = {},
): { text: string; variables: Record<string, unknown> } {
  const own = itemType(field.type).name;
  const args = field.args.filter(
    (a) =>
      (isNonNullType(a.type) && a.defaultValue === undefined) || opts.include?.includes(a.name) || (opts.values && a.name in opts.values),
  );
  const decl = args.map((a) => `$${a.name}: ${String(a.type)}`).join(", ");
  const call = args.map((a) => `${a.name}: $${a.name}`).join(", ");
  const variables = Object.fromEntries(
    args.map((a) => [a.name, opts.values && a.name in opts.values ? opts.values[a.name] : sample(a.type, a.name, opts.ids, own)]),
  );
  const selection = opts.selection ?? leastSelection(field.type);
  return { text: `${kind}${decl ? `(${decl})` : ""} { ${field.name}${call ? `(${call})` : ""}${selection} }`, variables };
}
