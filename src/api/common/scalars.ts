/** Scalars used across the schema. Ids are UUIDs: a malformed id is refused before any resolver runs. */
export { GraphQLUUID as UUID, GraphQLJSONObject as JSONObject } from "graphql-scalars";
export { GraphQLISODateTime as DateTime } from "type-graphql";
