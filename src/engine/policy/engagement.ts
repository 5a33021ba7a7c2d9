/**
 * The engagement model: after each attempt the learner may stop the session. The probability rises
 * when the task was far too hard or far too easy for them (params.ts `EngagementParams`):
 *
 *   h(p) = min(maxStop, d_u · (baseStop
 *                              + hardWeight · max(0, (tooHardBelow − p) / tooHardBelow)
 *                              + easyWeight · max(0, (p − tooEasyAbove) / (1 − tooEasyAbove))))
 *
 * p is the learner's TRUE success probability on the task at the moment of the attempt (the simulator's
 * answer probability: what the learner experiences, not what the engine predicts), d_u the learner
 * type's discouragement. A stop ends the session; the learner then comes back for the next session with
 * probability returnAfterStop (their type's), else drops out for good (episode.ts).
 */
import type { EngagementParams } from "./params.js";

/** h(p): the probability that the learner stops after an attempt of true success probability p. */
export function stopProbability(e: EngagementParams, p: number, discouragement: number): number {
  const hard = Math.max(0, (e.tooHardBelow - p) / e.tooHardBelow);
  const easy = Math.max(0, (p - e.tooEasyAbove) / (1 - e.tooEasyAbove));
  return Math.min(e.maxStop, discouragement * (e.baseStop + e.hardWeight * hard + e.easyWeight * easy));
}
