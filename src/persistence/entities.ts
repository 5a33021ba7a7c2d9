/** Every TypeORM entity, in one list for the data source. */
import { School } from "./school/school.entity.js";
import { Teacher } from "./school/teacher.entity.js";
import { Cohort } from "./cohort/cohort.entity.js";
import { Enrollment } from "./cohort/enrollment.entity.js";
import { CohortTeacher } from "./cohort/cohort-teacher.entity.js";
import { Learner } from "./learner/learner.entity.js";
import { LearnerProfile } from "./learner/learner-profile.entity.js";
import { Consent } from "./learner/consent.entity.js";
import { LearnerAttribute } from "./learner/learner-attribute.entity.js";
import { LearnerState } from "./learner/learner-state.entity.js";
import { Skill } from "./curriculum/skill.entity.js";
import { SkillPrerequisite } from "./curriculum/skill-prerequisite.entity.js";
import { Task } from "./curriculum/task.entity.js";
import { TaskSkill } from "./curriculum/task-skill.entity.js";
import { Goal } from "./goal/goal.entity.js";
import { GoalSkill } from "./goal/goal-skill.entity.js";
import { LearningPath } from "./goal/learning-path.entity.js";
import { PathStep } from "./goal/path-step.entity.js";
import { Attempt } from "./attempt/attempt.entity.js";
import { ModelVersion } from "./model/model-version.entity.js";
import { PolicyVersion } from "./policy/policy-version.entity.js";
import { AuditReport } from "./model/audit-report.entity.js";
import { ModelVersionLearner } from "./model/model-version-learner.entity.js";
import { FairnessPolicy } from "./audit/fairness-policy.entity.js";
import { TrainingPrivacyBudget } from "./audit/training-privacy-budget.entity.js";
import { ErasureReceipt } from "./privacy/erasure-receipt.entity.js";
import { AttemptDailyRollup } from "./attempt/attempt-daily-rollup.entity.js";
import { AttemptPending } from "./attempt/attempt-pending.entity.js";
import { AccessLog } from "./access-log/access-log.entity.js";
import { RecommendationLog } from "./recommendation-log/recommendation-log.entity.js";

export const entities = [
  School,
  Teacher,
  Cohort,
  Enrollment,
  CohortTeacher,
  Learner,
  LearnerProfile,
  Consent,
  LearnerAttribute,
  LearnerState,
  Skill,
  SkillPrerequisite,
  Task,
  TaskSkill,
  Goal,
  GoalSkill,
  LearningPath,
  PathStep,
  Attempt,
  ModelVersion,
  PolicyVersion,
  FairnessPolicy,
  TrainingPrivacyBudget,
  ModelVersionLearner,
  AuditReport,
  ErasureReceipt,
  AttemptDailyRollup,
  AttemptPending,
  AccessLog,
  RecommendationLog,
];

export {
  School,
  Teacher,
  Cohort,
  Enrollment,
  CohortTeacher,
  Learner,
  LearnerProfile,
  Consent,
  LearnerAttribute,
  LearnerState,
  Skill,
  SkillPrerequisite,
  Task,
  TaskSkill,
  Goal,
  GoalSkill,
  LearningPath,
  PathStep,
  Attempt,
  ModelVersion,
  PolicyVersion,
  ModelVersionLearner,
  AuditReport,
  FairnessPolicy,
  TrainingPrivacyBudget,
  ErasureReceipt,
  AttemptDailyRollup,
  AttemptPending,
  AccessLog,
  RecommendationLog,
};
