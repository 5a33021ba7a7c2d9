/**
 * demographics.csv into learner attributes (roster-plan.ts DEMOGRAPHIC_ATTRIBUTES), inside the import's
 * transaction: only when the import opted in, only for learners the roster linked, written by the
 * attribute service (encrypted, checked as `setLearnerAttribute` is). A row is its user's whole record:
 * the attributes it states are set, those it leaves empty are removed; a `tobedeleted` row removes all
 * three. For the fairness audit only (docs/fairness.md): never the model, never analytics.
 */
import type { EntityManager } from "typeorm";
import { inSchool } from "../../persistence/roster/roster-links.store.js";
import type { LearnerAttributeService } from "../learner-attribute/learner-attribute.service.js";
import { DEMOGRAPHIC_ATTRIBUTES, type PlannedDemographics } from "./roster-plan.js";

export interface AttributeCounts {
  created: number;
  updated: number;
  unchanged: number;
  deleted: number;
}

export async function writeDemographics(
  m: EntityManager,
  attributes: LearnerAttributeService,
  rows: readonly PlannedDemographics[],
  schoolIds: readonly string[],
  learners: ReadonlyMap<string, string>,
  counts: AttributeCounts,
  elsewhere: () => void,
  touched: Set<string>,
): Promise<void> {
  for (const d of rows) {
    const found = schoolIds.map((s) => [s, learners.get(inSchool(s, d.sourcedId))] as const).filter(([, id]) => id !== undefined);
    if (found.length === 0) {
      elsewhere(); // a user of another school, or one that is not a student
      continue;
    }
    const values = d.status === "active" ? d.attributes : {};
    for (const [schoolId, learnerId] of found) {
      const changed = await attributes.replaceSome(m, schoolId, learnerId!, DEMOGRAPHIC_ATTRIBUTES, values);
      counts.created += changed.created;
      counts.updated += changed.updated;
      counts.unchanged += changed.unchanged;
      counts.deleted += changed.deleted;
      if (changed.created + changed.updated + changed.deleted > 0) touched.add(learnerId!);
    }
  }
}
