/** Builds the executable GraphQL schema from the resolvers (type-graphql), with input validation on. */
import { GraphQLSchema, lexicographicSortSchema, printSchema } from "graphql";
import { buildSchema, NonEmptyArray } from "type-graphql";
import { SchoolResolver } from "./school/school.resolver.js";
import { CohortResolver } from "./cohort/cohort.resolver.js";
import { LearnerResolver } from "./learner/learner.resolver.js";

// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
export const resolvers: NonEmptyArray<Function> = [SchoolResolver, CohortResolver, LearnerResolver];

let cached: Promise<GraphQLSchema> | undefined;

export function buildApiSchema(): Promise<GraphQLSchema> {
  cached ??= buildSchema({
    resolvers,
    validate: { forbidUnknownValues: false },
    emitSchemaFile: false,
  });
  return cached;
}

/** The SDL committed in schema/schema.graphql: sorted, so that diffs show real changes only. */
export async function printApiSchema(): Promise<string> {
  return printSchema(lexicographicSortSchema(await buildApiSchema())) + "\n";
}
