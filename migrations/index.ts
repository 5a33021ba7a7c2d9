/** Every migration, in order. Schema changes happen here only (never `synchronize`). */
import type { MigrationInterface } from "typeorm";
import { Initial1764380000000 } from "./1764380000000-initial.js";
import { Personalisation1764390000000 } from "./1764390000000-personalisation.js";
import { JobRuns1764400000000 } from "./1764400000000-job-runs.js";
import { MasteryInLearnerState1764415000000 } from "./1764415000000-mastery-in-learner-state.js";
import { LearnerStateLastAttempt1764420000000 } from "./1764420000000-learner-state-last-attempt.js";
import { StagedLearnerStates1764430000000 } from "./1764430000000-staged-learner-states.js";
import { AttemptHistoryCoveringIndex1764440000000 } from "./1764440000000-attempt-history-covering-index.js";
import { LearnerStateAsText1764450000000 } from "./1764450000000-learner-state-as-text.js";
import { ModelVersionTrainedTasks1764460000000 } from "./1764460000000-model-version-trained-tasks.js";
import { ModelVersionLearners1764470000000 } from "./1764470000000-model-version-learners.js";
import { FairnessPolicy1764480000000 } from "./1764480000000-fairness-policy.js";
import { PolicyVersion1764595000000 } from "./1764595000000-policy-version.js";
import { TrainingPrivacyBudget1764575000000 } from "./1764575000000-training-privacy-budget.js";
import { AttemptPending1764605000000 } from "./1764605000000-attempt-pending.js";
import { AccessLogCoalesced1764700000000 } from "./1764700000000-access-log-coalesced.js";
import { Analytics1764490000000 } from "./1764490000000-analytics.js";
import { ErasureAndRetention1764500000000 } from "./1764500000000-erasure-and-retention.js";
import { FieldEncryption1764510000000 } from "./1764510000000-field-encryption.js";
import { AccessLog1764525000000 } from "./1764525000000-access-log.js";
import { RosterLinks1764535000000 } from "./1764535000000-roster-links.js";
import { XapiCredentials1764545000000 } from "./1764545000000-xapi-credentials.js";
import { XapiStore1764565000000 } from "./1764565000000-xapi-store.js";
import { TaskActivityId1764555000000 } from "./1764555000000-task-activity-id.js";
import { RecommendationLog1764585000000 } from "./1764585000000-recommendation-log.js";
import { AnalyticsRecommendations1764710000000 } from "./1764710000000-analytics-recommendations.js";

export const migrations: (new () => MigrationInterface)[] = [
  Initial1764380000000,
  Personalisation1764390000000,
  JobRuns1764400000000,
  MasteryInLearnerState1764415000000,
  LearnerStateLastAttempt1764420000000,
  StagedLearnerStates1764430000000,
  AttemptHistoryCoveringIndex1764440000000,
  LearnerStateAsText1764450000000,
  ModelVersionTrainedTasks1764460000000,
  ModelVersionLearners1764470000000,
  FairnessPolicy1764480000000,
  Analytics1764490000000,
  ErasureAndRetention1764500000000,
  FieldEncryption1764510000000,
  AccessLog1764525000000,
  RosterLinks1764535000000,
  XapiCredentials1764545000000,
  TaskActivityId1764555000000,
  XapiStore1764565000000,
  TrainingPrivacyBudget1764575000000,
  RecommendationLog1764585000000,
  PolicyVersion1764595000000,
  AttemptPending1764605000000,
  AccessLogCoalesced1764700000000,
  AnalyticsRecommendations1764710000000,
];
