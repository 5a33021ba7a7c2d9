/**
 * The policy benchmark's runs: the ZPD band tuned on schools of the training families, then every policy
 * on schools of the held-out families, each school's knowledge model (Meta, the product's) trained on
 * its simulated history. Every policy meets the same schools, learners, types, goals and environment
 * seeds (common random numbers).
 */
import { metaTrainer } from "../../src/engine/meta/index.js";
import {
  DEFAULT_LEARNER_TYPES,
  HELD_OUT_FAMILIES,
  HEURISTIC_POLICIES,
  type PolicyEnvironment,
  type PolicyFamily,
  runEpisode,
  type SequencingPolicy,
  simulatePolicySchool,
  TRAINING_FAMILIES,
  type TunedBand,
  tuneZpdBand,
} from "../../src/engine/policy/index.js";

export interface PolicyBenchArgs {
  /** Held-out schools per held-out family (seeds 1 … seeds). */
  readonly seeds: number;
  /** Episodes per learner type per school. */
  readonly episodesPerType: number;
  /** Training schools per training family for the band's grid search (seeds 1001 …). */
  readonly tuneSeeds: number;
  /** Episodes per training school and band. */
  readonly tuneEpisodes: number;
  /** Bootstrap rounds of the quantiles' intervals. */
  readonly rounds: number;
  readonly quick: boolean;
  readonly report: string;
}

/** One episode's figures (EpisodeResult, without the propensities). */
export interface EpisodeRow {
  readonly family: string;
  readonly seed: number;
  readonly policy: string;
  readonly learnerType: string;
  readonly attemptsToMastery: number | null;
  readonly masteryGainAtBudget: number;
  readonly engagedAtBudget: boolean;
  readonly totalReward: number;
}

export interface PolicyRuns {
  readonly tuned: TunedBand;
  readonly tuneSeconds: number;
  readonly rows: readonly EpisodeRow[];
  readonly policies: readonly string[];
  readonly families: readonly PolicyFamily[];
  readonly trainingFamilies: readonly PolicyFamily[];
  readonly evalSeconds: number;
}

async function environment(family: PolicyFamily, seed: number): Promise<PolicyEnvironment> {
  const school = simulatePolicySchool(family, seed);
  const model = await metaTrainer.fit(school.history, { seed });
  return { school, model };
}

export async function runPolicyBench(args: PolicyBenchArgs, log: (m: string) => void): Promise<PolicyRuns> {
  let began = Date.now();
  const tuneEnvs: PolicyEnvironment[] = [];
  for (const family of TRAINING_FAMILIES) {
    for (let s = 0; s < args.tuneSeeds; s++) tuneEnvs.push(await environment(family, 1001 + s));
  }
  log(`tuning the ZPD band on ${tuneEnvs.length} training schools…`);
  const tuned = tuneZpdBand(tuneEnvs, { episodesPerEnvironment: args.tuneEpisodes, seed: 1 });
  const tuneSeconds = (Date.now() - began) / 1000;
  log(
    `tuned band [${tuned.band.bandLow}, ${tuned.band.bandHigh}] (target ${tuned.band.bandTarget.toFixed(3)}) in ${tuneSeconds.toFixed(1)} s`,
  );

  began = Date.now();
  const policies: SequencingPolicy[] = [...HEURISTIC_POLICIES, tuned.policy];
  const rows: EpisodeRow[] = [];
  for (const family of HELD_OUT_FAMILIES) {
    for (let seed = 1; seed <= args.seeds; seed++) {
      const env = await environment(family, seed);
      for (const policy of policies) {
        DEFAULT_LEARNER_TYPES.forEach((type, t) => {
          for (let e = 0; e < args.episodesPerType; e++) {
            const r = runEpisode(env, policy, { seed: seed * 10_000 + t * 1000 + e, learnerType: type.name });
            rows.push({
              family: family.name,
              seed,
              policy: policy.name,
              learnerType: r.learnerType,
              attemptsToMastery: r.attemptsToMastery,
              masteryGainAtBudget: r.masteryGainAtBudget,
              engagedAtBudget: r.engagedAtBudget,
              totalReward: r.totalReward,
            });
          }
        });
      }
      log(`${family.name} seed ${seed}/${args.seeds} (${((Date.now() - began) / 1000).toFixed(0)} s)`);
    }
  }
  return {
    tuned,
    tuneSeconds,
    rows,
    policies: policies.map((p) => p.name),
    families: HELD_OUT_FAMILIES,
    trainingFamilies: TRAINING_FAMILIES,
    evalSeconds: (Date.now() - began) / 1000,
  };
}
