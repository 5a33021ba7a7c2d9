import { Actor, Role } from "../auth/actor.js";
import { requireRole } from "../auth/access-policy.js";
import { byId, Page, PageArgs, paginate } from "../common/pagination.js";
import { PolicyStatus, PolicyVersion } from "../../persistence/policy/policy-version.entity.js";
import { ServiceDeps } from "../service-deps.js";

export { PolicyStatus };

/** A policy version as it may be shown: everything but the policy file. */
export type PolicyVersionInfo = Omit<PolicyVersion, "policy" | "school">;

/** The school's learned policies, read-only, for admins (they are created by the train-policy job). */
export class PolicyVersionService {
  constructor(private readonly deps: ServiceDeps) {}

  async list(actor: Actor, filter: { status?: PolicyStatus | null }, page: PageArgs): Promise<Page<PolicyVersionInfo>> {
    requireRole(actor, Role.Admin);
    const qb = this.deps.dataSource.getRepository(PolicyVersion).createQueryBuilder("pv").where("pv.school_id = :s", { s: actor.schoolId });
    if (filter.status) qb.andWhere("pv.status = :status", { status: filter.status });
    return paginate(qb, byId("pv"), page, this.deps.maxPageSize);
  }
}
