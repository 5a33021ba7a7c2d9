/**
 * The policy benchmark's runs: the ZPD band tuned on schools of the training families; the learned
 * policy (POLICY) trained with PPO on the same schools, and a second one (POLICY_TRANSFER) on the schools
 * of one training family only (the sim-to-sim transfer test); then every policy on schools of the
 * held-out families, each school's knowledge model (Meta, the product's) trained on its simulated
 * history. Every policy meets the same schools, learners, types, goals and environment seeds (common
 * random numbers). The decision time of POLICY is measured on 200 candidates.
 */
import { eloTrainer } from "../../src/engine/baselines/index.js";
import { metaTrainer } from "../../src/engine/meta/index.js";
import {
  DEFAULT_LEARNER_TYPES,
  Episode,
  LearnedPolicy,
  LOWEST_MASTERY_POLICY,
  type PolicyCandidate,
  type PolicyTrainingOptions,
  type TrainedPolicy,
  trainPolicy,
  HELD_OUT_FAMILIES,
  HEURISTIC_POLICIES,
  type PolicyEnvironment,
  type PolicyFamily,
  runEpisode,
  type SequencingPolicy,
  serializePolicy,
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
  /** PPO iterations of each learned policy. */
  readonly trainIterations: number;
  /** Episodes per PPO iteration. */
  readonly trainEpisodes: number;
  /** Bootstrap rounds of the quantiles' intervals. */
  readonly rounds: number;
  /** The training's stop penalty and what it is charged on (PolicyTrainingOptions). */
  readonly stopPenalty: number;
  readonly stopPenaltyOn: "expected" | "realized";
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

/** A learned policy's training, as reported. */
export interface PolicyTraining {
  readonly trained: TrainedPolicy;
  readonly families: readonly string[];
  readonly schools: number;
  readonly options: Partial<PolicyTrainingOptions>;
}

/** Decision time of the learned policy on `candidates` candidates (features and network, per decision). */
export interface DecisionTime {
  readonly candidates: number;
  readonly decisions: number;
  readonly medianMs: number;
  readonly p99Ms: number;
}

export interface PolicyRuns {
  readonly tuned: TunedBand;
  readonly tuneSeconds: number;
  readonly policy: PolicyTraining;
  readonly transfer: PolicyTraining;
  readonly decision: DecisionTime;
  /** The policy file's size (serializePolicy), in bytes. */
  readonly fileBytes: number;
  readonly rows: readonly EpisodeRow[];
  readonly policies: readonly string[];
  readonly families: readonly PolicyFamily[];
  readonly trainingFamilies: readonly PolicyFamily[];
  readonly evalSeconds: number;
}

/** A school of the family and its knowledge model (Meta, the product's) trained on its simulated history. */
export async function environment(family: PolicyFamily, seed: number): Promise<PolicyEnvironment> {
  const school = simulatePolicySchool(family, seed);
  const model = await metaTrainer.fit(school.history, { seed });
  return { school, model };
}

/** The training families' schools (seeds 1001 …): the band's tuning and the learned policies' training. */
export async function trainingEnvironments(args: Pick<PolicyBenchArgs, "tuneSeeds">): Promise<PolicyEnvironment[]> {
  const envs: PolicyEnvironment[] = [];
  for (const family of TRAINING_FAMILIES) {
    for (let s = 0; s < args.tuneSeeds; s++) envs.push(await environment(family, 1001 + s));
  }
  return envs;
}

/** A learned policy: warm-started by imitating LOWEST_MASTERY, then PPO (ppo.ts defaults otherwise), seed 19. */
export async function trainLearnedPolicy(
  envs: PolicyEnvironment[],
  name: string,
  args: Pick<PolicyBenchArgs, "trainIterations" | "trainEpisodes" | "stopPenalty" | "stopPenaltyOn">,
  log: (m: string) => void,
): Promise<PolicyTraining> {
  const trainOptions: Partial<PolicyTrainingOptions> = {
    iterations: args.trainIterations,
    episodesPerIteration: args.trainEpisodes,
    stopPenalty: args.stopPenalty,
    stopPenaltyOn: args.stopPenaltyOn,
  };
  log(`training ${name} on ${envs.length} schools (${args.trainIterations} iterations of ${args.trainEpisodes} episodes)…`);
  const trained = await trainPolicy(
    envs,
    {
      seed: 19,
      imitate: LOWEST_MASTERY_POLICY,
      onProgress: (f, it) => {
        if ((it.iteration + 1) % 10 === 0 || f === 1)
          log(`  ${name} iteration ${it.iteration + 1}: mean return ${it.meanReturn.toFixed(3)}, entropy ${it.meanEntropy.toFixed(2)}`);
      },
    },
    trainOptions,
  );
  log(`${name} trained in ${trained.seconds.toFixed(1)} s`);
  return {
    trained,
    families: [...new Set(envs.map((e) => e.school.family.name))],
    schools: envs.length,
    options: trainOptions,
  };
}

export async function runPolicyBench(args: PolicyBenchArgs, log: (m: string) => void): Promise<PolicyRuns> {
  let began = Date.now();
  const tuneEnvs = await trainingEnvironments(args);
  log(`tuning the ZPD band on ${tuneEnvs.length} training schools…`);
  const tuned = tuneZpdBand(tuneEnvs, { episodesPerEnvironment: args.tuneEpisodes, seed: 1 });
  const tuneSeconds = (Date.now() - began) / 1000;
  log(
    `tuned band [${tuned.band.bandLow}, ${tuned.band.bandHigh}] (target ${tuned.band.bandTarget.toFixed(3)}) in ${tuneSeconds.toFixed(1)} s`,
  );

  const train = (envs: PolicyEnvironment[], name: string) => trainLearnedPolicy(envs, name, args, log);
  const policy = await train(tuneEnvs, "POLICY");
  const transferFamily = TRAINING_FAMILIES[0]!;
  const transfer = await train(
    tuneEnvs.filter((e) => e.school.family === transferFamily),
    "POLICY_TRANSFER",
  );
  const transferPolicy = new LearnedPolicy(
    transfer.trained.policy.actor,
    transfer.trained.policy.featureParams,
    transfer.trained.policy.training,
    "POLICY_TRANSFER",
  );
  const decision = await decisionTime(policy.trained.policy);
  log(`decision time on ${decision.candidates} candidates: median ${decision.medianMs.toFixed(3)} ms, p99 ${decision.p99Ms.toFixed(3)} ms`);

  began = Date.now();
  const policies: SequencingPolicy[] = [...HEURISTIC_POLICIES, tuned.policy, policy.trained.policy, transferPolicy];
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
    policy,
    transfer,
    decision,
    fileBytes: Buffer.byteLength(serializePolicy(policy.trained.policy)),
    rows,
    policies: policies.map((p) => p.name),
    families: HELD_OUT_FAMILIES,
    trainingFamilies: TRAINING_FAMILIES,
    evalSeconds: (Date.now() - began) / 1000,
  };
}

/**
 * One decision of `policy` among 200 candidates: a school of 20 skills × 10 tasks (Elo: the model only
 * supplies the predictions, which are the decision's input), an episode 10 attempts in, every task of
 * the curriculum a candidate. Times `choose` (features, network, draw), 50 warm-up decisions, then 500.
 */
async function decisionTime(policy: LearnedPolicy): Promise<DecisionTime> {
  const family: PolicyFamily = {
    name: "timing",
    description: "20 skills × 10 tasks",
    simulator: { skills: 20, tasksPerSkill: 10 },
    heldOut: false,
  };
  const school = simulatePolicySchool(family, 1, { historyLearners: 40, poolLearners: 10 });
  const model = await eloTrainer.fit(school.history, { seed: 1 });
  const episode = new Episode({ school, model }, { seed: 1 });
  for (let t = 0; t < 10 && !episode.done; t++) episode.step(0);
  const observation = episode.observation();
  const taskIds = [...school.curriculum.tasks.keys()];
  const state = observation.context.state;
  const p = model.predictMany(state, taskIds);
  const candidates: PolicyCandidate[] = taskIds.map((taskId, i) => ({
    taskId,
    skillId: school.curriculum.tasks.get(taskId)!.skillId!,
    predictedSuccess: p[i]!,
  }));
  const times: number[] = [];
  for (let r = 0; r < 550; r++) {
    const t0 = process.hrtime.bigint();
    policy.choose(observation, candidates, episode.policyRng);
    if (r >= 50) times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  return {
    candidates: candidates.length,
    decisions: times.length,
    medianMs: times[Math.floor(times.length / 2)]!,
    p99Ms: times[Math.ceil(0.99 * times.length) - 1]!,
  };
}
