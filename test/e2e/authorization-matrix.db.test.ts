/**
 * The authorization matrix, generated from the schema: every query and mutation, and every nested field
 * that leads to a record, × every caller (each role, the platform admin, no token, a forged token, tokens
 * naming a school, learner or teacher that does not exist) × every target scope (a record in the
 * caller's reach, one of the same school out of it, one of another school), over real HTTP against one
 * world (test/support/authorization-world.ts). The expected answer of each cell comes from ONE rule
 * table, test/support/authorization-rules.ts, which is docs/api-guide.md's "Who sees what" table.
 *
 * A cell fails when its answer's code differs from the rules' (OK, FORBIDDEN, NOT_FOUND,
 * UNAUTHENTICATED), when an invalid token's answer is not HTTP 401 (or another caller's is), when any answer holds a record of the world the caller may not see, when a list
 * misses a record the caller may see, or when a refused write changed any row of either school. A field
 * of the schema without a rule fails the matrix too.
 */
import { randomUUID } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { strToU8, zipSync } from "fflate";
import {
  getNamedType,
  type GraphQLField,
  type GraphQLObjectType,
  type GraphQLSchema,
  isListType,
  isNonNullType,
  isObjectType,
} from "graphql";
import { buildApiSchema } from "../../src/api/schema.js";
import {
  ACCESS,
  Caller,
  expectedOutcome,
  FIELD_RULES,
  type FieldRule,
  httpStatusOf,
  type Outcome,
  RECORD_DATA,
  SCHOOL_ROLES,
  type Scope,
} from "../support/authorization-rules.js";
import {
  type AuthorizationWorld,
  authorizationWorld,
  freshRecords,
  SCOPED_TYPES,
  type SchoolSide,
} from "../support/authorization-world.js";
import { catalogueColumns, fingerprints } from "../support/catalogue-walk.js";
import { isConnection, isEdge, isRecordType, itemType, leastSelection, operation, recordOfId } from "../support/graphql-arguments.js";
import { codeOf, type GraphQLResponse, startTestServer, type TestServer } from "../support/test-server.js";

let s: TestServer;
let w: AuthorizationWorld;
let schema: GraphQLSchema;
let fresh: ReturnType<typeof freshRecords>;

beforeAll(async () => {
  // No job worker: a write that enqueues a job (retraining, promotion, audit) leaves it queued. No
  // per-address rate limit: the callers without a valid token send hundreds of requests from one address.
  s = await startTestServer({ ZPD_WORKER: "false", ZPD_RATE_LIMIT_ANONYMOUS: "0" });
  w = await authorizationWorld(s);
  schema = await buildApiSchema();
  fresh = freshRecords(s);
});

afterAll(async () => {
  await s?.stop();
});

const CALLERS = Object.values(Caller);
type Kind = "query" | "mutation";
type AnyField = GraphQLField<unknown, unknown>;

/** One step of a path: a field of `parent`. */
interface Step {
  readonly parent: GraphQLObjectType;
  readonly field: AnyField;
}

const keyOf = (step: Step) => `${step.parent.name}.${step.field.name}`;

/** The object types below the roots that paths go through (connections and edges are looked through). */
function innerTypes(sch: GraphQLSchema): GraphQLObjectType[] {
  const roots = new Set([sch.getQueryType()!.name, sch.getMutationType()!.name, "PageInfo"]);
  return Object.values(sch.getTypeMap()).filter(
    (t): t is GraphQLObjectType => isObjectType(t) && !t.name.startsWith("__") && !roots.has(t.name) && !isConnection(t) && !isEdge(t),
  );
}

/** The object-valued fields of a type, each with the object type it leads to. */
const objectFields = (t: GraphQLObjectType) =>
  Object.values(t.getFields()).flatMap((f) => {
    const to = itemType(f.type);
    return isObjectType(to) ? [{ field: f, to }] : [];
  });

/** The nested fields that need a rule: those that lead to a record, or hang off one. */
function nestedRuledFields(sch: GraphQLSchema): Step[] {
  return innerTypes(sch).flatMap((t) =>
    objectFields(t).flatMap(({ field, to }) => (isRecordType(to) || isRecordType(t) ? [{ parent: t, field }] : [])),
  );
}

function rootFields(sch: GraphQLSchema): { kind: Kind; step: Step }[] {
  const of = (kind: Kind, t: GraphQLObjectType) => Object.values(t.getFields()).map((field) => ({ kind, step: { parent: t, field } }));
  return [...of("query", sch.getQueryType()!), ...of("mutation", sch.getMutationType()!)];
}

const ruleOf = (step: Step): FieldRule | undefined => FIELD_RULES[keyOf(step)];

/** The answer a step gives a caller (a step without a rule adds nothing: it is part of its parent's answer). */
function stepOutcome(step: Step, caller: Caller, scope: Scope): Outcome {
  const rule = ruleOf(step);
  return rule ? expectedOutcome(rule, caller, scope) : "OK";
}

/** The first refusal along a path, the root in `scope` and the nested steps in the caller's reach. */
function pathOutcome(steps: readonly Step[], caller: Caller, scope: Scope): Outcome {
  for (const [i, step] of steps.entries()) {
    const o = stepOutcome(step, caller, i === 0 ? scope : "own");
    if (o !== "OK") return o;
  }
  return "OK";
}

/** The scopes a root field's cells take. */
function scopesOf(rule: FieldRule): Scope[] {
  if (!rule.target) return ["none"];
  const scopes: Scope[] = SCOPED_TYPES.has(rule.target) ? ["own", "other", "foreign"] : ["own", "foreign"];
  return rule.optionalTarget ? [...scopes, "none"] : scopes;
}

/**
 * The shortest path from a root field to `type` for `caller`: one that the caller is allowed all along
 * when there is one (a learner reaches a cohort through its own learner record), else the shortest
 * (whose refusal the cell then expects). Queries first, a mutation only for what no query reaches.
 */
function entryPath(type: GraphQLObjectType, caller: Caller): Step[] {
  const roots = rootFields(schema)
    .map((r) => ({ ...r, rule: ruleOf(r.step) }))
    // By id before lists.
    .sort((a, b) => Number(!a.rule?.target) - Number(!b.rule?.target));
  const search = (allowed: (s: Step) => boolean, kinds: readonly Kind[]): Step[] | undefined => {
    const seen = new Set<string>();
    let frontier: Step[][] = [];
    for (const r of roots) {
      const to = itemType(r.step.field.type);
      if (!isObjectType(to) || !kinds.includes(r.kind) || !allowed(r.step)) continue;
      if (to === type) return [r.step];
      frontier.push([r.step]);
    }
    for (const p of frontier) seen.add(itemType(p.at(-1)!.field.type).name);
    while (frontier.length) {
      const next: Step[][] = [];
      for (const p of frontier) {
        const at = itemType(p.at(-1)!.field.type) as GraphQLObjectType;
        for (const { field, to } of objectFields(at)) {
          const step = { parent: at, field };
          if (!allowed(step) || seen.has(to.name)) continue;
          if (to === type) return [...p, step];
          seen.add(to.name);
          next.push([...p, step]);
        }
      }
      frontier = next;
    }
    return undefined;
  };
  const ok = (st: Step) => stepOutcome(st, caller, "own") === "OK";
  const any = () => true;
  const path = search(ok, ["query"]) ?? search(ok, ["query", "mutation"]) ?? search(any, ["query"]) ?? search(any, ["query", "mutation"]);
  if (!path) throw new Error(`no path from the roots to ${type.name}`);
  return path;
}

/** A cell: a root field (and a nested path under it), a caller, a scope. */
interface Cell {
  readonly kind: Kind;
  readonly steps: readonly Step[];
  readonly caller: Caller;
  readonly scope: Scope;
  /** The rule whose cell this is (the root's, or the nested field's). */
  readonly name: string;
}

const describe_ = (c: Cell) =>
  `${c.name}${c.steps.length > 1 ? ` (via ${c.steps.map((st) => st.field.name).join(".")})` : ""} × ${c.caller} × ${c.scope}`;

function cells(): Cell[] {
  const out: Cell[] = [];
  for (const { kind, step } of rootFields(schema)) {
    const rule = ruleOf(step)!;
    for (const scope of scopesOf(rule)) for (const caller of CALLERS) out.push({ kind, steps: [step], caller, scope, name: keyOf(step) });
  }
  for (const step of nestedRuledFields(schema)) {
    for (const caller of CALLERS) {
      const entry = entryPath(step.parent, caller);
      const rootKind: Kind = entry[0]!.parent === schema.getMutationType() ? "mutation" : "query";
      const rootRule = ruleOf(entry[0]!)!;
      out.push({ kind: rootKind, steps: [...entry, step], caller, scope: rootRule.target ? "own" : "none", name: keyOf(step) });
    }
  }
  return out;
}

/** The selection of a path after its root field: `{ a { b { id } } }`, through connections' nodes. */
function pathSelection(steps: readonly Step[]): string {
  const [first, ...rest] = steps;
  if (!first) return "";
  if (!rest.length) return leastSelection(first.field.type);
  const inner = `${rest[0]!.field.name}${pathSelection(rest)}`;
  return isConnection(getNamedType(first.field.type)) ? ` { nodes { ${inner} } }` : ` { ${inner} }`;
}

/** The school a cell's arguments come from, and the ids it sends. */
function idsFor(cell: Cell): { side: SchoolSide; ids: (record: string) => string } {
  const rule = ruleOf(cell.steps[0]!)!;
  const side = cell.scope === "foreign" ? w.foreign : w.home;
  return {
    side,
    ids: (record) =>
      record === rule.target && cell.scope !== "none"
        ? w.target(record, cell.scope as Exclude<Scope, "none">, cell.caller)
        : w.companion(record, side),
  };
}

/** What a write needs besides its generated arguments to be valid (the only thing wrong being who asks). */
type Setup = (cell: Cell, side: SchoolSide, target: (type: string) => string) => Promise<Record<string, unknown>>;
const SETUPS: Readonly<Record<string, Setup>> = {
  addPrerequisite: (_c, side) => fresh.skillPair(side, false),
  removePrerequisite: (_c, side) => fresh.skillPair(side, true),
  assignTeacher: async (_c, side) => ({ teacherId: await fresh.teacher(side) }),
  unassignTeacher: async (_c, side, target) => {
    const teacherId = await fresh.teacher(side);
    await s.app.services.cohorts.assignTeacher(side.admin, target("Cohort"), teacherId);
    return { teacherId };
  },
  enrollLearner: async (_c, side) => ({ learnerId: await fresh.learner(side) }),
  unenrollLearner: async (_c, side, target) => ({ learnerId: await fresh.learner(side, target("Cohort")) }),
  // A new learner where the target would be (the learner itself, for a learner: nobody else is in its reach).
  eraseLearner: async (c, side) =>
    c.caller === Caller.Learner && c.scope === "own"
      ? {}
      : { learnerId: await fresh.learner(side, c.scope === "other" ? side.cohorts.oak : side.cohorts.maple) },
  removeLearnerAttribute: async (_c, side, target) => ({ name: await fresh.attribute(side, target("Learner")) }),
  // A goal of the target's learner of its own: planning or replacing steps rewrites a path.
  planPath: async (c, side) => ({ goalId: await fresh.goal(side, learnerOfCell(c)) }),
  setPathSteps: async (c, side) => ({ goalId: await fresh.goal(side, learnerOfCell(c)) }),
  promoteModel: async (_c, side) => ({ versionId: side.models.candidate }),
  runAudit: async () => ({ kind: "FAIRNESS" }),
  setFairnessPolicy: async () => ({ input: { mitigation: "NONE" } }),
  setTrainingPrivacy: async () => ({ input: { epsilon: null } }),
  // A one-school package, checked and not written (a dry run): the same call is valid again in every cell.
  importOneRoster: async () => ({ input: { package: ONE_SCHOOL_ROSTER, dryRun: true } }),
  // The target learner and an agent of its own (an agent links to one learner only).
  linkXapiAgent: async (_c, _side, target) => ({
    input: { learnerId: target("Learner"), agent: JSON.stringify({ account: { homePage: "https://matrix.example", name: randomUUID() } }) },
  }),
};

/** A OneRoster package of one school and nothing else, zipped, in base64. */
const ONE_SCHOOL_ROSTER = Buffer.from(
  zipSync({
    "manifest.csv": strToU8("propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\nfile.orgs,bulk\n"),
    "orgs.csv": strToU8("sourcedId,status,dateLastModified,name,type\nmatrix-school,,,Matrix School,school\n"),
  }),
).toString("base64");

const learnerOfCell = (c: Cell) => w.target("Learner", c.scope === "none" ? "own" : c.scope, c.caller);

/** What a cell sends besides its generated arguments: for a write, its setup's (which may write fresh records). */
async function setupOf(cell: Cell): Promise<Record<string, unknown>> {
  if (cell.kind !== "mutation") return {};
  const { side, ids } = idsFor(cell);
  return (await SETUPS[cell.steps[0]!.field.name]?.(cell, side, ids)) ?? {};
}

/** The text and variables of a cell, with `values` (its setup's) sent as given. */
function request(cell: Cell, values: Record<string, unknown>): { text: string; variables: Record<string, unknown> } {
  const root = cell.steps[0]!;
  const rule = ruleOf(root)!;
  const own = itemType(root.field.type).name;
  // The target's argument is sent even when optional (a filter, runAudit's version).
  const include =
    rule.target && cell.scope !== "none"
      ? root.field.args.filter((a) => getNamedType(a.type).name === "UUID" && recordOfId(a.name, own) === rule.target).map((a) => a.name)
      : [];
  for (const step of cell.steps.slice(1))
    if (step.field.args.some((a) => isNonNullType(a.type) && a.defaultValue === undefined))
      throw new Error(`${keyOf(step)} takes required arguments: extend the matrix's paths`);
  return operation(cell.kind, root.field, { include, values, ids: idsFor(cell).ids, selection: pathSelection(cell.steps) });
}

/** The ids in an answer (any string that is a registered record's id). */
function idsIn(value: unknown, out: Set<string> = new Set()): Set<string> {
  if (typeof value === "string") {
    for (const m of value.matchAll(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi)) out.add(m[0].toLowerCase());
  } else if (Array.isArray(value)) for (const v of value) idsIn(v, out);
  else if (value && typeof value === "object") for (const v of Object.values(value)) idsIn(v, out);
  return out;
}

/** Whether the path's last field was resolved at least once (its parent was not empty). */
function reached(data: unknown, names: readonly string[]): boolean {
  if (Array.isArray(data)) return data.some((d) => reached(d, names));
  if (!data || typeof data !== "object") return false;
  const [name, ...rest] = names;
  const o = data as Record<string, unknown>;
  if (!name) return true;
  if ("nodes" in o && !(name in o)) return reached(o.nodes, names);
  if (!(name in o)) return false;
  return rest.length ? reached(o[name], rest) : true;
}

/**
 * Nested fields the world cannot make resolve: a recommendation's reason lists prerequisites only when
 * a model is active, and the world has none (a trained model would make what every write answers depend
 * on the engine). The cell still checks its code and its leaks; the skill is resolved by the same lookup
 * as RecommendationReason.skill, which is reached.
 */
const UNREACHED_WITHOUT_A_MODEL = new Set(["PrerequisiteStatus.skill"]);

/** The mismatches of a cell's answer with the rules. */
function judge(cell: Cell, variables: Record<string, unknown>, r: GraphQLResponse): string[] {
  const expected = pathOutcome(cell.steps, cell.caller, cell.scope);
  const got: string = r.errors?.length ? (codeOf(r) ?? `no code: ${r.errors[0]!.message}`) : "OK";
  const out: string[] = [];
  if (got !== expected) out.push(`${describe_(cell)}: expected ${expected}, got ${got}${r.errors ? ` (${r.errors[0]!.message})` : ""}`);
  const status = httpStatusOf(cell.caller);
  if (status !== undefined ? r.status !== status : r.status === 401)
    out.push(`${describe_(cell)}: HTTP ${r.status}, expected ${status ?? "a GraphQL answer, not 401"}`);
  const sent = idsIn(variables);
  const leaked = [...idsIn({ data: r.data, errors: r.errors })].filter((id) => !sent.has(id) && !w.visible(cell.caller, id));
  if (leaked.length)
    out.push(`${describe_(cell)}: answers records it may not see: ${leaked.map((id) => w.records.get(id)!.label).join(", ")}`);
  if (
    got === "OK" &&
    expected === "OK" &&
    cell.steps.length > 1 &&
    !UNREACHED_WITHOUT_A_MODEL.has(cell.name) &&
    !reached(
      r.data,
      cell.steps.map((st) => st.field.name),
    )
  )
    out.push(`${describe_(cell)}: the path was never resolved (an empty parent): the world must give it something to read`);
  return out;
}

/** A list read unfiltered by a school's role lists exactly the records of the world it may see. */
function completeness(cell: Cell, r: GraphQLResponse): string[] {
  const root = cell.steps[0]!;
  const type = itemType(root.field.type);
  const named = getNamedType(root.field.type);
  const isList = isConnection(named) || isListType(isNonNullType(root.field.type) ? root.field.type.ofType : root.field.type);
  if (cell.steps.length > 1 || cell.scope !== "none" || !isList || !isRecordType(type) || r.errors) return [];
  if (!(SCHOOL_ROLES as readonly Caller[]).includes(cell.caller)) return [];
  const listed = new Set([...idsIn(r.data)].filter((id) => w.records.get(id)?.type === type.name));
  const expected = w.visibleOf(cell.caller, type.name);
  const missing = [...expected].filter((id) => !listed.has(id));
  return missing.length ? [`${describe_(cell)}: the list misses ${missing.map((id) => w.records.get(id)!.label).join(", ")}`] : [];
}

/** Runs `f` over `items`, `n` at a time. */
async function pool<T, R>(items: readonly T[], n: number, f: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await f(items[i]!);
      }
    }),
  );
  return out;
}

test("every root field, and every nested field that leads to a record, has a rule; every rule a field", () => {
  const inSchema = [...rootFields(schema).map((r) => keyOf(r.step)), ...nestedRuledFields(schema).map(keyOf)];
  expect(inSchema.filter((k) => !(k in FIELD_RULES))).toEqual([]);
  expect(Object.keys(FIELD_RULES).filter((k) => !inSchema.includes(k))).toEqual([]);
  // The paths the issue names are among them.
  expect(inSchema).toEqual(
    expect.arrayContaining(["Learner.cohorts", "Cohort.teachers", "Cohort.learners", "Skill.prerequisites", "Learner.profile"]),
  );
  // Every record type says whose it is, and every target is a record type.
  const records = Object.values(schema.getTypeMap())
    .filter(isRecordType)
    .filter((t) => !isConnection(t) && !isEdge(t));
  expect(records.map((t) => t.name).filter((n) => !(n in RECORD_DATA))).toEqual([]);
  for (const rule of Object.values(FIELD_RULES)) if (rule.target) expect(records.map((t) => t.name)).toContain(rule.target);
});

test('the rule table is docs/api-guide.md\'s "Who sees what" table, cell by cell', () => {
  const doc = fs
    .readFileSync(path.join(__dirname, "../../docs/api-guide.md"), "utf8")
    .split("\n")
    .map((l) => l.trim());
  const header = doc.findIndex((l) => /^\| data \| ADMIN \|/.test(l));
  expect(header).toBeGreaterThan(0);
  const cellsOf = (l: string) =>
    l
      .slice(1, -1)
      .split("|")
      .map((c) => c.trim());
  expect(cellsOf(doc[header]!)).toEqual(["data", ...SCHOOL_ROLES]);
  const rows = [];
  for (let i = header + 2; doc[i]?.startsWith("|"); i++) rows.push(cellsOf(doc[i]!));
  expect(rows).toEqual(Object.values(ACCESS).map((row) => [row.label, ...SCHOOL_ROLES.map((r) => row[r])]));
  expect(doc.join("\n")).toContain("test/e2e/authorization-matrix.db.test.ts");
});

test("every query, and every nested field read through one, answers every caller in every scope as the rules say", async () => {
  const reads = cells().filter((c) => c.kind === "query");
  const results = await pool(reads, 4, async (cell) => {
    const { text, variables } = request(cell, {});
    const r = await s.gql(text, variables, w.tokens[cell.caller]);
    return [...judge(cell, variables, r), ...completeness(cell, r)];
  });
  expect(results.flat()).toEqual([]);
  // The sweep covered the schema (a guard against an empty or partial walk), the path of issue #13 included.
  expect(reads.length).toBeGreaterThan(1000);
  const learnerToTeachers = reads.find((c) => c.name === "Cohort.teachers" && c.caller === Caller.Learner);
  expect(learnerToTeachers?.steps.map((st) => st.field.name)).toEqual(["learner", "cohorts", "teachers"]);
});

test("every mutation answers every caller in every scope as the rules say, and a refused write writes nothing", async () => {
  const writes = cells().filter((c) => c.kind === "mutation");
  const ds = s.app.db.dataSource;
  // The access log records the reads that ran before (written in batches, a moment later): it is the
  // record of who read, not a write of the caller's; refused calls are never logged (its own tests).
  const columns = (await catalogueColumns(ds, ["public"])).filter((c) => c.table !== "access_log");
  // The deferred path's applier would apply an earlier ingestAttempts cell's attempts a moment later, in
  // some other group's window: it runs here, before each snapshot, not in the background.
  await s.app.services.pendingApplier.stop();
  // Likewise the recommendation log's rows of an earlier group's answers (written in batches): flushed
  // before each snapshot, so that none lands in another group's window.
  const snapshot = async () => {
    await s.app.services.pendingApplier.drain();
    await s.app.services.recommendationLog.flush();
    return JSON.stringify([...(await fingerprints(ds, [w.home.schoolId, w.foreign.schoolId], "-none-", { columns }))]);
  };
  // By root mutation and scope: the cells to be refused first, sharing one valid request per target
  // (a refusal changes nothing), then one check that none of them wrote; then the cells that write,
  // each on fresh targets of its own.
  const groups = new Map<string, Cell[]>();
  for (const c of writes) {
    const key = `${keyOf(c.steps[0]!)} × ${c.scope}`;
    groups.set(key, [...(groups.get(key) ?? []), c]);
  }
  const mismatches: string[] = [];
  for (const [group, members] of groups) {
    const refusals = members.filter((c) => pathOutcome(c.steps, c.caller, c.scope) !== "OK");
    const setups = new Map<string, Record<string, unknown>>();
    // Only a learner's targets differ from the other callers' (another learner of its cohort).
    const targetKey = (c: Cell) => String(c.caller === Caller.Learner);
    for (const c of refusals) if (!setups.has(targetKey(c))) setups.set(targetKey(c), await setupOf(c));
    const before = await snapshot();
    const answered: Cell[] = [];
    for (const cell of refusals) {
      const { text, variables } = request(cell, setups.get(targetKey(cell))!);
      const r = await s.gql(text, variables, w.tokens[cell.caller]);
      mismatches.push(...judge(cell, variables, r));
      if (!r.errors?.length) answered.push(cell);
    }
    // (A cell answered when it should have been refused is a mismatch already, and it may have written.)
    if (!answered.length && (await snapshot()) !== before)
      mismatches.push(`${group}: one of its refused writes wrote (${refusals.map((c) => c.caller).join(", ")})`);
    for (const cell of members.filter((c) => !refusals.includes(c))) {
      const { text, variables } = request(cell, await setupOf(cell));
      mismatches.push(...judge(cell, variables, await s.gql(text, variables, w.tokens[cell.caller])));
    }
  }
  expect(mismatches).toEqual([]);
  expect(writes.length).toBeGreaterThan(800);
});
