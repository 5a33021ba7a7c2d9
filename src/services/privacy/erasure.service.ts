/**
 * Erasure of a learner (the right to erasure): every row keyed to it removed in ONE transaction
 * (persistence/privacy/learner-rows.ts lists them), and a receipt written in the same transaction with
 * no personal data — a keyed hash of the id (learner-hash.ts), when, by whom, the rows removed per
 * table, and the model versions trained on the learner, which are marked (`erased_learners`) and
 * listed as to retrain: their weights still encode what they learnt from it.
 *
 * Erasing again finds the receipt by the hash and returns it unchanged. An unknown learner, or one of
 * another school, is NOT_FOUND and nothing is written. The next retraining cannot see the learner:
 * its attempts and consents are gone (a retraining that read its snapshot before fails to record it
 * as trained on — the foreign key — and is retried on the data as it is then).
 */
import { Actor, Role } from "../auth/actor.js";
import { requireRole } from "../auth/access-policy.js";
import { BadInputError, NotFoundError } from "../common/domain-error.js";
import { withConflictRetry } from "../common/transaction-retry.js";
import { isUuid, uuidv7 } from "../../shared/ids.js";
import { ErasureReceipt } from "../../persistence/privacy/erasure-receipt.entity.js";
import { eraseLearnerRows, lockLearner, markTrainedOnErased, versionsTrainedOn } from "../../persistence/privacy/learner-rows.js";
import type { ServiceDeps } from "../service-deps.js";
import { erasureKeyId, learnerHash } from "./learner-hash.js";

export interface ErasureRequest {
  readonly learnerId: string;
  /** The learner's school; null: whichever it is (the operator's command). */
  readonly schoolId: string | null;
  /** Who asks: the token's subject, or the command's name. */
  readonly by: string;
}

export class ErasureService {
  constructor(private readonly deps: ServiceDeps) {}

  /** An admin erases a learner of their school (GraphQL `eraseLearner`). */
  eraseLearner(actor: Actor, learnerId: string): Promise<ErasureReceipt> {
    requireRole(actor, Role.Admin);
    return this.erase({ learnerId, schoolId: actor.schoolId, by: actor.subject });
  }

  /** Erases the learner, or returns the receipt of its earlier erasure; NOT_FOUND when neither exists. */
  async erase(req: ErasureRequest): Promise<ErasureReceipt> {
    if (!isUuid(req.learnerId)) throw new BadInputError(`learnerId must be a UUID`, { argument: "learnerId" });
    const key = this.deps.erasureKey;
    if (!key) throw new Error("erasure needs the server's erasure key (ServiceDeps.erasureKey)");
    const learnerId = req.learnerId.toLowerCase();
    const hash = learnerHash(key, learnerId);
    const written = await withConflictRetry(
      () =>
        this.deps.dataSource.transaction(async (m) => {
          const learner = await lockLearner(m, learnerId, req.schoolId);
          if (!learner) return null;
          const toRetrain = await versionsTrainedOn(m, learnerId);
          const rowCounts = await eraseLearnerRows(m, learnerId);
          await markTrainedOnErased(
            m,
            toRetrain.map((v) => v.modelVersionId),
          );
          const receipt = m.create(ErasureReceipt, {
            id: uuidv7(),
            schoolId: learner.schoolId,
            learnerHash: hash,
            keyId: erasureKeyId(key),
            erasedAt: new Date(),
            erasedBy: req.by,
            rowCounts,
            modelsToRetrain: toRetrain,
          });
          return m.save(receipt);
        }),
      "erasing a learner",
    );
    if (written) {
      const rows = Object.values(written.rowCounts).reduce((a, n) => a + n, 0);
      // The receipt's id, never the learner's: logs carry no personal data.
      this.deps.logger.info(
        { receipt: written.id, schoolId: written.schoolId, rows, modelsToRetrain: written.modelsToRetrain.length },
        "learner erased",
      );
      return written;
    }
    // A receipt written before a key rotation carries the hash under its own key: every key held is tried.
    const hashes = [hash, ...(this.deps.previousErasureKeys ?? []).map((k) => learnerHash(k, learnerId))];
    const earlier = await this.deps.dataSource
      .getRepository(ErasureReceipt)
      .findOneBy(hashes.map((learnerHash) => (req.schoolId ? { learnerHash, schoolId: req.schoolId } : { learnerHash })));
    if (!earlier) throw new NotFoundError("Learner", learnerId);
    return earlier;
  }
}
