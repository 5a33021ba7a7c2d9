/**
 * A school of the sequencing environment: a simulated school (simulator/simulate.ts: the skill DAG, tasks
 * with their Q-matrix, learners with hidden abilities and learning rates) split into
 *   - history learners: their simulated attempts are the school's data, on which the caller trains the
 *     knowledge model the live system would run (the observation reads only that model), and
 *   - pool learners: never in the history; an episode draws its learner among them and starts them
 *     afresh (their initial levels, not their simulated attempts).
 * plus what the simulator lacks: per-skill learning-rate multipliers
 *   r_k = exp(skillRateSd · N(0,1) − skillRateSd²/2)   (mean 1, drawn once per school).
 * Pure: the same family, options, seed and start time give the same school.
 */
import { createRng } from "../math.js";
import { compileCurriculum, type CompiledCurriculum } from "../recommend/index.js";
import type { Dynamics } from "../simulator/dynamics.js";
import { type SimulatedLearner, type SimulatedSchool, simulateSchool } from "../simulator/index.js";
import type { KnowledgeModel, Trace, TrainingSet } from "../types.js";
import type { PolicyFamily } from "./families.js";
import { type PolicyEnvOptions, resolvePolicyEnvOptions } from "./params.js";

export interface PolicySchool {
  readonly family: PolicyFamily;
  readonly seed: number;
  /** The environment's options: the caller's, with the family's over them, resolved. */
  readonly options: PolicyEnvOptions;
  readonly school: SimulatedSchool;
  readonly curriculum: CompiledCurriculum;
  /** The history learners' attempts: train the school's knowledge model on this. */
  readonly history: TrainingSet;
  /** The learners episodes are drawn from (hidden truth: the environment reads them, policies never). */
  readonly pool: readonly SimulatedLearner[];
  /** Per skill index (the school's skill order), its learning-rate multiplier r_k. */
  readonly skillRate: Float64Array;
  /** The simulator's equations for this school (answers and learning). */
  readonly dynamics: Dynamics;
}

/** A school with the knowledge model trained on its history: what episodes run in. */
export interface PolicyEnvironment {
  readonly school: PolicySchool;
  readonly model: KnowledgeModel;
}

/** Draws a school of `family` (options: PolicyEnvOptions, the family's own over them). */
export function simulatePolicySchool(
  family: PolicyFamily,
  seed: number,
  options: Partial<PolicyEnvOptions> = {},
  startAt = Date.UTC(2026, 0, 5),
): PolicySchool {
  const o = resolvePolicyEnvOptions({ ...options, ...(family.env ?? {}) });
  const school = simulateSchool({ ...family.simulator, learners: o.historyLearners + o.poolLearners }, seed, startAt);
  const historyIds = new Set(school.learners.slice(0, o.historyLearners).map((l) => l.learnerId));
  const sequences = new Map<string, readonly Trace[]>();
  for (const [id, seq] of school.sequences) if (historyIds.has(id)) sequences.set(id, seq);
  const rng = createRng(seed ^ 0x2f6b_1d3a);
  const sd = o.skillRateSd;
  const skillRate = Float64Array.from(school.skills, () => Math.exp(sd * rng.normal() - (sd * sd) / 2));
  const skillIndex = new Map(school.skills.map((s, i) => [s.skillId, i]));
  return {
    family,
    seed,
    options: o,
    school,
    curriculum: compileCurriculum({
      skills: school.skills.map((s) => ({ skillId: s.skillId, name: s.name, prerequisites: s.prerequisites })),
      tasks: school.tasks.map((t) => ({ taskId: t.taskId, skills: t.skills, topics: t.topics })),
    }),
    history: { catalog: school.catalog, sequences },
    pool: school.learners.slice(o.historyLearners),
    skillRate,
    dynamics: {
      params: school.params,
      skillIndex,
      prereqIndices: school.skills.map((s) => s.prerequisites.map((id) => skillIndex.get(id)!)),
      skillDifficulty: school.skills.map((s) => s.difficulty),
    },
  };
}
