/**
 * The simulated learners' answer and learning equations (simulate.ts's module comment), in one place for
 * the simulation and for its oracle model (oracle.ts), which must predict and learn exactly as the
 * simulated learners do.
 */
import { sigmoid } from "../math.js";
import type { TaskSkill } from "../types.js";
import type { SimulatorParams } from "./params.js";

/** The school's fixed structure the equations read. */
export interface Dynamics {
  readonly params: SimulatorParams;
  /** skill id → index of the level arrays. */
  readonly skillIndex: ReadonlyMap<string, number>;
  /** Per skill index, its prerequisites' indices. */
  readonly prereqIndices: readonly (readonly number[])[];
  /** Per skill index, its true difficulty (logits). */
  readonly skillDifficulty: ArrayLike<number>;
}

/** A task as the equations read it. */
export interface DynamicsTask {
  readonly skills: readonly TaskSkill[];
  readonly difficulty: number;
}

/** P(correct) = (1 − slip) · σ(Σ_k w_k · level_k / Σ_k w_k − difficulty) + slip / 2 (slip 0: exactly the σ). */
export function answerProbability(d: Dynamics, level: ArrayLike<number>, task: DynamicsTask, slip: number): number {
  let num = 0,
    den = 0;
  for (const q of task.skills) {
    num += q.weight * level[d.skillIndex.get(q.skillId)!]!;
    den += q.weight;
  }
  // The answer is a fair coin with probability slip: one draw against the mixture keeps the draws as before.
  const pLevel = sigmoid(num / den - task.difficulty);
  return slip === 0 ? pLevel : (1 - slip) * pLevel + slip / 2;
}

/**
 * Learning from one attempt, in place: every skill k of the task gains
 * rate · r_k · w_k · readiness_k · (correct ? 1 : learningFromErrors) / (1 + practice_k / saturation), and its practice count grows by 1.
 * r_k is the optional per-skill rate multiplier `skillRate` (the policy environment's skills that are
 * learnt faster or slower than others, engine/policy); absent, r_k = 1 and the simulator is unchanged.
 */
export function learnFromAttempt(
  d: Dynamics,
  level: Float64Array,
  practice: Int32Array,
  task: DynamicsTask,
  correct: 0 | 1,
  learningRate: number,
  skillRate?: ArrayLike<number>,
): void {
  const p = d.params;
  for (const q of task.skills) {
    const k = d.skillIndex.get(q.skillId)!;
    const prereqs = d.prereqIndices[k]!;
    let readiness = 1;
    if (prereqs.length > 0 && p.prerequisiteStrength > 0) {
      let m = 0;
      for (const j of prereqs) m += sigmoid(level[j]! - d.skillDifficulty[j]!);
      readiness = (m / prereqs.length) ** p.prerequisiteStrength;
    }
    const rate = skillRate === undefined ? learningRate : learningRate * skillRate[k]!;
    const gain = (rate * q.weight * readiness * (correct ? 1 : p.learningFromErrors)) / (1 + practice[k]! / p.saturation);
    level[k]! += gain;
    practice[k]!++;
  }
}
