/**
 * Per-operation limits, checked before anything executes: the document's size in bytes (before it is
 * parsed) and in tokens (while it is parsed), then the operation's selection depth, its number of
 * aliases, and its cost. One small request
 * must not stall the server: a 353 kB document of 6,000 aliased `learners(first: 100)` pages, or 60
 * levels of `learners { nodes { cohorts { learners …`, is refused here in milliseconds.
 *
 * The cost is graphql-query-complexity's walk (fragments, inline fragments, @skip/@include and
 * variables handled by a maintained library rather than a walker of our own) with one estimator: every
 * field costs 1, and a list multiplies its selection's cost by how many items it can return — a
 * connection by its `first` (the default page size when absent), a field with a list argument
 * (`taskIds`, `inputs`) by that list's length, one with `count` by the count, and any other list by
 * ASSUMED_LIST_SIZE. So the cost estimates the number of values in the answer.
 *
 * The cost budget depends on the caller's role (ZPD_MAX_QUERY_COST for ADMIN, SERVICE and the platform
 * admin; ZPD_MAX_QUERY_COST_<ROLE> for the others; the LEARNER's for a caller without a valid token),
 * and an operation within it is then charged to the caller's rate limit by its cost (rate-limit.ts).
 *
 * Depth and aliases are counted here rather than with @escape.tech/graphql-armor's rules: those throw
 * an error with no `extensions.code` ("Syntax Error: …"), and a refused operation must carry one of the
 * documented codes with the measured value. Fragments are counted once each (memoised), so a document
 * of nested fragment spreads costs linear time to measure.
 */
import {
  DocumentNode,
  FragmentDefinitionNode,
  GraphQLError,
  GraphQLField,
  GraphQLFormattedError,
  GraphQLSchema,
  Kind,
  OperationDefinitionNode,
  SelectionSetNode,
  getNamedType,
  getNullableType,
  isListType,
  isObjectType,
} from "graphql";
import type { GraphQLCompositeType } from "graphql";
import { ComplexityEstimator, getComplexity } from "graphql-query-complexity";
import type { ApolloServerPlugin } from "@apollo/server";
import type { RequestHandler } from "express";
import { DEFAULT_PAGE_SIZE } from "../../services/common/pagination.js";
import { refuseAtDoor } from "./front-door.js";
import type { ApiContext } from "../context.js";

export interface QueryLimits {
  /** Deepest field nesting (fragments flattened); ZPD_MAX_QUERY_DEPTH. */
  readonly maxDepth: number;
  /** Aliased fields, fragments counted as many times as they are spread; ZPD_MAX_QUERY_ALIASES. */
  readonly maxAliases: number;
  /** Estimated number of values in the answer (see the estimator); ZPD_MAX_QUERY_COST: ADMIN, SERVICE, platform admin. */
  readonly maxCost: number;
  /** The other roles' cost budgets (ZPD_MAX_QUERY_COST_<ROLE>); a caller without a valid token has the LEARNER's. */
  readonly roleCost: RoleCostBudgets;
  /** The `query` text's size in UTF-8 bytes; ZPD_MAX_QUERY_BYTES. */
  readonly maxBytes: number;
  /**
   * Lexical tokens the parser reads before it gives up (graphql-js's `maxTokens`); ZPD_MAX_QUERY_TOKENS.
   * It bounds the work of parsing and of GraphQL's own validation rules, which run before the checks
   * here: 1,000 aliased learner pages (45 kB) took 70–130 ms to validate.
   */
  readonly maxTokens: number;
  /** ZPD_MAX_PAGE_SIZE: a connection without `first` returns min(20, this). */
  readonly maxPageSize: number;
}

export interface RoleCostBudgets {
  readonly LEARNER: number;
  readonly TEACHER: number;
  readonly ANALYST: number;
}

/** The caller's cost budget and the variable that sets it; `role` undefined: no valid token. */
export function costBudget(
  limits: Pick<QueryLimits, "maxCost" | "roleCost">,
  role: string | undefined,
): { limit: number; variable: string } {
  const budgeted = role === undefined ? "LEARNER" : role;
  if (Object.hasOwn(limits.roleCost, budgeted)) {
    const r = budgeted as keyof RoleCostBudgets;
    return { limit: limits.roleCost[r], variable: `ZPD_MAX_QUERY_COST_${r}` };
  }
  return { limit: limits.maxCost, variable: "ZPD_MAX_QUERY_COST" };
}

/** The role of the request's token; undefined without a valid one. */
function roleOf(context: ApiContext): string | undefined {
  try {
    return context.caller().role;
  } catch {
    return undefined;
  }
}

/** The `extensions.code` of each refusal (documented in docs/api-guide.md). */
export enum QueryLimitCode {
  TooLarge = "QUERY_TOO_LARGE",
  TooDeep = "QUERY_TOO_DEEP",
  TooManyAliases = "QUERY_TOO_MANY_ALIASES",
  TooComplex = "QUERY_TOO_COMPLEX",
}

/** Items assumed of a list with no argument bounding it (a skill's prerequisites, a learner's cohorts…). */
export const ASSUMED_LIST_SIZE = 5;

/**
 * Selections graphql-query-complexity evaluates (fragments expanded) before it gives up; the heaviest
 * documented operation and GraphiQL's introspection query evaluate a few hundred.
 */
const MAX_EVALUATED_SELECTIONS = 20_000;

function refusal(code: QueryLimitCode, what: string, measured: number | string, limit: number, variable: string): GraphQLError {
  return new GraphQLError(`${what} ${measured} exceeds the limit of ${limit} (${variable})`, {
    extensions: { code, limit, measured, http: { status: 400 } },
  });
}

export interface OperationShape {
  /** Deepest field nesting: `{ a { b } }` is 2. */
  readonly depth: number;
  /** Aliased fields, each fragment counted as often as it is spread. */
  readonly aliases: number;
}

/** Depth and aliases of one operation. Fragment cycles (refused by validation before this runs) count 0. */
export function operationShape(document: DocumentNode, operation: OperationDefinitionNode): OperationShape {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const measured = new Map<string, OperationShape>();
  const active = new Set<string>();

  const measure = (set: SelectionSetNode): OperationShape => {
    let depth = 0;
    let aliases = 0;
    for (const s of set.selections) {
      let inner: OperationShape;
      if (s.kind === Kind.FIELD) {
        const sub = s.selectionSet ? measure(s.selectionSet) : { depth: 0, aliases: 0 };
        inner = { depth: sub.depth + 1, aliases: sub.aliases + (s.alias ? 1 : 0) };
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        inner = measure(s.selectionSet);
      } else {
        const name = s.name.value;
        const fragment = fragments.get(name);
        if (!fragment || active.has(name)) continue;
        let known = measured.get(name);
        if (!known) {
          active.add(name);
          known = measure(fragment.selectionSet);
          active.delete(name);
          measured.set(name, known);
        }
        inner = known;
      }
      depth = Math.max(depth, inner.depth);
      aliases += inner.aliases;
    }
    return { depth, aliases };
  };
  return measure(operation.selectionSet);
}

const isConnection = (type: { name: string }) => type.name.endsWith("Connection");

/** How many items a field's value can hold, for the cost: see the file's comment. */
function itemsOf(
  field: GraphQLField<unknown, unknown>,
  parent: GraphQLCompositeType,
  args: Record<string, unknown>,
  defaultPage: number,
  maxPage: number,
): number {
  const named = getNamedType(field.type);
  if (isObjectType(named) && isConnection(named) && !isListType(getNullableType(field.type))) {
    // A page over ZPD_MAX_PAGE_SIZE counts as the largest page: execution refuses it as an oversized
    // page (BAD_USER_INPUT), which tells the client more than a cost would.
    return typeof args.first === "number" ? Math.min(Math.max(args.first, 0), maxPage) : defaultPage;
  }
  if (!isListType(getNullableType(field.type))) return 1;
  // A connection's `edges` and `nodes`: its `first` has counted them already.
  if (isConnection(parent)) return 1;
  if (typeof args.count === "number") return args.count;
  for (const value of Object.values(args)) if (Array.isArray(value)) return value.length;
  return ASSUMED_LIST_SIZE;
}

function costEstimator(defaultPage: number, maxPage: number): ComplexityEstimator {
  return ({ field, type, args, childComplexity }) => 1 + itemsOf(field, type, args, defaultPage, maxPage) * childComplexity;
}

/**
 * The operation's cost; Infinity when it expands to more selections than the walk evaluates (a fragment
 * spread thousands of times); null when the variables do not fit the operation, which execution then
 * refuses with BAD_USER_INPUT before any resolver runs.
 */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
  maxPageSize: number,
): number | null {
  // The operation and the fragments only: the library reads every operation's name when given one,
  // and needs none when the document holds a single operation.
  const query: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: document.definitions.filter((d) => d === operation || d.kind === Kind.FRAGMENT_DEFINITION),
  };
  try {
    return getComplexity({
      schema,
      query,
      variables,
      estimators: [costEstimator(Math.min(DEFAULT_PAGE_SIZE, maxPageSize), maxPageSize)],
      maxQueryNodes: MAX_EVALUATED_SELECTIONS,
    });
  } catch (e) {
    // The library's node cap: the one error it throws rather than reports.
    if (e instanceof GraphQLError && /maximum allowed number of nodes/.test(e.message)) return Infinity;
    // Otherwise the library reports a variable or argument value that does not coerce.
    if (e instanceof GraphQLError) return null;
    throw e;
  }
}

/**
 * Refuses an operation over a limit, after validation and before execution; then charges the operation's
 * cost to the caller's rate limit (which refuses it with RATE_LIMITED when the caller has not enough left).
 */
export function queryLimitsPlugin(limits: QueryLimits): ApolloServerPlugin<ApiContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, request, schema, contextValue }) {
          if (!operation) return;
          const shape = operationShape(document, operation);
          if (shape.depth > limits.maxDepth) {
            throw refusal(QueryLimitCode.TooDeep, "the query's depth", shape.depth, limits.maxDepth, "ZPD_MAX_QUERY_DEPTH");
          }
          if (shape.aliases > limits.maxAliases) {
            throw refusal(
              QueryLimitCode.TooManyAliases,
              "the query's number of aliases",
              shape.aliases,
              limits.maxAliases,
              "ZPD_MAX_QUERY_ALIASES",
            );
          }
          const cost = operationCost(schema, document, operation, request.variables, limits.maxPageSize);
          if (cost === null) return;
          const budget = costBudget(limits, roleOf(contextValue));
          if (cost > budget.limit) {
            const measured = Number.isFinite(cost) ? cost : `over ${MAX_EVALUATED_SELECTIONS} selections`;
            throw refusal(QueryLimitCode.TooComplex, "the query's cost", measured, budget.limit, budget.variable);
          }
          await contextValue.rateLimit?.chargeCost(cost);
        },
      };
    },
  };
}

// graphql 16 writes "more that"; "than" as well, should a release correct it.
const TOKEN_LIMIT_MESSAGE = /^Syntax Error: Document contains more tha[nt] (\d+) tokens\. Parsing aborted\.$/;

/**
 * graphql-js's refusal of a document over `maxTokens` (a GRAPHQL_PARSE_FAILED "Syntax Error") as a
 * QUERY_TOO_LARGE naming the setting; undefined for any other error. Used by format-error.ts.
 */
export function tokenLimitError(formatted: GraphQLFormattedError): GraphQLFormattedError | undefined {
  if (formatted.extensions?.code !== "GRAPHQL_PARSE_FAILED") return undefined;
  const match = TOKEN_LIMIT_MESSAGE.exec(formatted.message);
  if (!match) return undefined;
  const limit = Number(match[1]);
  return {
    message: `the query's number of tokens exceeds the limit of ${limit} (ZPD_MAX_QUERY_TOKENS); parsing stopped there`,
    extensions: { code: QueryLimitCode.TooLarge, limit },
  };
}

/**
 * Refuses a document over the byte limit before Apollo parses it (parsing is the first cost a large
 * document imposes). POST bodies (express.json has run) and GET's `query` parameter. The exact check:
 * a body too large to hold a document within the limit and its variables was refused before it was
 * read (body-limit.ts).
 */
export function documentSizeLimit(maxBytes: number): RequestHandler {
  return (req, res, next) => {
    const body = req.body as { query?: unknown } | undefined;
    const query = body && !Array.isArray(body) && typeof body.query === "string" ? body.query : req.query?.query;
    if (typeof query !== "string") return next();
    const bytes = Buffer.byteLength(query);
    if (bytes <= maxBytes) return next();
    const { message, extensions } = refusal(QueryLimitCode.TooLarge, "the query's size in bytes", bytes, maxBytes, "ZPD_MAX_QUERY_BYTES");
    const { http: _http, code, ...shownExtensions } = extensions;
    refuseAtDoor(res, 400, code as string, message, shownExtensions);
  };
}
