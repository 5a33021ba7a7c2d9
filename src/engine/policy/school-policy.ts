/**
 * Training a school's policy and its gate (issue 19 item 4): simulated schools on the school's own
 * curriculum with its active knowledge model as the observation model (curriculum-school.ts), split
 * into training schools and held-out schools (other seeds, never trained or tuned on).
 *
 *   1. the ZPD band is tuned on the training schools (tune.ts): the strongest heuristic;
 *   2. the policy is trained there with PPO, warm-started by imitating the tuned rule (ppo.ts);
 *   3. the gate: both run the same held-out episodes (same schools, learners, goals and environment
 *      seeds); the policy passes when its mean episode return (true goal mastery gained − the attempts'
 *      cost + sessions continued, episode.ts) is above the tuned rule's AND it keeps as many learners
 *      engaged to the end of the budget: the paired difference of engagement (policy − rule, per episode
 *      1, 0 or −1) may fall below 0 by at most its standard error, the noise of the gate's episodes — a
 *      policy that is faster by losing learners does not go live. The figures are kept either way.
 * Pure and seeded: the same curriculum, model, options and seed give the same policy and verdict.
 */
import { createRng, meanWithStandardError } from "../math.js";
import type { CompiledCurriculum, CurriculumGraph } from "../recommend/index.js";
import type { KnowledgeModel } from "../types.js";
import { curriculumFingerprint, curriculumPolicySchool, type CurriculumSchoolOptions } from "./curriculum-school.js";
import { type EpisodeResult, runEpisode } from "./episode.js";
import type { LearnedPolicy } from "./learned.js";
import type { SequencingPolicy, ZpdBand } from "./policies.js";
import { type PolicyTrainingOptions, trainPolicy } from "./ppo.js";
import { type BandGridOptions, tuneZpdBand } from "./tune.js";

export interface SchoolPolicyOptions {
  readonly seed: number;
  /** Simulated schools trained and tuned on. Default 3. */
  readonly trainingSchools: number;
  /** Simulated schools of the gate (other seeds). Default 2. */
  readonly heldOutSchools: number;
  /** Episodes per held-out school in the gate. Default 48. */
  readonly gateEpisodes: number;
  readonly training: Partial<PolicyTrainingOptions>;
  readonly grid: Partial<BandGridOptions>;
  readonly school: Partial<CurriculumSchoolOptions>;
  readonly onProgress?: (fraction: number, message: string) => void;
}

/** One side of the gate: a policy's figures on the held-out episodes. */
export interface GateFigures {
  readonly meanReturn: number;
  /** Median attempts until the goal was truly mastered (censored episodes count as maxAttempts). */
  readonly medianAttemptsToMastery: number;
  /** Share of episodes whose learner made the budget's attempts. */
  readonly engaged: number;
}

export interface PolicyGateVerdict {
  readonly passed: boolean;
  readonly policy: GateFigures;
  readonly tunedZpd: GateFigures;
  /** Mean of the paired differences of return (policy − tuned ZPD) and its standard error. */
  readonly difference: number;
  readonly standardError: number;
  /** Mean of the paired differences of engagement to the end of the budget (policy − tuned ZPD) and its standard error. */
  readonly engagementDifference: number;
  readonly engagementStandardError: number;
  /** Why the gate refused the policy: "RETURN" (not above the rule's), "ENGAGEMENT" (fewer learners kept), or null. */
  readonly refusedFor: "RETURN" | "ENGAGEMENT" | null;
  readonly episodes: number;
  readonly band: ZpdBand;
}

export interface SchoolPolicy {
  readonly policy: LearnedPolicy;
  readonly verdict: PolicyGateVerdict;
  /** The curriculum it was trained for (curriculumFingerprint of the curriculum given). */
  readonly fingerprint: string;
  readonly seconds: number;
}

function figures(results: readonly EpisodeResult[], maxAttempts: number): GateFigures {
  const n = results.length;
  const attempts = results.map((r) => r.attemptsToMastery ?? maxAttempts).sort((a, b) => a - b);
  const median = n === 0 ? 0 : n % 2 ? attempts[(n - 1) / 2]! : (attempts[n / 2 - 1]! + attempts[n / 2]!) / 2;
  return {
    meanReturn: results.reduce((s, r) => s + r.totalReward, 0) / Math.max(1, n),
    medianAttemptsToMastery: median,
    engaged: results.filter((r) => r.engagedAtBudget).length / Math.max(1, n),
  };
}

/**
 * The gate's verdict from the same held-out episodes run by the policy (`mine`) and by the tuned rule
 * (`theirs`), paired by index: passed when the mean paired difference of return is above 0 and that of
 * engagement is not below 0 by more than its standard error.
 */
export function judgeGate(
  mine: readonly EpisodeResult[],
  theirs: readonly EpisodeResult[],
  maxAttempts: number,
  band: ZpdBand,
): PolicyGateVerdict {
  const ret = meanWithStandardError(mine.map((r, i) => r.totalReward - theirs[i]!.totalReward));
  const engaged = meanWithStandardError(mine.map((r, i) => Number(r.engagedAtBudget) - Number(theirs[i]!.engagedAtBudget)));
  const refusedFor = !(ret.mean > 0) ? "RETURN" : engaged.mean + engaged.standardError < 0 ? "ENGAGEMENT" : null;
  return {
    passed: refusedFor === null,
    policy: figures(mine, maxAttempts),
    tunedZpd: figures(theirs, maxAttempts),
    difference: ret.mean,
    standardError: ret.standardError,
    engagementDifference: engaged.mean,
    engagementStandardError: engaged.standardError,
    refusedFor,
    episodes: mine.length,
    band,
  };
}

export async function trainSchoolPolicy(
  curriculum: CurriculumGraph | CompiledCurriculum,
  model: KnowledgeModel,
  options: Partial<SchoolPolicyOptions> & { seed: number },
): Promise<SchoolPolicy> {
  const began = Date.now();
  const report = options.onProgress ?? (() => {});
  const rng = createRng(options.seed ^ 0x51ed_2701);
  const seeds = (n: number) => Array.from({ length: n }, () => rng.int(2 ** 31 - 1));
  const make = (seed: number) => curriculumPolicySchool(curriculum, model, seed, options.school ?? {});
  const training = seeds(options.trainingSchools ?? 3).map(make);
  const heldOut = seeds(options.heldOutSchools ?? 2).map(make);

  report(0, "tuning the ZPD band on the simulated schools");
  const tuned = tuneZpdBand(training, { ...(options.grid ?? {}), seed: options.seed });
  report(0.1, "training the policy");
  const trained = await trainPolicy(
    training,
    {
      seed: options.seed,
      imitate: tuned.policy,
      onProgress: (f) => report(0.1 + 0.8 * f, "training the policy"),
    },
    options.training ?? {},
  );
  report(0.9, "judging the policy against the tuned ZPD rule on held-out simulated schools");
  const episodes = options.gateEpisodes ?? 48;
  const run = (policy: SequencingPolicy) =>
    heldOut.flatMap((env) => Array.from({ length: episodes }, (_, e) => runEpisode(env, policy, { seed: 1_000_003 + e })));
  const verdict = judgeGate(run(trained.policy), run(tuned.policy), heldOut[0]!.school.options.maxAttempts, tuned.band);
  report(1, "judged");
  return {
    policy: trained.policy,
    verdict,
    fingerprint: curriculumFingerprint(curriculum),
    seconds: (Date.now() - began) / 1000,
  };
}
