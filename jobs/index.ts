/** Every job, by name. The worker runs them; `npm run job -- <name>` runs one now. */
import type { JobDefinition } from "./job.js";
import { retrain } from "./retrain.js";
import { rebuildStates } from "./rebuild-states.js";
import { nightlyRetrain } from "./nightly-retrain.js";

export const JOBS: readonly JobDefinition<any>[] = [retrain, rebuildStates, nightlyRetrain];

export const jobByName = (name: string): JobDefinition<any> | undefined => JOBS.find((j) => j.name === name);

export { retrain, rebuildStates, nightlyRetrain };
export * from "./job.js";
