/**
 * Where the access log is recorded: at the two doors through which a learner's data leaves or enters the
 * server — here, the execution of GraphQL (the services reach learner data by many routes — an access
 * check, a scoped list, a one-statement context read — but every answer is resolved here), and the xAPI
 * store's statements (api/xapi/xapi.routes.ts, `logAccess`: statements mapped to a learner's attempts).
 *
 * The schema's resolvers are wrapped once (`instrumentAccessLog`): the root fields, to know which root
 * field a response key is (an alias names it in the path) and to record the learners their arguments
 * name once they answer without an error; and every field of a type that names its learner
 * (learner-data.ts, LEARNER_OWNED), to record that learner the first time one of its fields is resolved
 * — what the caller actually received, after every access check. A mutation writes the learners its
 * arguments name and the owned object(s) it returns; everything else is a read.
 *
 * The accesses of a request are collected in memory and handed, once the answer is sent, to the access
 * log's buffer (services/access-log/access-log.service.ts): no statement on the request's path.
 */
import { defaultFieldResolver, type GraphQLFieldResolver, GraphQLObjectType, type GraphQLSchema, type ResponsePath } from "graphql";
import type { ApolloServerPlugin } from "@apollo/server";
import type { ApiContext } from "../context.js";
import type { Services } from "../../services/index.js";
import { type Access, AccessKind } from "../../services/access-log/access-log.service.js";
import { LEARNER_OF_RESULT, LEARNER_OWNED, learnerIdsIn, UNRECORDED_ROOT_FIELDS } from "./learner-data.js";

/** The accesses of one request. */
class AccessRecorder {
  /** Response key (alias or name) of each root field → the root field's name. */
  private readonly roots = new Map<string | number, string>();
  private readonly seen = new WeakSet<object>();
  private readonly accesses = new Map<string, Access>();

  root(key: string | number, name: string): void {
    this.roots.set(key, name);
  }

  add(learnerId: string, path: ResponsePath, access: AccessKind): void {
    let root = path;
    while (root.prev) root = root.prev;
    const operation = this.roots.get(root.key);
    if (!operation) return;
    const key = `${learnerId.toLowerCase()}|${operation}`;
    // A write of a learner includes reading the answer about it: one row, the write.
    if (this.accesses.get(key)?.access === AccessKind.Write) return;
    this.accesses.set(key, { learnerId: learnerId.toLowerCase(), operation, access });
  }

  /** The first field resolved of an owned object records its learner (later fields of the same object cost a lookup). */
  owned(source: object, learnerId: string | null | undefined, path: ResponsePath, isMutation: boolean): void {
    if (this.seen.has(source)) return;
    this.seen.add(source);
    if (!learnerId) return;
    // `path` is the field's; its parent is the object: the mutation's own answer (or an item of it) is the write.
    const parent = path.prev;
    const atRoot =
      parent !== undefined && (parent.prev === undefined || (typeof parent.key === "number" && parent.prev.prev === undefined));
    this.add(learnerId, path, isMutation && atRoot ? AccessKind.Write : AccessKind.Read);
  }

  list(): Access[] {
    return [...this.accesses.values()];
  }
}

/** Per request, by its context object (a request's context lives as long as its execution). */
const recorders = new WeakMap<object, AccessRecorder>();
const INSTRUMENTED = Symbol("zpd access log");

const isPromise = (x: unknown): x is Promise<unknown> => typeof (x as { then?: unknown } | null)?.then === "function";

/** Wraps the schema's resolvers in place, once (the schema is built once per process and shared by its servers). */
export function instrumentAccessLog(schema: GraphQLSchema): GraphQLSchema {
  const marked = schema as GraphQLSchema & { [INSTRUMENTED]?: true };
  if (marked[INSTRUMENTED]) return schema;
  marked[INSTRUMENTED] = true;
  const mutationType = schema.getMutationType();
  for (const root of [schema.getQueryType(), mutationType]) {
    if (!root) continue;
    const access = root === mutationType ? AccessKind.Write : AccessKind.Read;
    for (const field of Object.values(root.getFields())) {
      const resolve: GraphQLFieldResolver<unknown, ApiContext> = field.resolve ?? defaultFieldResolver;
      const byArgs = !UNRECORDED_ROOT_FIELDS.has(field.name) && field.args.length > 0;
      const ofResult = LEARNER_OF_RESULT[field.name];
      field.resolve = (source, args, ctx, info) => {
        const rec = recorders.get(ctx);
        if (!rec) return resolve(source, args, ctx, info);
        rec.root(info.path.key, info.fieldName);
        const named = byArgs ? learnerIdsIn(args) : undefined;
        if (!named?.size && !ofResult) return resolve(source, args, ctx, info);
        const answered = async (value: unknown) => {
          for (const id of named ?? []) rec.add(id, info.path, access);
          const found = ofResult && value ? await ofResult(value, ctx) : null;
          for (const id of typeof found === "string" ? [found] : (found ?? [])) rec.add(id, info.path, access);
          return value;
        };
        const value = resolve(source, args, ctx, info);
        return isPromise(value) ? value.then(answered) : answered(value);
      };
    }
  }
  for (const [typeName, learnerOf] of Object.entries(LEARNER_OWNED)) {
    const type = schema.getType(typeName);
    if (!(type instanceof GraphQLObjectType)) throw new Error(`access log: ${typeName} is not an object type of the schema`);
    for (const field of Object.values(type.getFields())) {
      const resolve: GraphQLFieldResolver<object, ApiContext> = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, ctx, info) => {
        recorders.get(ctx)?.owned(source, learnerOf(source), info.path, info.operation.operation === "mutation");
        return resolve(source, args, ctx, info);
      };
    }
  }
  return schema;
}

/** Collects each request's accesses and hands them to the access log once the answer is sent. */
export function accessLogPlugin(services: Services): ApolloServerPlugin<ApiContext> {
  return {
    async requestDidStart({ contextValue }) {
      const rec = new AccessRecorder();
      recorders.set(contextValue, rec);
      return {
        async willSendResponse() {
          recorders.delete(contextValue);
          const accesses = rec.list();
          if (accesses.length === 0) return;
          // Whoever resolved an owned object has a school's actor (a platform admin reaches no learner).
          let actor: ReturnType<ApiContext["actor"]>;
          try {
            actor = contextValue.actor();
          } catch {
            return;
          }
          services.accessLog.record(actor, accesses);
        },
      };
    },
  };
}
