/**
 * The task-influence ladder every training of the product climbs (private-fit.ts): the κ values tried
 * in turn for Meta, from ZPD_PRIVACY_TASK_INFLUENCE (default 0, 100, 250, 1000; one value: always that κ).
 */
import type { ServiceDeps } from "../service-deps.js";

export const DEFAULT_TASK_INFLUENCE_LADDER: readonly number[] = [0, 100, 250, 1000];

export function taskInfluenceLadder(deps: Pick<ServiceDeps, "privacy">): readonly number[] {
  return deps.privacy?.taskInfluenceLadder ?? DEFAULT_TASK_INFLUENCE_LADDER;
}
