/**
 * Phase 2 of bench:privacy — the membership-inference audit (src/engine/privacy) on a public data set
 * with its fixed learner split (bench/lib/data.ts, as bench:kt reads it):
 *
 * 1. Meta trained on the train learners (as bench:kt trains it), audited with the train learners as
 *    members and the test learners as non-members, shadows = Meta fitted to each shadow's half;
 * 2. the positive control: `memorisingModel` on top of that same Meta (one fitted logit offset per
 *    train learner), its shadows the memoriser on a Meta fitted to the shadow's half.
 *
 * Default audit parameters (params.ts). The two audits draw the same members, non-members and shadow
 * halves (same seed, same learners), so the memoriser's shadow Metas are the first audit's — fitted
 * once, reused (the cache below; its time is counted in the first audit only, and said so).
 */
import { basename, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { backendStatus, initBackend } from "../../src/engine/backend.js";
import { auditMembership, DEFAULT_MEMBERSHIP_PARAMS, memorisingModel, type MembershipAudit } from "../../src/engine/privacy/index.js";
import { trainers } from "../../src/engine/registry.js";
import type { KnowledgeModel, TrainingSet } from "../../src/engine/types.js";
import { predictSequences, scorePredictions } from "../../src/engine/evaluation.js";
import { fitPrivately, type LadderStep } from "../../src/services/training/private-fit.js";
import { DEFAULT_TASK_INFLUENCE_LADDER } from "../../src/services/training/training-options.js";
import { loadKtDataset } from "../lib/data.js";
import type { Log } from "../api/database.js";

export interface AuditFigures {
  readonly model: string;
  readonly status: MembershipAudit["status"];
  readonly reason: string;
  readonly members: number;
  readonly nonMembers: number;
  readonly attacks: {
    attack: string;
    status: string;
    auc: number | null;
    ci: readonly [number, number] | null;
    advantage: number | null;
  }[];
  /** Wall seconds of the audit (its shadow trainings included, unless reused). */
  readonly seconds: number;
  readonly shadowFitsSeconds: number;
  readonly shadowFitsReused: number;
}

export interface MiaPhase {
  readonly dataset: string;
  readonly backend: string;
  readonly trainLearners: number;
  readonly testLearners: number;
  readonly trainSeed: number;
  readonly metaTrainSeconds: number;
  readonly params: typeof DEFAULT_MEMBERSHIP_PARAMS;
  readonly meta: AuditFigures;
  readonly memoriser: AuditFigures;
  /** What the issue asks: the audit passes Meta and fails the memoriser. */
  readonly expected: { metaPasses: boolean; memoriserFails: boolean };
  /**
   * Meta as the product trains it (services/training/private-fit.ts): the task-influence ladder climbed
   * until the audit passes; the test learners' AUC of the unconstrained fit and of the kept one.
   */
  readonly product: {
    readonly ladder: readonly LadderStep[];
    readonly kept: number;
    readonly passes: boolean;
    readonly testAuc: { readonly unconstrained: number; readonly kept: number };
    readonly seconds: number;
  };
}

const secondsSince = (t: number) => (performance.now() - t) / 1000;

/** Meta fitted to a shadow's half, once per (seed, learners): both audits draw the same halves. */
function shadowMetas(log: Log) {
  const cache = new Map<string, KnowledgeModel>();
  const stats = { fits: 0, reused: 0, seconds: 0 };
  const fit = async (set: TrainingSet, seed: number) => {
    const key = `${seed}:${[...set.sequences.keys()].sort().join(",")}`;
    const hit = cache.get(key);
    if (hit) {
      stats.reused++;
      return hit;
    }
    const t = performance.now();
    const model = await trainers.meta!.fit(set, { seed });
    stats.seconds += secondsSince(t);
    stats.fits++;
    log(`  shadow Meta ${stats.fits} (${set.sequences.size} learners) fitted in ${secondsSince(t).toFixed(1)} s`);
    cache.set(key, model);
    return model;
  };
  return { fit, stats };
}

function figures(
  model: string,
  audit: MembershipAudit,
  seconds: number,
  shadowFitsSeconds: number,
  shadowFitsReused: number,
): AuditFigures {
  return {
    model,
    status: audit.status,
    reason: audit.reason,
    members: audit.members,
    nonMembers: audit.nonMembers,
    attacks: audit.attacks.map((a) => ({
      attack: a.attack,
      status: a.status,
      auc: a.result?.auc ?? null,
      ci: a.result?.aucInterval ?? null,
      advantage: a.result?.advantage ?? null,
    })),
    seconds,
    shadowFitsSeconds,
    shadowFitsReused,
  };
}

export async function miaPhase(data: string, trainSeed: number, log: Log): Promise<MiaPhase> {
  const backend = await initBackend();
  for (const w of backendStatus().warnings) log(`backend: ${w}`);
  const folder = resolve(data);
  const set = loadKtDataset(folder, basename(folder));
  log(`${set.name}: ${set.train.sequences.size} train learners, ${set.test.sequences.size} test learners (backend ${backend})`);

  let t = performance.now();
  const meta = await trainers.meta!.fit(set.train, { seed: trainSeed });
  const metaTrainSeconds = secondsSince(t);
  log(`Meta trained on the train learners in ${metaTrainSeconds.toFixed(1)} s`);

  const shadows = shadowMetas(log);
  const input = { catalog: set.catalog, members: set.train.sequences, nonMembers: set.test.sequences };
  const progress = (what: string) => (f: number, m?: string) => log(`  ${what} ${Math.round(f * 100)} %${m ? `: ${m}` : ""}`);

  log("auditing Meta (members: train learners; non-members: test learners)");
  t = performance.now();
  const metaAudit = await auditMembership({ ...input, model: meta, trainShadow: shadows.fit, onProgress: progress("Meta audit") });
  const metaFigures = figures("Meta", metaAudit, secondsSince(t), shadows.stats.seconds, 0);
  log(`Meta: ${metaAudit.status} — ${metaAudit.reason}`);

  log("auditing the memoriser on that Meta (one fitted offset per train learner)");
  t = performance.now();
  const memoriser = memorisingModel(meta, set.train);
  const before = { ...shadows.stats };
  const memoAudit = await auditMembership({
    ...input,
    model: memoriser,
    trainShadow: async (half, seed) => memorisingModel(await shadows.fit(half, seed), half),
    onProgress: progress("memoriser audit"),
  });
  const memoFigures = figures(
    "memoriser (Meta + one offset per train learner)",
    memoAudit,
    secondsSince(t),
    shadows.stats.seconds - before.seconds,
    shadows.stats.reused - before.reused,
  );
  log(`memoriser: ${memoAudit.status} — ${memoAudit.reason}`);

  log("Meta as the product trains it: the task-influence ladder, each rung audited (shadows with its κ)");
  t = performance.now();
  const fitted = await fitPrivately({
    trainer: trainers.meta!,
    kind: "meta",
    train: set.train,
    heldOut: set.test,
    fit: { seed: trainSeed },
    ladder: DEFAULT_TASK_INFLUENCE_LADDER,
    audit: (model, options) =>
      auditMembership({ ...input, model, trainShadow: (half, seed) => trainers.meta!.fit(half, { ...options, seed }) }),
    onStep: (o) => log(`  rung κ = ${o.taskInfluenceLearners}`),
  });
  const testAuc = (m: KnowledgeModel) => scorePredictions(predictSequences([m], set.test.sequences)[0]!).auc;
  const product = {
    ladder: fitted.ladder,
    kept: fitted.trainingOptions.taskInfluenceLearners,
    passes: fitted.membership?.status !== "FAILED",
    testAuc: { unconstrained: testAuc(meta), kept: testAuc(fitted.model) },
    seconds: secondsSince(t),
  };
  log(
    `product training: κ = ${product.kept}, ${product.passes ? "passes" : "fails"}; test AUC ${product.testAuc.kept.toFixed(4)} (unconstrained ${product.testAuc.unconstrained.toFixed(4)})`,
  );

  return {
    product,
    dataset: set.name,
    backend,
    trainLearners: set.train.sequences.size,
    testLearners: set.test.sequences.size,
    trainSeed,
    metaTrainSeconds,
    params: metaAudit.params,
    meta: metaFigures,
    memoriser: memoFigures,
    expected: { metaPasses: metaAudit.status === "PASSED", memoriserFails: memoAudit.status === "FAILED" },
  };
}
