/**
 * The policy benchmark's schools and trainings: a school of a family with its knowledge model (Meta,
 * trained on the school's simulated history); the training families' schools (seeds 1001 …) and their
 * validation schools (seeds 2001 …); a learned policy trained on some of them.
 */
import { metaTrainer } from "../../src/engine/meta/index.js";
import {
  type PolicyEnvironment,
  type PolicyFamily,
  type PolicyTrainingOptions,
  type SequencingPolicy,
  simulatePolicySchool,
  TRAINING_FAMILIES,
  type TrainedPolicy,
  trainPolicy,
} from "../../src/engine/policy/index.js";
import type { PolicyBenchArgs } from "./run.js";

/** A learned policy's training, as reported. */
export interface PolicyTraining {
  readonly trained: TrainedPolicy;
  readonly families: readonly string[];
  readonly schools: number;
  readonly options: Partial<PolicyTrainingOptions>;
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

/** A learned policy: warm-started by imitating `teacher`, then PPO (ppo.ts defaults otherwise), seed 19. */
export async function trainLearnedPolicy(
  envs: PolicyEnvironment[],
  name: string,
  teacher: SequencingPolicy,
  args: Pick<PolicyBenchArgs, "trainIterations" | "trainEpisodes" | "stopPenaltyOn"> & { readonly stopPenalty: number },
  log: (m: string) => void,
): Promise<PolicyTraining> {
  const trainOptions: Partial<PolicyTrainingOptions> = {
    iterations: args.trainIterations,
    episodesPerIteration: args.trainEpisodes,
    stopPenalty: args.stopPenalty,
    stopPenaltyOn: args.stopPenaltyOn,
    // As PPO left it: the temperature is chosen afterwards on the validation schools (chooseTemperature).
    temperature: 1,
  };
  log(
    `training ${name} on ${envs.length} schools (${args.trainIterations} iterations of ${args.trainEpisodes} episodes, imitating ${teacher.name} first)…`,
  );
  const trained = await trainPolicy(
    envs,
    {
      seed: 19,
      imitate: teacher,
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

/**
 * The validation schools: the training families' seeds 2001 …, neither trained nor tuned on, and not of
 * the held-out families, so that a choice made here is not read off the figures it is judged by.
 */
export async function validationEnvironments(args: Pick<PolicyBenchArgs, "tuneSeeds">): Promise<PolicyEnvironment[]> {
  const envs: PolicyEnvironment[] = [];
  for (const family of TRAINING_FAMILIES) {
    for (let s = 0; s < args.tuneSeeds; s++) envs.push(await environment(family, 2001 + s));
  }
  return envs;
}
