/**
 * The membership-inference audit of a trained model: can an adversary who sees the model's predictions
 * tell the learners it was trained on from learners it was not? Two attacks, each scored on a seeded
 * sample of members (training learners) and non-members (held-out learners) by `scoreAttack`:
 *
 * - LOSS_THRESHOLD (Yeom, Giacomelli, Fredrikson & Jha 2018): score = −loss(u) — a model that remembers
 *   its training learners predicts their answers better — calibrated for each learner's difficulty by
 *   the shadow models that did not train on it when there are shadows (Watson et al. 2022:
 *   likelihood-ratio.ts `calibratedLossScores`); without the calibration, a held-out set that happens to
 *   hold harder learners reads as a leak;
 * - LIKELIHOOD_RATIO (LiRA, Carlini et al. 2022; likelihood-ratio.ts): shadow models of the same kind,
 *   trained on halves of the pooled sample, calibrate each learner's loss in and out of training.
 *
 * An attack fails the model when its AUC is further from 0.5 than `advantageThreshold` and its bootstrap
 * interval excludes 0.5 (material and significant). Both sides count: an AUC well below 0.5 means the
 * members' losses are *higher* (an over-confident memoriser), which the attack turned around exploits as
 * well — an adversary learns the direction from shadow models. Too few learners on a side: NOT_AUDITABLE, never a
 * pass. Pure: the trainer of the shadows is an argument, and so is the seed.
 */
import { predictSequences } from "../evaluation.js";
import { createRng } from "../math.js";
import type { Catalog, KnowledgeModel, Trace, TrainingSet } from "../types.js";
import { scoreAttack, type AttackResult } from "./attack.js";
import { learnerLosses } from "./learner-loss.js";
import { calibratedLossScores, likelihoodRatioScores } from "./likelihood-ratio.js";
import { resolveMembershipParams, type MembershipParams } from "./params.js";

export type MembershipAttack = "LOSS_THRESHOLD" | "LIKELIHOOD_RATIO";

export interface MembershipInput {
  readonly model: KnowledgeModel;
  readonly catalog: Catalog;
  /** The model's training learners and their traces. */
  readonly members: ReadonlyMap<string, readonly Trace[]>;
  /** Learners it was not trained on (held out). */
  readonly nonMembers: ReadonlyMap<string, readonly Trace[]>;
  /** Trains a shadow model like the audited one (its kind, its options); omitted: no likelihood-ratio attack. */
  readonly trainShadow?: (set: TrainingSet, seed: number) => Promise<KnowledgeModel>;
  readonly onProgress?: (fraction: number, message?: string) => void;
}

export interface AttackVerdict {
  readonly attack: MembershipAttack;
  readonly status: "PASS" | "FAIL" | "NOT_AUDITABLE";
  readonly reason: string;
  readonly result: AttackResult | null;
}

export interface MembershipAudit {
  readonly status: "PASSED" | "FAILED" | "NOT_AUDITABLE";
  readonly reason: string;
  /** Learners attacked per side (after sampling, with at least one attempt). */
  readonly members: number;
  readonly nonMembers: number;
  readonly attacks: readonly AttackVerdict[];
  readonly params: MembershipParams;
}

const sample = (ids: readonly string[], max: number, seed: number) => createRng(seed).shuffle(ids).slice(0, max);

function judgeAttack(attack: MembershipAttack, result: AttackResult | null, p: MembershipParams, why?: string): AttackVerdict {
  if (!result) return { attack, status: "NOT_AUDITABLE", reason: why ?? "no learner to score", result: null };
  const [lo, hi] = result.aucInterval;
  const advantage = Math.abs(result.auc - 0.5);
  const fmt = (x: number) => x.toFixed(3);
  const figures = `attack AUC ${fmt(result.auc)} [${fmt(lo)}, ${fmt(hi)}] on ${result.members} members and ${result.nonMembers} non-members`;
  const failed = advantage > p.advantageThreshold && (lo > 0.5 || hi < 0.5);
  return {
    attack,
    status: failed ? "FAIL" : "PASS",
    reason: failed
      ? `${attack}: ${figures} — ${result.auc > 0.5 ? "above" : "below"} chance by more than ${p.advantageThreshold}, significantly`
      : `${attack}: ${figures} — ${advantage > p.advantageThreshold ? "not significantly above chance" : `within ${p.advantageThreshold} of chance`}`,
    result,
  };
}

export async function auditMembership(input: MembershipInput, partial: Partial<MembershipParams> = {}): Promise<MembershipAudit> {
  const p = resolveMembershipParams(partial);
  const memberIds = sample([...input.members.keys()], p.maxLearners, p.seed);
  const nonMemberIds = sample([...input.nonMembers.keys()], p.maxLearners, p.seed + 1);
  // One pool, members first: learner index u < memberIds.length is a member.
  const pool = new Map<string, readonly Trace[]>([
    ...memberIds.map((id) => [id, input.members.get(id)!] as const),
    ...nonMemberIds.map((id) => [id, input.nonMembers.get(id)!] as const),
  ]);
  const ids = [...pool.keys()];
  const isMember = (u: number) => u < memberIds.length;
  const losses = (model: KnowledgeModel) => learnerLosses(predictSequences([model], pool)[0]!, ids.length, p.fromPosition);
  input.onProgress?.(0, "scoring the model's members and non-members");
  const target = losses(input.model);
  const counted = (side: (u: number) => boolean) => ids.filter((_, u) => side(u) && Number.isFinite(target[u]!)).length;
  const members = counted(isMember);
  const nonMembers = counted((u) => !isMember(u));
  const base = { members, nonMembers, params: p };
  if (members < p.minLearners || nonMembers < p.minLearners) {
    const reason = `too few learners to attack: ${members} members and ${nonMembers} non-members with attempts (at least ${p.minLearners} each)`;
    return { ...base, status: "NOT_AUDITABLE", reason, attacks: [] };
  }
  const split = (scores: ArrayLike<number>) => [
    ids.map((_, u) => scores[u]!).filter((_, u) => isMember(u)),
    ids.map((_, u) => scores[u]!).filter((_, u) => !isMember(u)),
  ];
  const opts = { bootstrap: p.bootstrap, alpha: p.alpha, seed: p.seed };
  const pairs = Math.floor(p.shadows / 2);
  const shadowLoss: Float64Array[] = [];
  const trainedOn: Uint8Array[] = [];
  if (input.trainShadow && pairs > 0) {
    const rng = createRng(p.seed + 2);
    for (let j = 0; j < pairs; j++) {
      const order = rng.shuffle(ids.map((_, u) => u));
      const half = new Uint8Array(ids.length);
      for (const u of order.slice(0, Math.floor(ids.length / 2))) half[u] = 1;
      for (const side of [half, half.map((x) => 1 - x)]) {
        const k = shadowLoss.length;
        input.onProgress?.((0.1 + 0.85 * k) / (2 * pairs), `training shadow model ${k + 1} of ${2 * pairs}`);
        const sequences = new Map(ids.filter((_, u) => side[u] === 1).map((id) => [id, pool.get(id)!] as const));
        const shadow = await input.trainShadow({ catalog: input.catalog, sequences }, p.seed + 100 + k);
        shadowLoss.push(losses(shadow));
        trainedOn.push(side);
      }
    }
  }
  const shadows = shadowLoss.length > 0;
  // With shadows the loss is calibrated for each learner's difficulty; without, it is the raw loss.
  const lossScores = shadows ? calibratedLossScores(target, shadowLoss, trainedOn) : Float64Array.from(target, (l) => -l);
  const [mLoss, oLoss] = split(lossScores);
  const attacks: AttackVerdict[] = [judgeAttack("LOSS_THRESHOLD", scoreAttack(mLoss!, oLoss!, opts), p)];
  if (shadows) {
    const [mLr, oLr] = split(likelihoodRatioScores(target, shadowLoss, trainedOn));
    attacks.push(judgeAttack("LIKELIHOOD_RATIO", scoreAttack(mLr!, oLr!, { ...opts, seed: p.seed + 3 }), p));
  } else {
    attacks.push(
      judgeAttack(
        "LIKELIHOOD_RATIO",
        null,
        p,
        input.trainShadow ? "no shadow models (shadows: 0)" : "no trainer for shadow models of this kind",
      ),
    );
  }
  input.onProgress?.(1, "done");
  const failed = attacks.filter((a) => a.status === "FAIL");
  const passed = attacks.filter((a) => a.status === "PASS");
  return {
    ...base,
    attacks,
    status: failed.length ? "FAILED" : passed.length ? "PASSED" : "NOT_AUDITABLE",
    reason: failed.length
      ? failed.map((a) => a.reason).join("; ")
      : passed.length
        ? `no attack tells members from non-members: ${passed.map((a) => a.reason).join("; ")}`
        : attacks.map((a) => a.reason).join("; "),
  };
}
