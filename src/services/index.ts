/** The service container: one instance of each use-case service, built from the same dependencies. */
import { ServiceDeps } from "./service-deps.js";
import { SchoolService } from "./school/school.service.js";
import { CohortService } from "./cohort/cohort.service.js";
import { LearnerService } from "./learner/learner.service.js";

export interface Services {
  readonly deps: ServiceDeps;
  readonly schools: SchoolService;
  readonly cohorts: CohortService;
  readonly learners: LearnerService;
}

export function createServices(deps: ServiceDeps): Services {
  return {
    deps,
    schools: new SchoolService(deps),
    cohorts: new CohortService(deps),
    learners: new LearnerService(deps),
  };
}

export type { ServiceDeps };
