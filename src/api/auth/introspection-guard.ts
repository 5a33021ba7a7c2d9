/**
 * Introspection (`__schema`, `__type`) for callers with a valid token only, in production: the schema is
 * a map of every operation for anyone probing the server. In development it stays open for GraphiQL,
 * which sends the token of its headers pane with its schema query too.
 */
import { DocumentNode, GraphQLError, Kind, OperationDefinitionNode, SelectionSetNode } from "graphql";
import type { ApolloServerPlugin } from "@apollo/server";
import type { ApiContext } from "../context.js";

const INTROSPECTION_FIELDS = new Set(["__schema", "__type"]);

/** Whether the operation selects `__schema` or `__type` (root fields only, fragments followed). */
export function selectsIntrospection(document: DocumentNode, operation: OperationDefinitionNode): boolean {
  const fragments = new Map(document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  const seen = new Set<string>();
  const visit = (set: SelectionSetNode): boolean =>
    set.selections.some((s) => {
      if (s.kind === Kind.FIELD) return INTROSPECTION_FIELDS.has(s.name.value);
      if (s.kind === Kind.INLINE_FRAGMENT) return visit(s.selectionSet);
      const fragment = fragments.get(s.name.value);
      if (!fragment || seen.has(s.name.value)) return false;
      seen.add(s.name.value);
      return visit(fragment.selectionSet);
    });
  return visit(operation.selectionSet);
}

export function introspectionGuardPlugin(): ApolloServerPlugin<ApiContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, contextValue }) {
          if (!operation || !selectsIntrospection(document, operation)) return;
          try {
            contextValue.caller();
          } catch {
            throw new GraphQLError("introspection requires a valid token on this server (NODE_ENV=production)", {
              extensions: { code: "UNAUTHENTICATED", http: { status: 401 } },
            });
          }
        },
      };
    },
  };
}
