/**
 * The operation label of a request, for /metrics: the root field it asks for — a name of the schema's,
 * not the client's operation name (which anyone may make up, and would grow the label set without
 * bound). `introspection` for __schema / __type (and a lone __typename), `multiple` for several root
 * fields, `none` when no operation was resolved (a document that did not parse or validate).
 */
import { type DocumentNode, Kind, type OperationDefinitionNode, type SelectionSetNode } from "graphql";

/** The root fields' names of an operation, fragments followed (a spread at the root is allowed). */
export function rootFieldNames(operation: OperationDefinitionNode, document: DocumentNode): string[] {
  const fragments = new Map(
    document.definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d.selectionSet] as const] : [])),
  );
  const names = new Set<string>();
  const visited = new Set<string>();
  const walk = (set: SelectionSetNode) => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) names.add(s.name.value);
      else if (s.kind === Kind.INLINE_FRAGMENT) walk(s.selectionSet);
      else if (!visited.has(s.name.value)) {
        visited.add(s.name.value);
        const f = fragments.get(s.name.value);
        if (f) walk(f);
      }
    }
  };
  walk(operation.selectionSet);
  return [...names];
}

export function operationLabel(operation: OperationDefinitionNode | undefined, document: DocumentNode | undefined): string {
  if (!operation || !document) return "none";
  const all = rootFieldNames(operation, document);
  // __typename beside real fields says nothing about the operation.
  const names = all.length > 1 ? all.filter((n) => n !== "__typename") : all;
  if (names.length === 0) return "none";
  if (names.every((n) => n.startsWith("__"))) return "introspection";
  return names.length === 1 ? names[0]! : "multiple";
}
