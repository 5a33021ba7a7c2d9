/** Builds the executable GraphQL schema from the resolvers (type-graphql), with input validation on. */
import { GraphQLSchema, lexicographicSortSchema, printSchema } from "graphql";
import { buildSchema, type ClassType, type NonEmptyArray } from "type-graphql";
import { SchoolResolver } from "./school/school.resolver.js";
import { CohortResolver } from "./cohort/cohort.resolver.js";
import { LearnerResolver } from "./learner/learner.resolver.js";
import { GoalResolver, LearnerGoalsResolver } from "./goal/goal.resolver.js";
import { LearningPathResolver, PathStepResolver } from "./goal/learning-path.resolver.js";
import { ConsentResolver, LearnerConsentsResolver } from "./consent/consent.resolver.js";
import { LearnerAttributeResolver } from "./learner-attribute/learner-attribute.resolver.js";
import { LearnerMasteryResolver } from "./mastery/mastery.resolver.js";
import { AuditReportResolver, ModelVersionResolver } from "./model/model-version.resolver.js";
import { PolicyVersionResolver } from "./policy/policy-version.resolver.js";
import { SkillResolver } from "./curriculum/skill.resolver.js";
import { TaskResolver, TaskSkillResolver } from "./curriculum/task.resolver.js";
import { AttemptResolver, LearnerAttemptsResolver } from "./attempt/attempt.resolver.js";
import { GoalProgressResolver, PersonalisationResolver } from "./personalisation/personalisation.resolver.js";
import { JobRunResolver } from "./jobs/job-run.resolver.js";
import { FairnessPolicyResolver } from "./audit/fairness-policy.resolver.js";
import { TrainingPrivacyResolver } from "./audit/training-privacy.resolver.js";
import { ErasureResolver } from "./privacy/erasure.resolver.js";
import { AnalyticsResolver } from "./analytics/analytics.resolver.js";
import { AccessLogResolver } from "./access-log/access-log.resolver.js";
import { RosterResolver } from "./roster/roster.resolver.js";
import { XapiCredentialResolver } from "./xapi/xapi-credential.resolver.js";
import { XapiMappingResolver } from "./xapi/xapi-mapping.resolver.js";

export const resolvers: NonEmptyArray<ClassType> = [
  SchoolResolver,
  CohortResolver,
  LearnerResolver,
  SkillResolver,
  TaskResolver,
  TaskSkillResolver,
  AttemptResolver,
  LearnerAttemptsResolver,
  GoalResolver,
  LearnerGoalsResolver,
  LearningPathResolver,
  PathStepResolver,
  ConsentResolver,
  LearnerConsentsResolver,
  LearnerAttributeResolver,
  LearnerMasteryResolver,
  ModelVersionResolver,
  PolicyVersionResolver,
  AuditReportResolver,
  PersonalisationResolver,
  GoalProgressResolver,
  JobRunResolver,
  FairnessPolicyResolver,
  TrainingPrivacyResolver,
  ErasureResolver,
  AnalyticsResolver,
  AccessLogResolver,
  RosterResolver,
  XapiCredentialResolver,
  XapiMappingResolver,
];

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
  return `${printSchema(lexicographicSortSchema(await buildApiSchema()))}\n`;
}
