/** The service container: one instance of each use-case service, built from the same dependencies. */
import { ServiceDeps } from "./service-deps.js";
import { SchoolService } from "./school/school.service.js";
import { CohortService } from "./cohort/cohort.service.js";
import { LearnerService } from "./learner/learner.service.js";
import { SkillService } from "./curriculum/skill.service.js";
import { TaskService } from "./curriculum/task.service.js";
import { GoalService } from "./goal/goal.service.js";
import { LearningPathService } from "./goal/learning-path.service.js";
import { ConsentService } from "./consent/consent.service.js";
import { LearnerAttributeService } from "./learner-attribute/learner-attribute.service.js";
import { MasteryService } from "./mastery/mastery.service.js";
import { ModelVersionService } from "./model/model-version.service.js";
import { AttemptService } from "./attempt/attempt.service.js";
import { AttemptIngestService } from "./attempt/attempt-ingest.service.js";
import { PendingApplier } from "./attempt/pending-applier.js";
import { ActiveModels } from "./personalisation/active-models.js";
import { LearnerModelService } from "./personalisation/learner-model.service.js";
import { TrainingService } from "./training/training.service.js";
import { RetrainService } from "./training/retrain.service.js";
import { ModelSwitchService } from "./training/model-switch.service.js";
import { CurriculumCache } from "./personalisation/curriculum-cache.js";
import { PersonalisationService } from "./personalisation/personalisation.service.js";
import { PathReplanner } from "./personalisation/path-progress.js";
import { JobRunService } from "./jobs/job-run.service.js";
import { MetricGate } from "./training/gates.js";
import { FairnessAuditor } from "./audit/fairness-audit.service.js";
import { FairnessGate } from "./audit/fairness.gate.js";
import { AuditService } from "./audit/audit.service.js";
import { FairnessPolicyService } from "./audit/fairness-policy.service.js";
import type { TrainingPrivacyService } from "./audit/training-privacy.service.js";
import { PrivacyGate } from "./audit/privacy.gate.js";
import { ErasureService } from "./privacy/erasure.service.js";
import { RosterImportService } from "./roster/roster-import.service.js";
import { XapiCredentialService } from "./xapi/xapi-credential.service.js";
import { XapiDocumentService } from "./xapi/xapi-document.service.js";
import { decryptStatement, XapiStatementService } from "./xapi/xapi-statement.service.js";
import { XapiAttemptMapper } from "./xapi/xapi-attempt-mapper.js";
import { XapiMappingService } from "./xapi/xapi-mapping.service.js";
import { AgentHashers } from "./xapi/agent-identity.js";
import { xapiIndexKey } from "../persistence/xapi/xapi-index-key.store.js";
import { RetentionService } from "./privacy/retention.service.js";
import { AnalyticsService } from "./analytics/analytics.service.js";
import { AccessLogService } from "./access-log/access-log.service.js";
import { RecommendationLogService } from "./recommendation-log/recommendation-log.service.js";
import { OperationsService } from "./operations/operations.service.js";
import { ActivePolicies } from "./policy/active-policies.js";
import { PolicyServing } from "./policy/policy-serving.js";
import { PolicyTrainingService } from "./policy/policy-training.service.js";
import { PolicyVersionService } from "./policy/policy-version.service.js";

export interface Services {
  readonly deps: ServiceDeps;
  readonly schools: SchoolService;
  readonly cohorts: CohortService;
  readonly learners: LearnerService;
  readonly skills: SkillService;
  readonly tasks: TaskService;
  readonly goals: GoalService;
  readonly learningPaths: LearningPathService;
  readonly consents: ConsentService;
  readonly learnerAttributes: LearnerAttributeService;
  readonly mastery: MasteryService;
  readonly models: ModelVersionService;
  readonly attempts: AttemptService;
  /** The deferred path (ingestAttempts): acknowledged at once, applied to the learners' states after. */
  readonly ingest: AttemptIngestService;
  readonly pendingApplier: PendingApplier;
  readonly activeModels: ActiveModels;
  readonly activePolicies: ActivePolicies;
  readonly policyTraining: PolicyTrainingService;
  readonly policies: PolicyVersionService;
  readonly training: TrainingService;
  readonly retraining: RetrainService;
  readonly modelSwitch: ModelSwitchService;
  readonly personalisation: PersonalisationService;
  readonly jobs: JobRunService;
  readonly audits: AuditService;
  readonly fairnessPolicy: FairnessPolicyService;
  readonly trainingPrivacy: TrainingPrivacyService;
  readonly erasure: ErasureService;
  readonly roster: RosterImportService;
  readonly xapiCredentials: XapiCredentialService;
  readonly xapiStatements: XapiStatementService;
  readonly xapiDocuments: XapiDocumentService;
  readonly xapiMapping: XapiMappingService;
  readonly retention: RetentionService;
  readonly analytics: AnalyticsService;
  readonly accessLog: AccessLogService;
  readonly recommendationLog: RecommendationLogService;
  readonly operations: OperationsService;
}

export function createServices(base: ServiceDeps): Services {
  // Writes to the curriculum drop this process's compiled copy at once (others refresh within its TTL).
  const curriculum = new CurriculumCache(base.dataSource);
  const deps: ServiceDeps = { ...base, curriculumChanged: (schoolId) => curriculum.invalidate(schoolId) };
  const activeModels = new ActiveModels(deps.dataSource, deps.logger);
  const learnerModel = new LearnerModelService(activeModels);
  const goals = new GoalService(deps);
  const training = new TrainingService(deps, activeModels, learnerModel);
  // Reads apply a learner's pending attempts first (the deferred path's applier, made below with the attempts).
  const applyPending = (schoolId: string, learnerIds: readonly string[]) => pendingApplier.applyPendingOf(schoolId, learnerIds);
  const activePolicies = new ActivePolicies(deps.dataSource, deps.logger);
  const recommendationLog = new RecommendationLogService(deps);
  const personalisation = new PersonalisationService(
    deps,
    activeModels,
    curriculum,
    new PolicyServing(activePolicies),
    recommendationLog,
    applyPending,
  );
  const jobs = new JobRunService(deps);
  const { minGroupSize, rounds, requireAuditable } = deps.fairness ?? {};
  const fairness = new FairnessAuditor(deps, (schoolId) => curriculum.get(schoolId), {
    params: { ...(minGroupSize !== undefined ? { minGroupSize } : {}), ...(rounds !== undefined ? { rounds } : {}) },
    ...(requireAuditable !== undefined ? { requireAuditable } : {}),
  });
  const privacy = training.privacy;
  // Every promotion (a retraining's candidate, an admin's promoteModel) passes these.
  const gates = [new MetricGate(), new FairnessGate(fairness), new PrivacyGate(privacy)];
  const fairnessPolicy = new FairnessPolicyService(deps);
  // The xAPI agents' keyed hashes: one index key per database, loaded on first use.
  const agentHashers = new AgentHashers(() => xapiIndexKey(deps.dataSource.manager, deps.cipher));
  const replanner = new PathReplanner(curriculum, (actor, goalId) => personalisation.planPath(actor, goalId), deps.logger);
  const learners = new LearnerService(deps);
  const attempts = new AttemptService(deps, learnerModel, replanner);
  const pendingApplier: PendingApplier = new PendingApplier(deps, attempts, replanner, { delayMs: deps.applyDelayMs ?? 0 });
  const xapiMapper = new XapiAttemptMapper(
    deps,
    attempts,
    learners,
    agentHashers,
    (schoolId, id, enc) => decryptStatement(deps.cipher, schoolId, id, enc),
    deps.xapiAttemptVerbs,
  );
  return {
    deps,
    activeModels,
    activePolicies,
    policyTraining: new PolicyTrainingService(deps, activeModels, activePolicies, curriculum),
    policies: new PolicyVersionService(deps),
    training,
    retraining: new RetrainService(deps, activeModels, training, gates, undefined, fairnessPolicy),
    modelSwitch: new ModelSwitchService(deps, activeModels, training, jobs, gates),
    audits: new AuditService(deps, fairness, privacy, jobs),
    fairnessPolicy,
    trainingPrivacy: training.budgets,
    analytics: new AnalyticsService(deps),
    personalisation,
    schools: new SchoolService(deps),
    cohorts: new CohortService(deps),
    learners,
    skills: new SkillService(deps),
    tasks: new TaskService(deps),
    goals,
    learningPaths: new LearningPathService(deps, goals),
    consents: new ConsentService(deps),
    learnerAttributes: new LearnerAttributeService(deps),
    mastery: new MasteryService(deps, applyPending),
    models: new ModelVersionService(deps),
    attempts,
    ingest: new AttemptIngestService(deps, attempts, pendingApplier),
    pendingApplier,
    jobs,
    erasure: new ErasureService(deps),
    roster: new RosterImportService(deps),
    xapiCredentials: new XapiCredentialService(deps),
    xapiStatements: new XapiStatementService(deps, agentHashers, {
      mapper: xapiMapper,
      replay: (m, schoolId, learnerIds) => learnerModel.rebuildMany(m, schoolId, learnerIds),
    }),
    xapiMapping: new XapiMappingService(deps, xapiMapper, agentHashers),
    xapiDocuments: new XapiDocumentService(deps, agentHashers),
    retention: new RetentionService(deps, (schoolId) => training.rebuildStates(schoolId)),
    accessLog: new AccessLogService(deps, { flushMs: deps.accessLogFlushMs }),
    recommendationLog,
    operations: new OperationsService(deps.dataSource, activeModels, undefined, activePolicies),
  };
}

export type { ServiceDeps };
