/**
 * The simulator's development sets of Meta's benchmarks (bench/meta-dev-start.ts, bench/kt-features.ts):
 * schools shaped like the held-out sets of issue 18 (few learners with long histories, retry-heavy) and
 * the default shape, none of them a held-out set. One definition, so that every report of these names
 * measures the same schools.
 */
import { simulateSchool, splitLearners, type SimulatorParams } from "../../src/engine/simulator/index.js";
import type { TrainingSet } from "../../src/engine/types.js";

export interface DevSet {
  readonly name: string;
  readonly train: TrainingSet;
  readonly test: TrainingSet;
}

export const SIM_DEV_SETS: Readonly<Record<string, Partial<SimulatorParams>>> = {
  "sim-long": { learners: 280, attemptsPerLearner: [300, 900], skills: 24, tasksPerSkill: 20, multiSkillFraction: 0 },
  "sim-long-spread": {
    learners: 280,
    attemptsPerLearner: [300, 900],
    skills: 24,
    tasksPerSkill: 20,
    multiSkillFraction: 0,
    abilitySd: 2,
    taskDifficultySd: 1.5,
  },
  "sim-long-anywhere": {
    learners: 280,
    attemptsPerLearner: [300, 900],
    skills: 60,
    tasksPerSkill: 10,
    multiSkillFraction: 0,
    abilitySd: 1.5,
    skillAbilitySd: 1,
    curriculumStart: "anywhere",
  },
  "sim-retry": {
    learners: 600,
    attemptsPerLearner: [30, 150],
    skills: 16,
    tasksPerSkill: 15,
    multiSkillFraction: 0.4,
    retryAfterFailure: 0.7,
  },
  "sim-short": { learners: 600 },
};

/** The simulated development set `name`, its learners split by `seed`. */
export function simDevSet(name: string, seed: number): DevSet {
  const params = SIM_DEV_SETS[name];
  if (!params) throw new Error(`unknown simulated set ${name} (${Object.keys(SIM_DEV_SETS).join(", ")})`);
  return { name, ...splitLearners(simulateSchool(params, seed + 101), { seed }) };
}

/** The attempts of a training set. */
export const attemptsOf = (s: TrainingSet): number => [...s.sequences.values()].reduce((n, q) => n + q.length, 0);
