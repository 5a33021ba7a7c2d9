/** Per-request loader of a learner's consents (batched, scoped). Spread into `createLoaders`. */
import DataLoader from "dataloader";
import type { Actor } from "../../services/auth/actor.js";
import type { Services } from "../../services/index.js";
import type { Consent } from "../../persistence/learner/consent.entity.js";

export function createConsentLoaders(services: Services, actor: () => Actor) {
  return {
    consentsOfLearner: new DataLoader<string, Consent[]>(async (ids) => {
      const map = await services.consents.consentsOf(actor(), ids);
      return ids.map((id) => map.get(id) ?? []);
    }),
  };
}
