/** Per-request loader of model versions by id (batched, school-scoped). Spread into `createLoaders`. */
import DataLoader from "dataloader";
import type { Actor } from "../../services/auth/actor.js";
import type { Services } from "../../services/index.js";
import type { ModelVersionInfo } from "../../services/model/model-version.service.js";

export function createModelLoaders(services: Services, actor: () => Actor) {
  return {
    modelVersion: new DataLoader<string, ModelVersionInfo | null>(async (ids) => {
      const map = new Map((await services.models.byIds(actor(), ids)).map((r) => [r.id, r]));
      return ids.map((id) => map.get(id) ?? null);
    }),
  };
}
