/**
 * What the operator's endpoints read (api/ops/): readiness, the active model versions, the connection
 * pool's usage, the engine's TensorFlow.js backend.
 *
 * Readiness (GET /readyz) is four checks, in order, within READY_BUDGET_MS in all:
 * - `database`: a `SELECT 1` answers (one probe at a time: a probe never queues behind its own
 *   earlier, stuck one, and never takes a second connection from the pool for it);
 * - `migrations`: none of this build's migrations is pending (asked until the answer is "applied",
 *   then remembered: migrations only go forward);
 * - `models`: every school's active model is loaded in memory — the first probe starts loading them
 *   (ActiveModels.warmUp), later probes wait for the same load, and once it is done the check stays
 *   passed (a model promoted later is loaded by its first request, as always: a nightly promotion never
 *   takes a server out of rotation). A school without an active model is served without one (NO_MODEL)
 *   and does not hold readiness back; nor does a model this build cannot read (its school is served
 *   without a model, logged at error when it is met): it would be unreadable on every server, and
 *   failing them all would take every school down for one;
 * - `policies`: every school's active learned policy is loaded the same way (ActivePolicies.warmUp); an
 *   unreadable policy file does not hold readiness back (POLICY answers fall back to ZPD and say why).
 */
import type { DataSource } from "typeorm";
import type { ActivePolicies } from "../policy/active-policies.js";
import { backendName } from "../../engine/backend.js";
import { type ActiveModels, activeVersions, type WarmUp } from "../personalisation/active-models.js";
import { type PoolUsage, poolUsage } from "../../persistence/pool-usage.js";

export const READY_BUDGET_MS = 900;

export type ReadinessCheck = "database" | "migrations" | "models" | "policies";

export interface CheckOutcome {
  readonly ok: boolean;
  readonly detail: string;
}

export interface Readiness {
  readonly ready: boolean;
  /** The first check that failed (the others after it are not run). */
  readonly failing: ReadinessCheck | null;
  readonly checks: Partial<Record<ReadinessCheck, CheckOutcome>>;
}

const TIMED_OUT = Symbol("timed out");

/** `p`, or TIMED_OUT after `ms` (p goes on; its outcome is then ignored). */
async function within<T>(p: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), Math.max(0, ms));
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const reason = (e: unknown) => ((e as { code?: string })?.code ? `error ${(e as { code: string }).code}` : "error");

export class OperationsService {
  private migrationsApplied = false;
  private probe: Promise<unknown> | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly models: ActiveModels,
    private readonly budgetMs = READY_BUDGET_MS,
    /** The schools' active learned policies, loaded with the models (absent: not loaded at start). */
    private readonly policies?: ActivePolicies,
  ) {}

  async readiness(): Promise<Readiness> {
    const deadline = Date.now() + this.budgetMs;
    const left = () => deadline - Date.now();
    const checks: Partial<Record<ReadinessCheck, CheckOutcome>> = {};
    const fail = (check: ReadinessCheck, detail: string): Readiness => {
      checks[check] = { ok: false, detail };
      return { ready: false, failing: check, checks };
    };

    this.probe ??= this.dataSource.query("SELECT 1").finally(() => {
      this.probe = null;
    });
    try {
      if ((await within(this.probe, left())) === TIMED_OUT) return fail("database", `no answer within ${this.budgetMs} ms`);
    } catch (e) {
      return fail("database", `unreachable (${reason(e)})`);
    }
    checks.database = { ok: true, detail: "answers" };

    if (!this.migrationsApplied) {
      try {
        const pending = await within(this.dataSource.showMigrations(), left());
        if (pending === TIMED_OUT) return fail("migrations", "not checked in time");
        if (pending) return fail("migrations", "pending: run `npm run migrate` (or start one server, which migrates)");
        this.migrationsApplied = true;
      } catch (e) {
        return fail("migrations", `not checked (${reason(e)})`);
      }
    }
    checks.migrations = { ok: true, detail: "applied" };

    let loaded: WarmUp | typeof TIMED_OUT;
    try {
      loaded = await within(this.models.warmUp(), left());
    } catch (e) {
      return fail("models", `the model registry could not be read (${reason(e)})`);
    }
    if (loaded === TIMED_OUT) return fail("models", "loading the schools' active models");
    checks.models = {
      ok: true,
      detail: `${loaded.schools} school(s) with an active model, loaded${loaded.unreadable ? `; ${loaded.unreadable} unreadable by this build (served without a model)` : ""}`,
    };
    if (this.policies) {
      let policies: number | typeof TIMED_OUT;
      try {
        policies = await within(this.policies.warmUp(), left());
      } catch (e) {
        return fail("policies", `the policy registry could not be read (${reason(e)})`);
      }
      if (policies === TIMED_OUT) return fail("policies", "loading the schools' active learned policies");
      checks.policies = { ok: true, detail: `${policies} school(s) with an active learned policy, loaded` };
    }
    return { ready: true, failing: null, checks };
  }

  /** Every school's active model version (one read; /metrics). */
  activeVersions(): Promise<{ schoolId: string; version: number; kind: string }[]> {
    return activeVersions(this.dataSource.manager);
  }

  /** The database connection pool's usage (null when closed). */
  poolUsage(): PoolUsage | null {
    return poolUsage(this.dataSource);
  }

  /** The TensorFlow.js backend in use ("" until this process first trains a model: serving needs none). */
  engineBackend(): string {
    return backendName();
  }
}
