/**
 * The learned policy's hyper-parameters chosen on validation schools of the training families (never on
 * the held-out families the benchmark judges): the stop penalty (one training each) and the temperature the
 * trained policy is served at, both by the targets there (bestOnValidation).
 */
import {
  DEFAULT_LEARNER_TYPES,
  LearnedPolicy,
  type PolicyEnvironment,
  runEpisode,
  type SequencingPolicy,
  sharpenPolicy,
} from "../../src/engine/policy/index.js";
import type { PolicyBenchArgs } from "./run.js";
import { type PolicyTraining, trainLearnedPolicy } from "./training.js";

/** Episodes per learner type and validation school. */
export const VALIDATION_EPISODES_PER_TYPE = 16;

/** A policy's figures on the validation schools (VALIDATION_EPISODES_PER_TYPE per learner type and school). */
export interface ValidationFigures {
  readonly engaged: number;
  readonly medianAttempts: number;
  readonly meanReturn: number;
}

function validate(envs: readonly PolicyEnvironment[], policy: SequencingPolicy): ValidationFigures {
  const results = envs.flatMap((env, s) =>
    DEFAULT_LEARNER_TYPES.flatMap((type, t) =>
      Array.from({ length: VALIDATION_EPISODES_PER_TYPE }, (_, e) =>
        runEpisode(env, policy, { seed: 500_000 + s * 10_000 + t * 1000 + e, learnerType: type.name }),
      ),
    ),
  );
  const attempts = results.map((r) => r.attemptsToMastery ?? Number.POSITIVE_INFINITY).sort((a, b) => a - b);
  return {
    engaged: results.filter((r) => r.engagedAtBudget).length / results.length,
    medianAttempts: attempts[Math.floor((attempts.length - 1) / 2)]!,
    meanReturn: results.reduce((a, r) => a + r.totalReward, 0) / results.length,
  };
}

/** One stop penalty tried: its policy's figures on the validation schools. */
export interface PenaltyTrial extends ValidationFigures {
  readonly stopPenalty: number;
  readonly seconds: number;
}

export interface PenaltyChoice {
  readonly training: PolicyTraining;
  readonly trials: readonly PenaltyTrial[];
  readonly tuned: ValidationFigures;
  readonly validationSchools: number;
}

/** One temperature tried on the chosen policy: its figures on the validation schools. */
export interface TemperatureTrial extends ValidationFigures {
  readonly temperature: number;
}

export interface TemperatureChoice {
  readonly temperature: number;
  readonly trials: readonly TemperatureTrial[];
}

/** The temperatures tried on the trained policy (sharpenPolicy), 1 being the policy as PPO left it. */
export const TEMPERATURES = [1, 0.5, 0.25] as const;

/**
 * The temperature the trained policy is served at, chosen on the same validation schools by the same
 * rule as the stop penalty (bestOnValidation).
 */
export function chooseTemperature(
  validation: readonly PolicyEnvironment[],
  policy: LearnedPolicy,
  tuned: ValidationFigures,
  log: (m: string) => void,
): TemperatureChoice {
  const trials = TEMPERATURES.map((temperature) => {
    const figures = validate(validation, temperature === 1 ? policy : sharpenPolicy(policy, temperature));
    log(`  temperature ${temperature}: engaged ${(100 * figures.engaged).toFixed(1)} %, mean return ${figures.meanReturn.toFixed(3)}`);
    return { temperature, ...figures };
  });
  const best = bestOnValidation(trials, tuned);
  return { temperature: best.temperature, trials };
}

/** A training whose policy is served at `temperature` (sharpenPolicy), named `name`. */
export function atTemperature(training: PolicyTraining, temperature: number, name: string): PolicyTraining {
  const p = temperature === 1 ? training.trained.policy : sharpenPolicy(training.trained.policy, temperature);
  return {
    ...training,
    trained: { ...training.trained, policy: new LearnedPolicy(p.actor, p.featureParams, p.training, name) },
    options: { ...training.options, temperature },
  };
}

/**
 * The candidate of the targets on the validation schools: among those whose median attempts to
 * mastery are at most 0.85× the tuned rule's there, the most engaging (ties: the higher mean return);
 * when none is fast enough, the fastest.
 */
function bestOnValidation<T extends ValidationFigures>(trials: readonly T[], tuned: ValidationFigures): T {
  const fast = trials.filter((t) => t.medianAttempts <= 0.85 * tuned.medianAttempts);
  if (fast.length === 0) return trials.reduce((a, t) => (t.medianAttempts < a.medianAttempts ? t : a));
  return fast.reduce((a, t) => (t.engaged > a.engaged || (t.engaged === a.engaged && t.meanReturn > a.meanReturn) ? t : a));
}

/**
 * The stop penalty, chosen on the validation schools: a policy is trained with each penalty and the one
 * that best meets the targets there is kept (bestOnValidation: fast enough, then the most
 * engaging). Every penalty is trained, so the choice does not hang on the order they are tried in.
 */
export async function choosePenalty(
  envs: PolicyEnvironment[],
  validation: readonly PolicyEnvironment[],
  teacher: SequencingPolicy,
  tunedRule: SequencingPolicy,
  args: Pick<PolicyBenchArgs, "trainIterations" | "trainEpisodes" | "stopPenalties" | "stopPenaltyOn" | "tuneSeeds">,
  log: (m: string) => void,
): Promise<PenaltyChoice> {
  const tuned = validate(validation, tunedRule);
  log(
    `validation: ${validation.length} schools; tuned ZPD engaged ${(100 * tuned.engaged).toFixed(1)} %, median attempts ${tuned.medianAttempts}`,
  );
  const trials: (PenaltyTrial & { training: PolicyTraining })[] = [];
  for (const stopPenalty of [...args.stopPenalties].sort((a, b) => a - b)) {
    const training = await trainLearnedPolicy(envs, "POLICY", teacher, { ...args, stopPenalty }, log);
    const figures = validate(validation, training.trained.policy);
    trials.push({ stopPenalty, seconds: training.trained.seconds, ...figures, training });
    log(`  stop penalty ${stopPenalty}: engaged ${(100 * figures.engaged).toFixed(1)} %, median attempts ${figures.medianAttempts}`);
  }
  const best = bestOnValidation(trials, tuned);
  return {
    training: best.training,
    trials: trials.map(({ training: _, ...t }) => t),
    tuned,
    validationSchools: validation.length,
  };
}
