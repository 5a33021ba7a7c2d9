/**
 * The oracle of a simulated school: a KnowledgeModel that knows the hidden truth. A learner's state holds
 * their true skill levels, practice counts, learning rate and answer noise; `predict` is the simulator's
 * own P(correct) (answer noise included, so it equals each attempt's `pCorrect`), `update` the
 * simulator's own learning step (dynamics.ts), and mastery the truth's: σ(level_k − skillDifficulty_k).
 *
 * For benchmarks that need a perfectly calibrated model behind the recommender (the fairness audit's
 * detection power). `learnerState(id)` is a simulated learner before their first attempt; replaying
 * their attempts gives their true state at any point. `initialState()` is a learner of the population
 * prior (ability 0, mean learning rate, no answer noise). Not serialisable.
 */
import { EngineError, EngineErrorCode } from "../errors.js";
import { sigmoid } from "../math.js";
import type { KnowledgeModel, LearnerState, SkillMastery, Trace } from "../types.js";
import { answerProbability, type Dynamics, type DynamicsTask, learnFromAttempt } from "./dynamics.js";
import type { SimulatedSchool } from "./simulate.js";

/** State data: levels, practice counts, learning rate, answer noise. */
interface OracleData {
  readonly level: readonly number[];
  readonly practice: readonly number[];
  readonly rate: number;
  readonly slip: number;
}

export interface OracleModel extends KnowledgeModel {
  /** The simulated learner before their first attempt. */
  learnerState(learnerId: string): LearnerState;
}

export function oracleModel(school: SimulatedSchool): OracleModel {
  const skills = school.skills;
  const skillIndex = new Map(skills.map((s, i) => [s.skillId, i]));
  const dynamics: Dynamics = {
    params: school.params,
    skillIndex,
    prereqIndices: skills.map((s) => s.prerequisites.map((id) => skillIndex.get(id)!)),
    skillDifficulty: skills.map((s) => s.difficulty),
  };
  const tasks = new Map<string, DynamicsTask>(school.tasks.map((t) => [t.taskId, t]));
  const learners = new Map(school.learners.map((l) => [l.learnerId, l]));
  const tag = `oracle:${school.seed}`;

  const make = (data: OracleData, attempts: number): LearnerState => ({ model: tag, attempts, data: { ...data } });
  const read = (state: LearnerState): OracleData => {
    if (state.model !== tag) {
      throw new EngineError(EngineErrorCode.StateMismatch, `learner state belongs to model ${state.model}, not ${tag}`);
    }
    return state.data as unknown as OracleData;
  };
  const task = (taskId: string): DynamicsTask => {
    const t = tasks.get(taskId);
    if (!t) throw new EngineError(EngineErrorCode.UnknownTask, `unknown task ${taskId}`, { taskId });
    return t;
  };
  const step = (level: Float64Array, practice: Int32Array, data: OracleData, trace: Trace) =>
    learnFromAttempt(dynamics, level, practice, task(trace.taskId), trace.correct, data.rate);
  const replay = (state: LearnerState, traces: Iterable<Trace>): LearnerState => {
    const data = read(state);
    const level = Float64Array.from(data.level);
    const practice = Int32Array.from(data.practice);
    let n = 0;
    for (const trace of traces) {
      step(level, practice, data, trace);
      n++;
    }
    return make({ level: [...level], practice: [...practice], rate: data.rate, slip: data.slip }, state.attempts + n);
  };

  return {
    name: "oracle",
    initialState: () =>
      make({ level: skills.map(() => 0), practice: skills.map(() => 0), rate: school.params.learningRateMean, slip: 0 }, 0),
    learnerState(learnerId) {
      const l = learners.get(learnerId);
      if (!l) throw new EngineError(EngineErrorCode.InvalidParameters, `oracle: unknown learner ${learnerId}`);
      const level = skills.map((s) => l.ability + l.skillAbilities[s.skillId]!);
      const slip = school.params.groupSlip[l.group] ?? 0;
      return make({ level, practice: skills.map(() => 0), rate: l.learningRate, slip }, 0);
    },
    predict(state, taskId) {
      const data = read(state);
      return answerProbability(dynamics, data.level, task(taskId), data.slip);
    },
    predictMany(state, taskIds) {
      const data = read(state);
      return Float64Array.from(taskIds, (id) => answerProbability(dynamics, data.level, task(id), data.slip));
    },
    update: (state, trace) => replay(state, [trace]),
    replay,
    mastery(state, skillIds) {
      const data = read(state);
      return (skillIds ?? school.catalog.skillIds).map((skillId): SkillMastery => {
        const k = skillIndex.get(skillId);
        if (k === undefined) throw new EngineError(EngineErrorCode.UnknownSkill, `unknown skill ${skillId}`, { skillId });
        return { skillId, p: sigmoid(data.level[k]! - skills[k]!.difficulty), sd: 0, attempts: data.practice[k]! };
      });
    },
    serialize() {
      throw new EngineError(EngineErrorCode.UnsupportedFormat, "the oracle of a simulated school is not serialisable");
    },
  };
}
