/** Every job, by name. The worker runs them; `npm run job -- <name>` runs one now. */
import type { JobDefinition } from "./job.js";
import { retrain } from "./retrain.js";
import { rebuildStates } from "./rebuild-states.js";
import { nightlyRetrain } from "./nightly-retrain.js";
import { promoteModel } from "./promote-model.js";
import { rollbackModel } from "./rollback-model.js";
import { fairnessAudit, privacyAudit } from "./model-audit.js";
import { weeklyAudits } from "./weekly-audits.js";
import { retention } from "./retention.js";
import { trainPolicy } from "./train-policy.js";

export const JOBS: readonly JobDefinition[] = [
  retrain,
  rebuildStates,
  nightlyRetrain,
  promoteModel,
  rollbackModel,
  fairnessAudit,
  privacyAudit,
  weeklyAudits,
  retention,
  trainPolicy,
];

export const jobByName = (name: string): JobDefinition | undefined => JOBS.find((j) => j.name === name);

export {
  retrain,
  rebuildStates,
  nightlyRetrain,
  promoteModel,
  rollbackModel,
  fairnessAudit,
  privacyAudit,
  weeklyAudits,
  retention,
  trainPolicy,
};
export * from "./job.js";
