/**
 * One episode of the sequencing environment: a learner with a goal and a budget of attempts. The
 * environment holds the hidden truth; the policy sees only `observation()` and `candidates()`
 * (observation.ts) and answers with `step(index)`.
 *
 * The hidden learner (the simulator's equations, simulator/dynamics.ts, extended):
 *   level_k(0)   = ability_u + skillAbility_{u,k}                         (a pool learner's, school.ts)
 *   p            = σ(Σ_k w_k · level_k / Σ_k w_k − difficulty_i)          (answerProbability)
 *   level_k     += rate_u · r_k · w_k · readiness_k · (y ? 1 : learningFromErrors) / (1 + n_k / saturation)
 *                  rate_u = learningRate_u · rateMultiplier_type, r_k the school's per-skill multiplier
 *   session break (every attemptsPerSession attempts, or a stop the learner comes back from):
 *   level_k      ← level_k(0) + (level_k − level_k(0)) · (1 − forgetting_type)   (forgetting)
 *   true mastery m_k = σ(level_k − skillDifficulty_k); the goal is mastered when m_k ≥ τ for every goal skill.
 * Engagement (engagement.ts): after each attempt the learner stops the session with probability h(p); after a
 * stop they come back with probability returnAfterStop_type, else drop out (the episode ends).
 *
 * Reward of a step t:  r_t = Σ_{k ∈ goal} (m_k after t − m_k before t) − costPerAttempt + sessionBonus · [t completed a session]
 * so the episode's return is the true mastery gained on the goal's skills, minus the attempts' cost, plus
 * the sessions continued to their end.
 *
 * The episode ends at maxAttempts, when the learner drops out, or when the goal is mastered and at least
 * `budget` attempts were made (so both benchmark figures are read from one run). Randomness: one stream for
 * the environment (learner, type, goal, answers, stops: `seed`), another for the policy, so that two
 * policies meet the same learners, goals and answer draws as long as their choices agree.
 */
import { EngineError, EngineErrorCode } from "../errors.js";
import { createRng, type Rng, sigmoid } from "../math.js";
import { answerProbability, learnFromAttempt } from "../simulator/dynamics.js";
import type { SimulatedTask } from "../simulator/index.js";
import type { LearnerState } from "../types.js";
import { stopProbability } from "./engagement.js";
import { type Observation, type ObservedAttempt, observe, type PolicyCandidate } from "./observation.js";
import type { LearnerType } from "./params.js";
import type { SequencingPolicy } from "./policies.js";
import type { PolicyEnvironment } from "./school.js";

/** The hidden learner of an episode (never shown to a policy). */
export interface HiddenLearner {
  readonly learnerId: string;
  /** Initial true level per skill index (logits). */
  readonly initialLevel: ArrayLike<number>;
  /** Logit gain per attempt before the type's multiplier, the skill's multiplier, readiness and saturation. */
  readonly learningRate: number;
  readonly type: LearnerType;
}

export interface EpisodeSpec {
  /** Seeds the environment's stream (learner, type, goal, answers, stops) and, derived, the policy's. */
  readonly seed: number;
  /** The learner's type by name (default: drawn from the mixture). */
  readonly learnerType?: string;
  /** The goal's skills (default: options.goalSkills drawn among the curriculum's later two thirds). */
  readonly goalSkillIds?: readonly string[];
  /** An explicit hidden learner, with its own type (default: a pool learner drawn by the seed, of the type above). */
  readonly learner?: HiddenLearner;
}

export interface StepResult {
  readonly correct: 0 | 1;
  readonly reward: number;
  /** The learner stopped the session after this attempt. */
  readonly stopped: boolean;
  /**
   * h(p), the probability with which the learner stopped or went on (engagement.ts, at the TRUE p): the
   * environment's truth, for training and analysis only — an Observation never carries it.
   */
  readonly stopProbability: number;
  readonly done: boolean;
}

export interface EpisodeResult {
  readonly learnerType: string;
  readonly goalSkillIds: readonly string[];
  readonly attempts: number;
  /** Attempts when every goal skill first reached true mastery τ; null when it never did (censored). */
  readonly attemptsToMastery: number | null;
  /** Σ over the goal's skills of the true mastery gained after `budget` attempts (or at the drop-out, if earlier). */
  readonly masteryGainAtBudget: number;
  /** The learner made the `budget` attempts (did not drop out before). */
  readonly engagedAtBudget: boolean;
  readonly droppedOut: boolean;
  readonly sessionsCompleted: number;
  readonly sessionsStopped: number;
  /** Σ of the steps' rewards. */
  readonly totalReward: number;
  /** The probability the policy gave each of its choices (its propensities), in order. */
  readonly propensities: readonly number[];
}

const START_AT = Date.UTC(2026, 0, 5);
/** The learner id on the episode's traces (observation.ts: the engine sees only outcomes). */
export const EPISODE_LEARNER_ID = "episode-learner";
const MINUTE = 60_000;
const DAY = 86_400_000;

/** Draws a name from the mixture by shares. */
function drawType(types: readonly LearnerType[], rng: Rng): LearnerType {
  const total = types.reduce((s, t) => s + t.share, 0);
  let u = rng.next() * total;
  for (const t of types) {
    u -= t.share;
    if (u < 0 && t.share > 0) return t;
  }
  return types.filter((t) => t.share > 0).at(-1)!;
}

export class Episode {
  readonly goalSkillIds: readonly string[];
  readonly learnerType: string;
  private readonly envRng: Rng;
  readonly policyRng: Rng;
  private readonly learner: HiddenLearner;
  private readonly level: Float64Array;
  private readonly practice: Int32Array;
  private readonly goalIndex: readonly number[];
  private readonly startMastery: number;
  private readonly tasks: ReadonlyMap<string, SimulatedTask>;
  private state: LearnerState;
  private readonly log: ObservedAttempt[] = [];
  private readonly propensities: number[] = [];
  private sessions = 1;
  private sessionAttempts = 0;
  private sessionsCompleted = 0;
  private sessionsStopped = 0;
  private droppedOut = false;
  private attemptsToMastery: number | null = null;
  private gainAtBudget: number | null = null;
  private totalReward = 0;
  private current: { observation: Observation; candidates: PolicyCandidate[] } | null = null;

  constructor(
    readonly env: PolicyEnvironment,
    spec: EpisodeSpec,
  ) {
    const school = env.school;
    const options = school.options;
    if (!Number.isInteger(spec?.seed)) throw new EngineError(EngineErrorCode.InvalidParameters, "episode: seed must be an integer");
    this.envRng = createRng(spec.seed);
    this.policyRng = createRng((spec.seed ^ 0x5bd1_e995) >>> 0);
    const skills = school.school.skills;
    let type: LearnerType;
    if (spec.learner) type = spec.learner.type;
    else if (spec.learnerType !== undefined) {
      const found = options.learnerTypes.find((t) => t.name === spec.learnerType);
      if (!found)
        throw new EngineError(EngineErrorCode.InvalidParameters, `episode: unknown learner type ${JSON.stringify(spec.learnerType)}`);
      type = found;
    } else type = drawType(options.learnerTypes, this.envRng);
    if (spec.learner) {
      if (spec.learner.initialLevel.length !== skills.length) {
        throw new EngineError(EngineErrorCode.InvalidParameters, `episode: the learner needs ${skills.length} initial levels`);
      }
      this.learner = spec.learner;
    } else {
      const u = school.pool[this.envRng.int(school.pool.length)]!;
      this.learner = {
        learnerId: u.learnerId,
        initialLevel: skills.map((s) => u.ability + u.skillAbilities[s.skillId]!),
        learningRate: u.learningRate,
        type,
      };
    }
    this.learnerType = type.name;
    this.level = Float64Array.from(this.learner.initialLevel);
    this.practice = new Int32Array(skills.length);
    this.goalSkillIds = spec.goalSkillIds ?? this.drawGoal();
    const index = school.dynamics.skillIndex;
    this.goalIndex = this.goalSkillIds.map((id) => {
      const k = index.get(id);
      if (k === undefined) throw new EngineError(EngineErrorCode.InvalidParameters, `episode: unknown goal skill ${JSON.stringify(id)}`);
      return k;
    });
    if (this.goalIndex.length === 0) throw new EngineError(EngineErrorCode.InvalidParameters, "episode: the goal names no skill");
    this.startMastery = this.goalMastery();
    this.tasks = new Map(school.school.tasks.map((t) => [t.taskId, t]));
    this.state = env.model.initialState();
  }

  /** The goal: options.goalSkills distinct skills among the curriculum's later two thirds (or all, if fewer). */
  private drawGoal(): string[] {
    const order = this.env.school.curriculum.order;
    const later = order.slice(Math.floor(order.length / 3));
    return this.envRng.shuffle(later).slice(0, Math.min(this.env.school.options.goalSkills, later.length));
  }

  private goalMastery(): number {
    const d = this.env.school.dynamics;
    let s = 0;
    for (const k of this.goalIndex) s += sigmoid(this.level[k]! - d.skillDifficulty[k]!);
    return s;
  }

  private goalMastered(): boolean {
    const d = this.env.school.dynamics;
    const tau = this.env.school.options.masteryThreshold;
    return this.goalIndex.every((k) => sigmoid(this.level[k]! - d.skillDifficulty[k]!) >= tau);
  }

  get attempts(): number {
    return this.log.length;
  }

  get done(): boolean {
    const o = this.env.school.options;
    return (
      this.droppedOut ||
      this.log.length >= o.maxAttempts ||
      (this.attemptsToMastery !== null && this.log.length >= o.budget) ||
      this.view().candidates.length === 0
    );
  }

  private view(): { observation: Observation; candidates: PolicyCandidate[] } {
    if (!this.current) {
      const o = this.env.school.options;
      this.current = observe({
        model: this.env.model,
        state: this.state,
        curriculum: this.env.school.curriculum,
        goalSkillIds: this.goalSkillIds,
        masteryThreshold: o.masteryThreshold,
        attempts: this.log,
        sessions: this.sessions,
        sessionAttempts: this.sessionAttempts,
        historyLength: o.historyLength,
        recommend: o.recommend,
      });
    }
    return this.current;
  }

  /** What the policy sees now. */
  observation(): Observation {
    return this.view().observation;
  }

  /** The recommender's candidates now (never empty while the episode is not done). */
  candidates(): readonly PolicyCandidate[] {
    return this.view().candidates;
  }

  /** The learner attempts candidate `index`; `probability` is the policy's propensity for it (logged). */
  step(index: number, probability = 1): StepResult {
    if (this.done) throw new EngineError(EngineErrorCode.InvalidParameters, "episode: step after the end");
    const { candidates } = this.view();
    const chosen = candidates[index];
    if (!Number.isInteger(index) || chosen === undefined) {
      throw new EngineError(EngineErrorCode.InvalidParameters, `episode: ${index} is not a candidate index (0..${candidates.length - 1})`);
    }
    const school = this.env.school;
    const o = school.options;
    const task = this.tasks.get(chosen.taskId)!;
    const before = this.goalMastery();

    const p = answerProbability(school.dynamics, this.level, task, 0);
    const correct: 0 | 1 = this.envRng.next() < p ? 1 : 0;
    learnFromAttempt(
      school.dynamics,
      this.level,
      this.practice,
      task,
      correct,
      this.learner.learningRate * this.learner.type.rateMultiplier,
      school.skillRate,
    );
    const at = START_AT + (this.sessions - 1) * DAY + (this.sessionAttempts + 1) * MINUTE;
    // The trace names the episode's learner, not the pool learner it was drawn from: nothing of the hidden
    // learner reaches the engine but the outcome.
    this.state = this.env.model.update(this.state, { learnerId: EPISODE_LEARNER_ID, taskId: task.taskId, correct, at });
    this.log.push({ taskId: task.taskId, skillId: chosen.skillId, correct, predicted: chosen.predictedSuccess });
    this.propensities.push(probability);
    this.sessionAttempts++;
    if (this.attemptsToMastery === null && this.goalMastered()) this.attemptsToMastery = this.log.length;
    // Read before this attempt's session break: the budget's figure is what the attempts achieved.
    if (this.log.length === o.budget) this.gainAtBudget = this.goalMastery() - this.startMastery;

    const hazard = stopProbability(o.engagement, p, this.learner.type.discouragement);
    const stopped = this.envRng.next() < hazard;
    let completed = false;
    if (stopped) {
      this.sessionsStopped++;
      if (this.envRng.next() < this.learner.type.returnAfterStop) this.sessionBreak();
      else {
        this.droppedOut = true;
        this.gainAtBudget ??= this.goalMastery() - this.startMastery;
      }
    } else if (this.sessionAttempts >= o.attemptsPerSession) {
      completed = true;
      this.sessionsCompleted++;
      this.sessionBreak();
    }

    const reward = this.goalMastery() - before - o.costPerAttempt + (completed ? o.sessionBonus : 0);
    this.totalReward += reward;
    this.current = null;
    return { correct, reward, stopped, stopProbability: hazard, done: this.done };
  }

  /** Forgetting: each skill keeps (1 − forgetting) of what it gained since the episode began. */
  private sessionBreak(): void {
    const f = this.learner.type.forgetting;
    for (let k = 0; k < this.level.length; k++) {
      const start = this.learner.initialLevel[k]!;
      this.level[k] = start + (this.level[k]! - start) * (1 - f);
    }
    this.sessions++;
    this.sessionAttempts = 0;
  }

  result(): EpisodeResult {
    return {
      learnerType: this.learnerType,
      goalSkillIds: this.goalSkillIds,
      attempts: this.log.length,
      attemptsToMastery: this.attemptsToMastery,
      masteryGainAtBudget: this.gainAtBudget ?? this.goalMastery() - this.startMastery,
      engagedAtBudget: !this.droppedOut || this.log.length >= this.env.school.options.budget,
      droppedOut: this.droppedOut,
      sessionsCompleted: this.sessionsCompleted,
      sessionsStopped: this.sessionsStopped,
      totalReward: this.totalReward,
      propensities: this.propensities,
    };
  }
}

/** Runs `policy` through one episode to its end. */
export function runEpisode(env: PolicyEnvironment, policy: SequencingPolicy, spec: EpisodeSpec): EpisodeResult {
  const episode = new Episode(env, spec);
  while (!episode.done) {
    const choice = policy.choose(episode.observation(), episode.candidates(), episode.policyRng);
    episode.step(choice.index, choice.probability);
  }
  return episode.result();
}
