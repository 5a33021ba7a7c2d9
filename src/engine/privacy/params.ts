/**
 * The membership-inference audit's parameters: one object with documented defaults, validated
 * (options.ts). The attack is the adversary; the threshold is the policy: a model fails when an attack
 * tells its training learners from held-out ones better than chance by more than `advantageThreshold`
 * in AUC (|AUC − 0.5|), and significantly so (the bootstrap interval excludes 0.5).
 */
import { mergeOptions, optionChecks } from "../options.js";

export interface MembershipParams {
  /** The attack's |AUC − 0.5| above which (significantly) the model fails. */
  readonly advantageThreshold: number;
  /** Two-sided level of the bootstrap interval of the attack AUC. */
  readonly alpha: number;
  /** Bootstrap resamples of the attack AUC. */
  readonly bootstrap: number;
  /** Seed of the sampling, the shadow models' splits and the bootstrap. */
  readonly seed: number;
  /** Fewer learners on either side: NOT_AUDITABLE. */
  readonly minLearners: number;
  /** At most this many learners per side are attacked (a seeded sample: the audit's cost is bounded). */
  readonly maxLearners: number;
  /** Shadow models of the likelihood-ratio attack, trained in complementary pairs: even (0: the loss-threshold attack only). */
  readonly shadows: number;
  /** Attempts from this 1-based position on enter a learner's loss (the first has no history to remember). */
  readonly fromPosition: number;
}

export const DEFAULT_MEMBERSHIP_PARAMS: MembershipParams = {
  advantageThreshold: 0.05,
  alpha: 0.05,
  bootstrap: 1000,
  seed: 1,
  minLearners: 20,
  maxLearners: 400,
  shadows: 4,
  fromPosition: 1,
};

export function resolveMembershipParams(partial: Partial<MembershipParams> = {}): MembershipParams {
  const p = mergeOptions(DEFAULT_MEMBERSHIP_PARAMS, partial);
  const { integer, range } = optionChecks("membership", p);
  range("advantageThreshold", 0, 0.5);
  range("alpha", 0, 1, { lo: true, hi: true });
  integer("bootstrap", 0, 100_000);
  integer("seed", 0);
  integer("minLearners", 2);
  integer("maxLearners", 2);
  integer("shadows", 0, 64);
  if (p.shadows % 2 !== 0)
    optionChecks("membership", p).fail("shadows", p.shadows, "must be even (shadows are trained in complementary pairs)");
  integer("fromPosition", 1);
  if (p.maxLearners < p.minLearners) optionChecks("membership", p).fail("maxLearners", p.maxLearners, "must be ≥ minLearners");
  return p;
}
