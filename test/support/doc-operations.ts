/**
 * The GraphQL operations the project's docs show (```graphql blocks), read from the files as a user
 * reads them, and GraphiQL's introspection query: the documents that tests run or measure as written.
 */
import fs from "node:fs";
import path from "node:path";
import { getIntrospectionQuery } from "graphql";

const ROOT = path.resolve(__dirname, "../..");

/** The ```graphql blocks of `files` (paths from the repository's root), in order. */
export function docOperations(...files: string[]): string[] {
  return files.flatMap((f) => [...fs.readFileSync(path.join(ROOT, f), "utf8").matchAll(/```graphql\n([\s\S]*?)```/g)].map((m) => m[1]!));
}

/** GraphiQL's schema query: graphql's introspection query with every option GraphiQL may turn on. */
export const GRAPHIQL_INTROSPECTION = getIntrospectionQuery({
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
  oneOf: true,
});
