/**
 * A seeded synthetic school: a skill DAG, tasks with a Q-matrix, learners with hidden
 * abilities, learning rates and group membership, who learn as they practise. Pure: the same params, seed
 * and start time always give the same school, traces and ground truth.
 *
 * The generative model (all in logits):
 *
 *   level_{u,k}(0)  = ability_u + groupOffset_{g(u)} + skillAbility_{u,k}
 *   P(correct)      = (1 − slip_{g(u)}) · σ( Σ_k w_{i,k} · level_{u,k} / Σ_k w_{i,k} − difficulty_i ) + slip_{g(u)} / 2
 *   after an attempt, for every skill k of task i:
 *   level_{u,k}    += rate_u · w_{i,k} · readiness_{u,k} · (y ? 1 : learningFromErrors) / (1 + n_{u,k} / saturation)
 *   readiness_{u,k} = ( mean_{p ∈ prereq(k)} σ(level_{u,p} − skillDifficulty_p) ) ^ prerequisiteStrength
 *
 * so practice raises mastery with diminishing returns, and a skill whose prerequisites are not mastered
 * is learnt slowly. Learners work through the skills in curriculum (topological) order, moving on after
 * enough practice or enough recent success, and now and then review an earlier skill. A learner makes
 * max(1, round(attemptsScale_{g(u)} · n)) attempts, n uniform in `attemptsPerLearner`.
 *
 * The group effects (groupAbilityOffset, groupSlip, groupAttemptsScale) exist to test the fairness audit:
 * lower prior ability, noisier answers (with probability slip the answer is a fair coin) and fewer
 * attempts. Their defaults (0, 0, 1) leave every school exactly as it was: the same random draws.
 */
import type { Catalog, TaskSkill, Trace } from "../types.js";
import { createRng, sigmoid } from "../math.js";
import { FRACTIONS_CURRICULUM, KIND_DURATION_SEC, TASK_KINDS, TOPICS, type TaskKind } from "./curriculum.js";
import { resolveSimulatorParams, type SimulatorParams } from "./params.js";
import { answerProbability, type Dynamics, learnFromAttempt } from "./dynamics.js";

export interface SimulatedSkill {
  readonly skillId: string;
  readonly name: string;
  readonly prerequisites: readonly string[];
  /** Position in the curriculum (a topological order of the DAG). */
  readonly position: number;
  /** True mean difficulty of the skill's tasks (logits). */
  readonly difficulty: number;
}

export interface SimulatedTask {
  readonly taskId: string;
  readonly title: string;
  /** Q-matrix row: the primary skill with weight 1, possibly a prerequisite with weight 0.5. */
  readonly skills: readonly TaskSkill[];
  readonly primarySkillId: string;
  readonly topics: readonly string[];
  readonly kind: TaskKind;
  readonly expectedDurationSec: number;
  /** True difficulty (logits). Hidden from models: ground truth. */
  readonly difficulty: number;
}

export interface SimulatedLearner {
  readonly learnerId: string;
  readonly group: string;
  /** Hidden general ability (logits), including the group's injected offset. */
  readonly ability: number;
  /** Hidden per-skill deviation from the general ability (logits). */
  readonly skillAbilities: Readonly<Record<string, number>>;
  /** Logit gain per practice attempt before saturation and readiness. */
  readonly learningRate: number;
  readonly interests: readonly string[];
}

/** A trace with what the simulator knows besides: the true P(correct) at that moment and the duration. */
export interface SimulatedAttempt extends Trace {
  readonly at: number;
  readonly durationSec: number;
  /** The true probability of success the outcome was drawn from (including the group's answer noise, groupSlip). */
  readonly pCorrect: number;
}

export interface SimulationTruth {
  readonly taskDifficulty: Readonly<Record<string, number>>;
  readonly skillDifficulty: Readonly<Record<string, number>>;
  readonly learnerAbility: Readonly<Record<string, number>>;
  /** Each learner's true skill levels (logits) after their last attempt. */
  readonly finalSkillLevel: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** Each learner's true P(correct) on a task of average difficulty for the skill, after their last attempt. */
  readonly finalMastery: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

export interface SimulatedSchool {
  readonly params: SimulatorParams;
  readonly seed: number;
  readonly startAt: number;
  readonly catalog: Catalog;
  readonly skills: readonly SimulatedSkill[];
  readonly tasks: readonly SimulatedTask[];
  readonly learners: readonly SimulatedLearner[];
  /** Every attempt, learner after learner, each learner's in time order. */
  readonly traces: readonly SimulatedAttempt[];
  /** learnerId → that learner's attempts, oldest first (a `TrainingSet`'s `sequences`). */
  readonly sequences: ReadonlyMap<string, readonly SimulatedAttempt[]>;
  readonly truth: SimulationTruth;
}

const DAY_MS = 86_400_000;
const pad = (n: number, width: number) => String(n).padStart(width, "0");

function buildSkills(p: SimulatorParams, rng: ReturnType<typeof createRng>): SimulatedSkill[] {
  const skills: SimulatedSkill[] = [];
  for (let k = 0; k < p.skills; k++) {
    const template = FRACTIONS_CURRICULUM[k];
    const skillId = template?.skillId ?? `skill-${pad(k + 1, 3)}`;
    let prerequisites: string[];
    if (template) {
      prerequisites = template.prerequisites.filter((id) => skills.some((s) => s.skillId === id));
    } else {
      // Generated skills: one or two prerequisites among the earlier skills keep the graph a DAG.
      const count = Math.min(k, 1 + rng.int(2));
      prerequisites = rng.shuffle(skills.map((s) => s.skillId)).slice(0, count);
    }
    const position = p.skills === 1 ? 0.5 : k / (p.skills - 1);
    const difficulty = p.skillDifficultySpread * (position - 0.5) + 0.3 * rng.normal();
    skills.push({ skillId, name: template?.name ?? `Skill ${k + 1}`, prerequisites, position: k, difficulty });
  }
  return skills;
}

function buildTasks(p: SimulatorParams, skills: readonly SimulatedSkill[], rng: ReturnType<typeof createRng>): SimulatedTask[] {
  const tasks: SimulatedTask[] = [];
  for (const skill of skills) {
    for (let t = 0; t < p.tasksPerSkill; t++) {
      const kind = TASK_KINDS[rng.int(TASK_KINDS.length)]!;
      const q: TaskSkill[] = [{ skillId: skill.skillId, weight: 1 }];
      if (skill.prerequisites.length > 0 && rng.next() < p.multiSkillFraction) {
        q.push({ skillId: rng.pick(skill.prerequisites), weight: 0.5 });
      }
      const topics = rng.shuffle(TOPICS).slice(0, 1 + rng.int(2));
      tasks.push({
        taskId: `${skill.skillId}-t${pad(t + 1, 2)}`,
        title: `${skill.name}: ${kind} ${t + 1} (${topics.join(", ")})`,
        skills: q,
        primarySkillId: skill.skillId,
        topics,
        kind,
        expectedDurationSec: Math.round(KIND_DURATION_SEC[kind] * Math.exp(0.3 * rng.normal())),
        difficulty: skill.difficulty + p.taskDifficultySd * rng.normal(),
      });
    }
  }
  return tasks;
}

/** Draws one synthetic school. `startAt` is the epoch ms of the first study day (time is an argument). */
export function simulateSchool(params: Partial<SimulatorParams> = {}, seed = 1, startAt = Date.UTC(2026, 0, 5)): SimulatedSchool {
  const p = resolveSimulatorParams(params);
  const rng = createRng(seed);
  const skills = buildSkills(p, rng);
  const tasks = buildTasks(p, skills, rng);
  const skillIndex = new Map(skills.map((s, i) => [s.skillId, i]));
  const tasksBySkill = skills.map((s) => tasks.filter((t) => t.primarySkillId === s.skillId));
  const prereqIndices = skills.map((s) => s.prerequisites.map((id) => skillIndex.get(id)!));
  const dynamics: Dynamics = { params: p, skillIndex, prereqIndices, skillDifficulty: skills.map((s) => s.difficulty) };

  const groupNames = Object.keys(p.groups);
  const groupShares = groupNames.map((g) => p.groups[g]!);
  const shareTotal = groupShares.reduce((a, b) => a + b, 0);
  const drawGroup = () => {
    let u = rng.next() * shareTotal;
    for (let g = 0; g < groupNames.length; g++) {
      u -= groupShares[g]!;
      if (u < 0) return groupNames[g]!;
    }
    return groupNames[groupNames.length - 1]!;
  };

  const learners: SimulatedLearner[] = [];
  const traces: SimulatedAttempt[] = [];
  const sequences = new Map<string, SimulatedAttempt[]>();
  const finalSkillLevel: Record<string, Record<string, number>> = {};
  const finalMastery: Record<string, Record<string, number>> = {};
  const width = String(p.learners).length;
  const sigmaRate = p.learningRateMean > 0 ? Math.sqrt(Math.log(1 + (p.learningRateSd / p.learningRateMean) ** 2)) : 0;

  for (let u = 0; u < p.learners; u++) {
    const learnerId = `learner-${pad(u + 1, Math.max(4, width))}`;
    const group = drawGroup();
    const ability = p.abilitySd * rng.normal() + (p.groupAbilityOffset[group] ?? 0);
    const skillAbilities: Record<string, number> = {};
    const level = new Float64Array(skills.length);
    const practice = new Int32Array(skills.length);
    skills.forEach((s, k) => {
      skillAbilities[s.skillId] = p.skillAbilitySd * rng.normal();
      level[k] = ability + skillAbilities[s.skillId]!;
    });
    // Log-normal learning rate with the requested mean and standard deviation.
    const learningRate = p.learningRateMean > 0 ? p.learningRateMean * Math.exp(sigmaRate * rng.normal() - (sigmaRate * sigmaRate) / 2) : 0;
    const interests = rng.shuffle(TOPICS).slice(0, 2);
    learners.push({ learnerId, group, ability, skillAbilities, learningRate, interests });

    const drawnAttempts = p.attemptsPerLearner[0] + rng.int(p.attemptsPerLearner[1] - p.attemptsPerLearner[0] + 1);
    const attemptsScale = p.groupAttemptsScale[group];
    const attempts = attemptsScale === undefined ? drawnAttempts : Math.max(1, Math.round(attemptsScale * drawnAttempts));
    const slip = p.groupSlip[group] ?? 0;
    const sequence: SimulatedAttempt[] = [];
    let current = p.curriculumStart === "anywhere" ? rng.int(skills.length) : 0; // curriculum position the learner is working on
    let recent: number[] = []; // outcomes on the current skill since arriving at it
    let lastTask = -1;
    const firstSessionStart = startAt + (8 + rng.next() * 8) * 3_600_000; // somewhere between 08:00 and 16:00
    let clock = firstSessionStart;
    let day = 0;

    for (let a = 0; a < attempts; a++) {
      if (a > 0 && a % p.attemptsPerSession === 0) {
        day += 1 + (rng.next() < 0.3 ? 1 : 0); // the next session is one or two days later
        clock = startAt + day * DAY_MS + (8 + rng.next() * 8) * 3_600_000;
      }
      // A retry (retryAfterFailure) repeats the failed task and counts as a review: it does not advance
      // the curriculum position's practice record. No draw at all when the option is 0.
      const retry = a > 0 && p.retryAfterFailure > 0 && sequence[a - 1]!.correct === 0 && rng.next() < p.retryAfterFailure;
      const finished = current >= skills.length;
      const reviewing = retry || finished || rng.next() < p.exploration;
      let task: SimulatedTask;
      if (retry) {
        task = tasks[lastTask]!;
      } else {
        const skillPos = reviewing ? rng.int(Math.min(current + 1, skills.length)) : current;
        const pool = tasksBySkill[skillPos]!;
        let taskPos = rng.int(pool.length);
        if (pool.length > 1 && tasks.indexOf(pool[taskPos]!) === lastTask) taskPos = (taskPos + 1) % pool.length;
        task = pool[taskPos]!;
      }
      lastTask = tasks.indexOf(task);

      const pCorrect = answerProbability(dynamics, level, task, slip);
      const correct: 0 | 1 = rng.next() < pCorrect ? 1 : 0;
      const durationSec = Math.max(5, Math.round(task.expectedDurationSec * Math.exp(0.35 * rng.normal())));
      clock += durationSec * 1000;
      const attempt: SimulatedAttempt = { learnerId, taskId: task.taskId, correct, at: Math.round(clock), durationSec, pCorrect };
      sequence.push(attempt);
      traces.push(attempt);
      clock += 10_000 + rng.int(50_000); // a pause before the next task

      // Learning: every skill of the task gains, scaled by readiness and saturating with practice.
      learnFromAttempt(dynamics, level, practice, task, correct, learningRate);

      if (!reviewing) {
        recent.push(correct);
        const window = recent.slice(-p.minPracticePerSkill);
        const rate = window.reduce((s, y) => s + y, 0) / window.length;
        if (recent.length >= p.maxPracticePerSkill || (recent.length >= p.minPracticePerSkill && rate >= p.moveOnSuccessRate)) {
          current++;
          recent = [];
        }
      }
    }
    sequences.set(learnerId, sequence);
    const levels: Record<string, number> = {};
    const mastery: Record<string, number> = {};
    skills.forEach((s, k) => {
      levels[s.skillId] = level[k]!;
      mastery[s.skillId] = sigmoid(level[k]! - s.difficulty);
    });
    finalSkillLevel[learnerId] = levels;
    finalMastery[learnerId] = mastery;
  }

  const catalog: Catalog = {
    tasks: tasks.map((t) => ({ taskId: t.taskId, skills: t.skills })),
    skillIds: skills.map((s) => s.skillId),
  };
  const truth: SimulationTruth = {
    taskDifficulty: Object.fromEntries(tasks.map((t) => [t.taskId, t.difficulty])),
    skillDifficulty: Object.fromEntries(skills.map((s) => [s.skillId, s.difficulty])),
    learnerAbility: Object.fromEntries(learners.map((l) => [l.learnerId, l.ability])),
    finalSkillLevel,
    finalMastery,
  };
  return { params: p, seed, startAt, catalog, skills, tasks, learners, traces, sequences, truth };
}
