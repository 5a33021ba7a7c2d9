/**
 * Simulator families: schools drawn from different simulator parameters (and, where a family says so,
 * different environment options), so that a tuned or learned policy is judged on schools unlike the
 * ones it was tuned on. `heldOut` families are never used for tuning or training (tune.ts refuses them);
 * the benchmark reports on them.
 */
import type { SimulatorParams } from "../simulator/index.js";
import type { PolicyEnvOptions } from "./params.js";

export interface PolicyFamily {
  readonly name: string;
  /** What is different about it, in words (the benchmark's report). */
  readonly description: string;
  readonly simulator: Partial<SimulatorParams>;
  /** Environment options of this family over the caller's (e.g. other per-skill rates). */
  readonly env?: Partial<Omit<PolicyEnvOptions, "learnerTypes" | "recommend">>;
  /** Reserved for evaluation: never tuned or trained on. */
  readonly heldOut: boolean;
}

/** The shipped families: three for tuning and training, two held out. */
export const POLICY_FAMILIES: readonly PolicyFamily[] = [
  {
    name: "fractions",
    description: "the simulator's defaults on 10 skills",
    simulator: { skills: 10, tasksPerSkill: 10, saturation: 40 },
    heldOut: false,
  },
  {
    name: "steep-prerequisites",
    description: "prerequisites matter twice as much (strength 2), later skills much harder (spread 2.5)",
    simulator: { skills: 10, tasksPerSkill: 10, prerequisiteStrength: 2, skillDifficultySpread: 2.5 },
    heldOut: false,
  },
  {
    name: "quick-learners",
    description: "faster learning that saturates sooner (rate 0.4, saturation 10), narrower abilities (sd 0.7)",
    simulator: { skills: 10, tasksPerSkill: 10, learningRateMean: 0.4, saturation: 10, abilitySd: 0.7 },
    heldOut: false,
  },
  {
    name: "wide-tasks",
    description: "12 skills, tasks spread widely around their skill (sd 1.3), wider abilities (sd 1.3), slower learning (0.2)",
    simulator: { skills: 12, tasksPerSkill: 10, saturation: 40, taskDifficultySd: 1.3, abilitySd: 1.3, learningRateMean: 0.2 },
    heldOut: true,
  },
  {
    name: "loose-prerequisites",
    description: "12 skills, weak prerequisites (strength 0.5), steep curriculum (spread 2), skills unequal to learn (rate sd 0.5)",
    simulator: {
      skills: 12,
      tasksPerSkill: 10,
      saturation: 40,
      prerequisiteStrength: 0.5,
      skillDifficultySpread: 2,
      learningRateMean: 0.3,
    },
    env: { skillRateSd: 0.5 },
    heldOut: true,
  },
];

export const TRAINING_FAMILIES: readonly PolicyFamily[] = POLICY_FAMILIES.filter((f) => !f.heldOut);
export const HELD_OUT_FAMILIES: readonly PolicyFamily[] = POLICY_FAMILIES.filter((f) => f.heldOut);
