/**
 * The sequencing environment through its public entry point, on simulated schools with fixed seeds. The
 * knowledge model is Elo (a model the live system can run; fast to fit), trained on each school's history.
 */
import { eloTrainer } from "../baselines/index.js";
import { EngineErrorCode, isEngineError } from "../errors.js";
import { sigmoid } from "../math.js";
import { recommend, recommendationCandidates } from "../recommend/index.js";
import {
  CURRICULUM_POLICY,
  DEFAULT_ENGAGEMENT,
  Episode,
  type EpisodeResult,
  HELD_OUT_FAMILIES,
  HEURISTIC_POLICIES,
  type HiddenLearner,
  type LearnerType,
  LOWEST_MASTERY_POLICY,
  observe,
  type PolicyEnvironment,
  type PolicyEnvOptions,
  type PolicyFamily,
  RANDOM_POLICY,
  resolvePolicyEnvOptions,
  runEpisode,
  type SequencingPolicy,
  simulatePolicySchool,
  stopProbability,
  TRAINING_FAMILIES,
  tuneZpdBand,
  ZPD_POLICY,
  zpdPolicy,
} from "./index.js";

async function environment(family: PolicyFamily, seed: number, options: Partial<PolicyEnvOptions> = {}): Promise<PolicyEnvironment> {
  const school = simulatePolicySchool(family, seed, { historyLearners: 60, poolLearners: 20, ...options });
  return { school, model: await eloTrainer.fit(school.history, { seed }) };
}

const fractions = TRAINING_FAMILIES[0]!;
/** One skill, no prerequisite, every task exactly as hard as the skill: the true p depends on the level only. */
const flat: PolicyFamily = {
  name: "flat",
  description: "one skill, tasks of equal difficulty",
  simulator: { skills: 1, tasksPerSkill: 8, taskDifficultySd: 0, multiSkillFraction: 0 },
  heldOut: false,
};
/** One skill whose tasks range from far too easy to far too hard. */
const spread: PolicyFamily = {
  name: "spread",
  description: "one skill, tasks of widely spread difficulty",
  simulator: { skills: 1, tasksPerSkill: 30, taskDifficultySd: 2.5, multiSkillFraction: 0 },
  heldOut: false,
};
const steady: LearnerType = { name: "steady", share: 1, rateMultiplier: 0, forgetting: 0, discouragement: 1, returnAfterStop: 1 };
const learnerAt = (level: number, skills: number, learningRate = 0, id = "x"): HiddenLearner => ({
  learnerId: id,
  initialLevel: new Array(skills).fill(level),
  learningRate,
  type: steady,
});

describe("policy environment", () => {
  it("is deterministic for a seed: the same school, and the same episode for the same policy and seed", async () => {
    const a = simulatePolicySchool(fractions, 5);
    const b = simulatePolicySchool(fractions, 5);
    expect(b.school.tasks.map((t) => t.difficulty)).toEqual(a.school.tasks.map((t) => t.difficulty));
    expect([...b.skillRate]).toEqual([...a.skillRate]);
    const env = await environment(fractions, 5);
    for (const policy of [RANDOM_POLICY, ZPD_POLICY]) {
      const first = runEpisode(env, policy, { seed: 9 });
      expect(runEpisode(env, policy, { seed: 9 })).toEqual(first);
      // The seed matters (else the equality above would say nothing).
      const others = [10, 11, 12].map((seed) => runEpisode(env, policy, { seed }));
      expect(others.some((r) => JSON.stringify(r) !== JSON.stringify(first))).toBe(true);
    }
  });

  it("stop probability follows its formula: base rate in the comfort zone, rising toward too hard and too easy", () => {
    const e = DEFAULT_ENGAGEMENT;
    expect(stopProbability(e, 0.7, 1)).toBeCloseTo(e.baseStop, 12);
    // p = 0.2: base + hardWeight · (0.4 − 0.2)/0.4
    expect(stopProbability(e, 0.2, 1)).toBeCloseTo(e.baseStop + e.hardWeight * 0.5, 12);
    // p = 1: base + easyWeight
    expect(stopProbability(e, 1, 1)).toBeCloseTo(e.baseStop + e.easyWeight, 12);
    expect(stopProbability(e, 0.2, 3)).toBeCloseTo(3 * (e.baseStop + e.hardWeight * 0.5), 12);
    expect(stopProbability({ ...e, maxStop: 0.1 }, 0, 3)).toBe(0.1);
    for (let p = 0; p < e.tooHardBelow; p += 0.05) expect(stopProbability(e, p, 1)).toBeGreaterThan(stopProbability(e, p + 0.05, 1));
    for (let p = e.tooEasyAbove + 0.01; p <= 1; p += 0.01)
      expect(stopProbability(e, p, 1)).toBeGreaterThan(stopProbability(e, p - 0.01, 1));
  });

  it("in episodes, learners stop as often as configured: more on far too hard and far too easy tasks", async () => {
    const engagement = { ...DEFAULT_ENGAGEMENT, baseStop: 0.02, hardWeight: 0.3, easyWeight: 0.2 };
    const env = await environment(flat, 3, { budget: 150, maxAttempts: 150, engagement });
    const difficulty = env.school.school.skills[0]!.difficulty;
    const rate = (level: number) => {
      let stops = 0,
        attempts = 0;
      for (let seed = 1; seed <= 8; seed++) {
        const r = runEpisode(env, RANDOM_POLICY, { seed, learner: learnerAt(level, 1) });
        stops += r.sessionsStopped;
        attempts += r.attempts;
      }
      const h = stopProbability(env.school.options.engagement, sigmoid(level - difficulty), 1);
      return { observed: stops / attempts, h, sd: Math.sqrt((h * (1 - h)) / attempts) };
    };
    const hard = rate(difficulty - 5);
    const comfortable = rate(difficulty + 1.1); // p ≈ 0.75
    const easy = rate(difficulty + 6);
    for (const r of [hard, comfortable, easy]) expect(Math.abs(r.observed - r.h)).toBeLessThan(4 * r.sd + 1e-9);
    expect(hard.observed).toBeGreaterThan(comfortable.observed + 0.15);
    expect(easy.observed).toBeGreaterThan(comfortable.observed + 0.1);

    // Each step reports the h it drew its stop with (the training's expected stop penalty charges it),
    // and the stops follow it.
    let stops = 0,
      hSum = 0,
      hVar = 0,
      steps = 0;
    for (let seed = 1; seed <= 8; seed++) {
      const episode = new Episode(env, { seed, learner: learnerAt(difficulty - 1, 1) });
      while (!episode.done) {
        const r = episode.step(0);
        expect(r.stopProbability).toBeCloseTo(stopProbability(engagement, sigmoid(-1), 1), 12); // a learner who does not learn
        stops += r.stopped ? 1 : 0;
        hSum += r.stopProbability;
        hVar += r.stopProbability * (1 - r.stopProbability);
        steps++;
      }
    }
    expect(hSum / steps).toBeGreaterThan(engagement.baseStop + 0.05); // p ≈ 0.27: too hard
    expect(Math.abs(stops - hSum)).toBeLessThan(4 * Math.sqrt(hVar) + 1e-9);
  });

  it("the observation carries no hidden truth: its fields are the live system's, and learners of different truth with the same history are observed alike", async () => {
    const env = await environment(fractions, 2, { historyLength: 50, engagement: { ...DEFAULT_ENGAGEMENT, baseStop: 0, easyWeight: 0 } });
    const skills = env.school.school.skills.length;
    // Two learners far above every task (their answers are right) but of different levels and learning rates.
    const a = new Episode(env, { seed: 4, learner: learnerAt(9, skills, 0.3, "a") });
    const b = new Episode(env, { seed: 4, learner: learnerAt(12, skills, 0.1, "b"), goalSkillIds: a.goalSkillIds });
    const obs = a.observation();
    expect(Object.keys(obs).sort()).toEqual(
      ["attempts", "context", "goalSkillIds", "history", "mastery", "masteryThreshold", "sessionAttempts", "sessions"].sort(),
    );
    expect(Object.keys(obs.context).sort()).toEqual(
      ["curriculum", "masteryThreshold", "model", "recentTaskIds", "state", "targetSkillIds"].sort(),
    );
    expect(Object.keys(a.candidates()[0]!).sort()).toEqual(["predictedSuccess", "skillId", "taskId"]);
    for (let t = 0; t < 12; t++) {
      expect(b.observation()).toEqual(a.observation());
      expect(b.candidates()).toEqual(a.candidates());
      const choice = ZPD_POLICY.choose(a.observation(), a.candidates(), a.policyRng);
      const ra = a.step(choice.index);
      const rb = b.step(choice.index);
      expect(rb.correct).toBe(ra.correct); // the premise: the same observed outcomes
    }
    // The observation is rebuilt from the observed attempts alone (engine state replayed from them).
    const o = env.school.options;
    const last = a.observation();
    expect(last.history).toHaveLength(12);
    const traces = last.history.map((h) => ({ learnerId: "episode-learner", taskId: h.taskId, correct: h.correct }));
    const rebuilt = observe({
      model: env.model,
      state: env.model.replay(env.model.initialState(), traces),
      curriculum: env.school.curriculum,
      goalSkillIds: a.goalSkillIds,
      masteryThreshold: o.masteryThreshold,
      attempts: last.history,
      sessions: last.sessions,
      sessionAttempts: last.sessionAttempts,
      historyLength: o.historyLength,
      recommend: o.recommend,
    });
    expect(rebuilt.observation.mastery).toEqual(last.mastery);
    expect(rebuilt.candidates).toEqual(a.candidates());
  });

  it("each heuristic policy chooses only among the recommender's candidates, as the recommender ranks them", async () => {
    const env = await environment(fractions, 6);
    for (const policy of [...HEURISTIC_POLICIES, zpdPolicy({ bandLow: 0.5, bandHigh: 0.7, bandTarget: 0.6 })]) {
      let inBandChosen = 0,
        inBandAvailable = 0;
      for (let seed = 1; seed <= 3; seed++) {
        const ep = new Episode(env, { seed });
        while (!ep.done) {
          const obs = ep.observation();
          const candidates = ep.candidates();
          const built = recommendationCandidates(obs.context, env.school.options.recommend);
          expect(candidates.map((c) => c.taskId)).toEqual(built.tasks.map((t) => t.taskId));
          const choice = policy.choose(obs, candidates, ep.policyRng);
          expect(Number.isInteger(choice.index) && choice.index >= 0 && choice.index < candidates.length).toBe(true);
          expect(choice.probability).toBeCloseTo(policy === RANDOM_POLICY ? 1 / candidates.length : 1, 12);
          const chosen = candidates[choice.index]!;
          if (policy === LOWEST_MASTERY_POLICY) {
            const m = new Map([...obs.mastery.values()].map((s) => [s.skillId, s.p]));
            expect(m.get(chosen.skillId)).toBeLessThanOrEqual(Math.min(...candidates.map((c) => m.get(c.skillId)!)) + 1e-12);
          }
          if (policy === ZPD_POLICY) {
            // The same task the recommender recommends first (the candidates are its own pool).
            expect(chosen.taskId).toBe(recommend({ ...obs.context, strategy: "zpd", count: 1 })[0]!.taskId);
            if (candidates.some((c) => c.predictedSuccess >= 0.65 && c.predictedSuccess <= 0.85)) {
              inBandAvailable++;
              if (chosen.predictedSuccess >= 0.65 && chosen.predictedSuccess <= 0.85) inBandChosen++;
            }
          }
          if (policy === CURRICULUM_POLICY) {
            const topo = (id: string) => env.school.curriculum.skills.get(id)!.topoIndex;
            expect(topo(chosen.skillId)).toBe(Math.min(...candidates.map((c) => topo(c.skillId))));
          }
          ep.step(choice.index, choice.probability);
        }
        expect(ep.result().propensities).toHaveLength(ep.attempts);
      }
      expect(inBandChosen).toBe(inBandAvailable);
    }
  });

  it("the ZPD rule gains more true mastery than RANDOM where tasks range from far too easy to far too hard", async () => {
    // Follows from the design: wrong answers teach half as much (learningFromErrors 0.5) and far too hard or
    // easy tasks make learners stop; ZPD aims at predicted success 0.75, RANDOM draws any task.
    const env = await environment(spread, 8);
    const mean = (policy: SequencingPolicy) => {
      const rs: EpisodeResult[] = [];
      for (let seed = 1; seed <= 40; seed++) rs.push(runEpisode(env, policy, { seed }));
      return rs.reduce((s, r) => s + r.masteryGainAtBudget, 0) / rs.length;
    };
    const zpd = mean(ZPD_POLICY),
      random = mean(RANDOM_POLICY);
    expect(zpd).toBeGreaterThan(random);
  });

  it("refuses bad options with INVALID_PARAMETERS, and tuning on a held-out family", async () => {
    const bad: Partial<PolicyEnvOptions>[] = [
      { budget: 0 },
      { budget: 50, maxAttempts: 40 },
      { engagement: { ...DEFAULT_ENGAGEMENT, tooHardBelow: 0.9, tooEasyAbove: 0.8 } },
      { engagement: { ...DEFAULT_ENGAGEMENT, baseStop: -0.1 } },
      { learnerTypes: [] },
      { learnerTypes: [{ ...steady, forgetting: 2 }] },
      { masteryThreshold: 1 },
      { recommend: { bandLow: 0.9, bandHigh: 0.5 } },
    ];
    for (const options of bad) {
      let error: unknown;
      try {
        resolvePolicyEnvOptions(options);
      } catch (e) {
        error = e;
      }
      expect(isEngineError(error) && error.code === EngineErrorCode.InvalidParameters).toBe(true);
    }
    expect(() => zpdPolicy({ bandLow: 0.8, bandHigh: 0.6 })).toThrow(/band/);
    const env = await environment(fractions, 1);
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        return isEngineError(e) ? e.code : "other";
      }
      return "none";
    };
    expect(code(() => new Episode(env, { seed: 1, goalSkillIds: ["no-such-skill"] }))).toBe(EngineErrorCode.InvalidParameters);
    expect(code(() => new Episode(env, { seed: 1, learnerType: "no-such-type" }))).toBe(EngineErrorCode.InvalidParameters);
    const episode = new Episode(env, { seed: 1 });
    expect(code(() => episode.step(episode.candidates().length))).toBe(EngineErrorCode.InvalidParameters);
    expect(episode.attempts).toBe(0); // the refused step changed nothing
    const heldOut = await environment(HELD_OUT_FAMILIES[0]!, 1);
    expect(() => tuneZpdBand([heldOut], { episodesPerEnvironment: 1 })).toThrow(/held out/);
  });

  it("tunes the band on training schools: the winner has the best mean return of the grid", async () => {
    const env = await environment(fractions, 4);
    const tuned = tuneZpdBand([env], { lows: [0.5, 0.7], highs: [0.8, 0.9], episodesPerEnvironment: 3 });
    expect(tuned.scores).toHaveLength(4);
    const best = Math.max(...tuned.scores.map((s) => s.meanReturn));
    expect(tuned.scores.find((s) => s.band === tuned.band)!.meanReturn).toBe(best);
    expect(tuned.band.bandTarget).toBeCloseTo((tuned.band.bandLow + tuned.band.bandHigh) / 2, 12);
  });
});
