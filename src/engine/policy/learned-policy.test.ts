/**
 * The learned sequencing policy (features.ts, network.ts, learned.ts, ppo.ts) on tiny environments with
 * a known best policy, and its file format. The knowledge model is Elo (fast to fit) on each school's
 * history; training runs are a few seconds.
 */
import { eloTrainer } from "../baselines/index.js";
import { initBackend } from "../backend.js";
import { EngineErrorCode, isEngineError } from "../errors.js";
import {
  DEFAULT_ENGAGEMENT,
  Episode,
  FEATURE_COUNT,
  FEATURE_LAYOUT,
  type HiddenLearner,
  HELD_OUT_FAMILIES,
  LearnedPolicy,
  loadPolicy,
  type Observation,
  type ObservedAttempt,
  type PolicyCandidate,
  type PolicyEnvironment,
  type PolicyEnvOptions,
  type PolicyFamily,
  policyFeatures,
  RANDOM_POLICY,
  runEpisode,
  type SequencingPolicy,
  serializePolicy,
  sharpenPolicy,
  simulatePolicySchool,
  trainPolicy,
} from "./index.js";

/**
 * Two skills, the second's only prerequisite the first (frac-meaning → frac-number-line); the goal is
 * the second. Learners never stop (no engagement effects), do not forget, and the prerequisite gate is
 * off (gap 1), so the policy alone decides between the two skills' tasks.
 */
const pair = (prerequisiteStrength: number): PolicyFamily => ({
  name: `pair-${prerequisiteStrength}`,
  description: "two skills, one the prerequisite of the other",
  simulator: { skills: 2, tasksPerSkill: 6, multiSkillFraction: 0, taskDifficultySd: 0.3, learningRateMean: 0.4, prerequisiteStrength },
  heldOut: false,
});
const EPISODE = 30;
const pairOptions: Partial<PolicyEnvOptions> = {
  historyLearners: 60,
  poolLearners: 30,
  budget: EPISODE,
  maxAttempts: EPISODE,
  engagement: { ...DEFAULT_ENGAGEMENT, baseStop: 0, hardWeight: 0, easyWeight: 0 },
  learnerTypes: [{ name: "steady", share: 1, rateMultiplier: 1, forgetting: 0, discouragement: 1, returnAfterStop: 1 }],
  recommend: { prerequisiteGap: 1 },
};

async function pairEnvironment(strength: number, seed: number): Promise<PolicyEnvironment> {
  const school = simulatePolicySchool(pair(strength), seed, pairOptions);
  return { school, model: await eloTrainer.fit(school.history, { seed }) };
}

const goalOf = (env: PolicyEnvironment) => env.school.curriculum.order[1]!;

/** The candidate of `skillId` closest to predicted success 0.75, else the first candidate. */
function onSkill(name: string, pick: (observation: Observation, candidates: readonly PolicyCandidate[]) => string): SequencingPolicy {
  return {
    name,
    choose(observation, candidates) {
      const skill = pick(observation, candidates);
      let best = -1;
      candidates.forEach((c, i) => {
        if (c.skillId !== skill) return;
        if (best < 0 || Math.abs(c.predictedSuccess - 0.75) < Math.abs(candidates[best]!.predictedSuccess - 0.75)) best = i;
      });
      return { index: Math.max(0, best), probability: 1 };
    },
  };
}
/** Practise the goal skill from the start. */
const GOAL_FIRST = onSkill("GOAL_FIRST", (o) => o.goalSkillIds[0]!);
/** Practise the prerequisite while the engine does not estimate it mastered, then the goal skill. */
const PREREQUISITE_FIRST = onSkill("PREREQUISITE_FIRST", (o, candidates) => {
  const goal = o.goalSkillIds[0]!;
  const pre = candidates.find((c) => c.skillId !== goal)?.skillId;
  const m = (pre === undefined ? undefined : o.mastery.get(pre)?.p) ?? 1;
  return pre !== undefined && m < o.masteryThreshold ? pre : goal;
});

/** Mean true goal mastery gained over `episodes` episodes (the same seeds for every policy). */
function meanGain(env: PolicyEnvironment, policy: SequencingPolicy, episodes: number): number {
  const goal = [goalOf(env)];
  let s = 0;
  for (let seed = 1; seed <= episodes; seed++)
    s += runEpisode(env, policy, { seed: 50_000 + seed, goalSkillIds: goal }).masteryGainAtBudget;
  return s / episodes;
}

/** The share of π on the goal skill's tasks, over the decisions of a few episodes where both skills are candidates. */
function goalShare(env: PolicyEnvironment, policy: LearnedPolicy, episodes: number): number {
  const goal = goalOf(env);
  let share = 0,
    decisions = 0;
  for (let seed = 1; seed <= episodes; seed++) {
    const episode = new Episode(env, { seed: 70_000 + seed, goalSkillIds: [goal] });
    while (!episode.done) {
      const candidates = episode.candidates();
      const choice = policy.choose(episode.observation(), candidates, episode.policyRng);
      if (candidates.some((c) => c.skillId === goal) && candidates.some((c) => c.skillId !== goal)) {
        const p = policy.probabilities(episode.observation(), candidates);
        candidates.forEach((c, i) => {
          if (c.skillId === goal) share += p[i]!;
        });
        decisions++;
      }
      episode.step(choice.index, choice.probability);
    }
  }
  return share / decisions;
}

const TINY = { iterations: 25, episodesPerIteration: 16, minibatchSize: 128, learningRate: 0.01, hidden: 16, criticHidden: 16 };

beforeAll(() => initBackend());

describe("learned sequencing policy", () => {
  it("learns the known best policy of a two-skill environment: the goal skill when the prerequisite does not matter, the prerequisite first when it does", async () => {
    const results: Record<string, { learned: number; goalFirst: number; prerequisiteFirst: number; random: number; goalShare: number }> =
      {};
    for (const strength of [0, 4]) {
      const env = await pairEnvironment(strength, 3);
      const trained = await trainPolicy([env], { seed: 11 }, TINY);
      results[strength] = {
        learned: meanGain(env, trained.policy, 60),
        goalFirst: meanGain(env, GOAL_FIRST, 60),
        prerequisiteFirst: meanGain(env, PREREQUISITE_FIRST, 60),
        random: meanGain(env, RANDOM_POLICY, 60),
        goalShare: goalShare(env, trained.policy, 10),
      };
    }
    const free = results[0]!,
      steep = results[4]!;
    // The premise: each environment has a different best rule of the two.
    expect(free.goalFirst).toBeGreaterThan(free.prerequisiteFirst);
    expect(steep.prerequisiteFirst).toBeGreaterThan(steep.goalFirst);
    // Learnt from the consequences alone: it chooses as the best rule does where the two skills compete
    // (the prerequisite is a candidate only while the engine does not estimate it mastered, when the best
    // rule of the steep environment never takes the goal skill) …
    expect(free.goalShare).toBeGreaterThan(0.8);
    expect(steep.goalShare).toBeLessThan(0.2);
    // … and gains more true mastery than RANDOM, closer to the best rule than to the worse one.
    for (const r of [free, steep]) {
      const best = Math.max(r.goalFirst, r.prerequisiteFirst),
        worst = Math.min(r.goalFirst, r.prerequisiteFirst);
      expect(r.learned).toBeGreaterThan(r.random);
      expect(r.learned).toBeGreaterThan((best + worst) / 2);
    }
  });

  it("the same seed gives the same policy, another seed another; the file round-trips to the same choices", async () => {
    const env = await pairEnvironment(1, 5);
    const short = { ...TINY, iterations: 2 };
    const a = await trainPolicy([env], { seed: 1 }, short);
    const b = await trainPolicy([env], { seed: 1 }, short);
    const c = await trainPolicy([env], { seed: 2 }, short);
    const strip = (text: string) => {
      const file = JSON.parse(text) as { weights: unknown };
      return JSON.stringify(file.weights);
    };
    expect(strip(serializePolicy(b.policy))).toBe(strip(serializePolicy(a.policy)));
    expect(b.curve).toEqual(a.curve);
    expect(strip(serializePolicy(c.policy))).not.toBe(strip(serializePolicy(a.policy)));

    const text = serializePolicy(a.policy);
    expect(text.length).toBeLessThan(20_000);
    const loaded = loadPolicy(text);
    const episode = new Episode(env, { seed: 3 });
    const observation = episode.observation(),
      candidates = episode.candidates();
    expect([...loaded.probabilities(observation, candidates)]).toEqual([...a.policy.probabilities(observation, candidates)]);
  });

  it("is served sharpened: trainPolicy returns π at its temperature (default 0.25), sharpenPolicy(π, T) ∝ π^(1/T), kept through the file", async () => {
    const env = await pairEnvironment(1, 5);
    const asTrained = (await trainPolicy([env], { seed: 3 }, { ...TINY, iterations: 2, temperature: 1 })).policy;
    const served = (await trainPolicy([env], { seed: 3 }, { ...TINY, iterations: 2 })).policy;
    expect(asTrained.training.temperature).toBeUndefined();
    expect(served.training.temperature).toBe(0.25);
    const half = sharpenPolicy(asTrained, 0.5);
    expect(half.training.temperature).toBe(0.5);
    expect(sharpenPolicy(half, 0.5).training.temperature).toBe(0.25);
    const episode = new Episode(env, { seed: 12, goalSkillIds: [goalOf(env)] });
    for (let t = 0; t < 6; t++) {
      const observation = episode.observation();
      const candidates = episode.candidates();
      const p = [...asTrained.probabilities(observation, candidates)];
      const squared = p.map((x) => x * x);
      const z = squared.reduce((a, b) => a + b, 0);
      const q = [...half.probabilities(observation, candidates)];
      q.forEach((x, i) => {
        expect(x).toBeCloseTo(squared[i]! / z, 4);
      });
      // The served policy is the trained one at 0.25: π^4, normalised (same seed, same weights before sharpening).
      const fourth = p.map((x) => x ** 4);
      const z4 = fourth.reduce((a, b) => a + b, 0);
      [...served.probabilities(observation, candidates)].forEach((x, i) => {
        expect(x).toBeCloseTo(fourth[i]! / z4, 4);
      });
      expect([...loadPolicy(serializePolicy(half)).probabilities(observation, candidates)]).toEqual(q);
      episode.step(asTrained.choose(observation, candidates, episode.policyRng).index);
    }
    expect(loadPolicy(serializePolicy(half)).training.temperature).toBe(0.5);
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => sharpenPolicy(asTrained, bad)).toThrow(expect.objectContaining({ code: EngineErrorCode.InvalidParameters }));
    }
  });

  it("refuses a policy file of another format version or feature layout (UNSUPPORTED_FORMAT), a damaged one (CORRUPT_MODEL)", async () => {
    const env = await pairEnvironment(1, 6);
    const { policy } = await trainPolicy([env], { seed: 3 }, { ...TINY, iterations: 1 });
    const file = JSON.parse(serializePolicy(policy)) as Record<string, unknown>;
    const codeOf = (text: string) => {
      try {
        loadPolicy(text);
      } catch (e) {
        return isEngineError(e) ? e.code : "other";
      }
      return "loaded";
    };
    expect(codeOf(JSON.stringify(file))).toBe("loaded");
    expect(codeOf(JSON.stringify({ ...file, version: 2 }))).toBe(EngineErrorCode.UnsupportedFormat);
    expect(codeOf(JSON.stringify({ ...file, version: 0 }))).toBe(EngineErrorCode.UnsupportedFormat);
    const otherLayout = [...FEATURE_LAYOUT];
    otherLayout[3] = "somethingElse";
    expect(codeOf(JSON.stringify({ ...file, featureLayout: otherLayout }))).toBe(EngineErrorCode.UnsupportedFormat);
    expect(codeOf(JSON.stringify({ ...file, featureLayout: FEATURE_LAYOUT.slice(1) }))).toBe(EngineErrorCode.UnsupportedFormat);
    const weights = file.weights as { w1: number[] };
    expect(codeOf(JSON.stringify({ ...file, weights: { ...weights, w1: weights.w1.slice(1) } }))).toBe(EngineErrorCode.CorruptModel);
    expect(codeOf(JSON.stringify({ ...file, weights: { ...weights, w1: weights.w1.map(() => "x") } }))).toBe(EngineErrorCode.CorruptModel);
    expect(codeOf(serializePolicy(policy).slice(0, 100))).toBe(EngineErrorCode.CorruptModel);
    expect(codeOf("")).toBe(EngineErrorCode.CorruptModel);
    expect(codeOf(JSON.stringify({ ...file, format: "something" }))).toBe(EngineErrorCode.CorruptModel);
  });

  it("reads no hidden truth: its inputs' types have no truth field, and learners of different truth observed alike are scored alike", async () => {
    // Type level: what the policy's features and choice read (Observation, its attempts, the candidates)
    // has none of the hidden learner's fields nor of the simulator's truth.
    type Read = keyof Observation | keyof ObservedAttempt | keyof PolicyCandidate;
    type Truth = keyof HiddenLearner | "level" | "levels" | "ability" | "trueSuccess" | "difficulty" | "truth" | "learnerType" | "type";
    const noTruth: [Extract<Read, Truth>] extends [never] ? true : false = true;
    expect(noTruth).toBe(true);

    // Structurally: two learners far above every task (they answer right) of different levels and
    // learning rates get the same features and probabilities at every step.
    const env = await pairEnvironment(1, 7);
    const { policy } = await trainPolicy([env], { seed: 4 }, { ...TINY, iterations: 1 });
    const learner = (level: number, rate: number, id: string): HiddenLearner => ({
      learnerId: id,
      initialLevel: [level, level],
      learningRate: rate,
      type: { name: "steady", share: 1, rateMultiplier: 1, forgetting: 0, discouragement: 1, returnAfterStop: 1 },
    });
    const a = new Episode(env, { seed: 9, learner: learner(9, 0.3, "a"), goalSkillIds: [goalOf(env)] });
    const b = new Episode(env, { seed: 9, learner: learner(12, 0.1, "b"), goalSkillIds: [goalOf(env)] });
    for (let t = 0; t < 10; t++) {
      const x = policyFeatures(a.observation(), a.candidates());
      expect(x).toHaveLength(a.candidates().length * FEATURE_COUNT);
      expect([...policyFeatures(b.observation(), b.candidates())]).toEqual([...x]);
      expect([...policy.probabilities(b.observation(), b.candidates())]).toEqual([
        ...policy.probabilities(a.observation(), a.candidates()),
      ]);
      const choice = policy.choose(a.observation(), a.candidates(), a.policyRng);
      expect(b.step(choice.index).correct).toBe(a.step(choice.index).correct);
    }
  });

  it("refuses bad training input: a held-out family, no environment, a bad option or seed (INVALID_PARAMETERS)", async () => {
    const env = await pairEnvironment(1, 8);
    const heldOut = simulatePolicySchool(HELD_OUT_FAMILIES[0]!, 1, { historyLearners: 30, poolLearners: 10 });
    const heldOutEnv = { school: heldOut, model: await eloTrainer.fit(heldOut.history, { seed: 1 }) };
    const codeOf = async (f: () => Promise<unknown>) => {
      try {
        await f();
      } catch (e) {
        return isEngineError(e) ? e.code : "other";
      }
      return "trained";
    };
    const invalid = EngineErrorCode.InvalidParameters;
    expect(await codeOf(() => trainPolicy([heldOutEnv], { seed: 1 }, { ...TINY, iterations: 1 }))).toBe(invalid);
    expect(await codeOf(() => trainPolicy([], { seed: 1 }, TINY))).toBe(invalid);
    expect(await codeOf(() => trainPolicy([env], { seed: 1.5 }, TINY))).toBe(invalid);
    for (const bad of [
      { iterations: 0 },
      { clip: 0 },
      { gamma: 1.5 },
      { learningRate: -1 },
      { hidden: 0 },
      { stopPenalty: -1 },
      { stopPenaltyOn: "sometimes" as "expected" },
      { temperature: 0 },
      { temperature: 2 },
      { featureParams: { sessionLength: 0, historyLength: 10, recencyScale: 3 } },
    ]) {
      expect(await codeOf(() => trainPolicy([env], { seed: 1 }, { ...TINY, ...bad }))).toBe(invalid);
    }
    const episode = new Episode(env, { seed: 1 });
    expect(() => policyFeatures(episode.observation(), [])).toThrow(/no candidate/);
  });
});
