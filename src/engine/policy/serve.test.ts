/**
 * Serving a learned policy (serve.ts) and training one for a given curriculum (curriculum-school.ts,
 * school-policy.ts), on a small simulated school with an Elo model. Training is tiny (a few iterations):
 * these tests check the plumbing, the gate's bookkeeping and the draws, not the policy's quality
 * (docs/benchmarks/policy.md measures that).
 */
import { eloTrainer } from "../baselines/index.js";
import { EngineErrorCode, isEngineError } from "../errors.js";
import { createRng } from "../math.js";
import { compileCurriculum, recommend } from "../recommend/index.js";
import { simulateSchool } from "../simulator/index.js";
import type { KnowledgeModel } from "../types.js";
import {
  curriculumFingerprint,
  curriculumPolicySchool,
  DEFAULT_FEATURE_PARAMS,
  Episode,
  FEATURE_COUNT,
  LearnedPolicy,
  loadPolicy,
  policyFeatures,
  policyRecommend,
  runEpisode,
  serializePolicy,
  servedObservation,
  trainSchoolPolicy,
  ZPD_POLICY,
} from "./index.js";
import { initialActor } from "./network.js";

const school = simulateSchool({ skills: 4, tasksPerSkill: 4, learners: 60 }, 7);
const curriculum = compileCurriculum({
  skills: school.skills.map((s) => ({ skillId: s.skillId, name: s.name, prerequisites: s.prerequisites })),
  tasks: school.tasks.map((t) => ({ taskId: t.taskId, skills: t.skills, topics: t.topics })),
});
let model: KnowledgeModel;

const tiny = {
  seed: 3,
  trainingSchools: 1,
  heldOutSchools: 1,
  gateEpisodes: 4,
  training: { iterations: 1, episodesPerIteration: 4, imitationEpisodes: 2, imitationSteps: 2, epochs: 1 },
  grid: { lows: [0.6], highs: [0.8, 0.9], episodesPerEnvironment: 2 },
  school: { env: { maxAttempts: 60, budget: 20 } },
};

beforeAll(async () => {
  model = await eloTrainer.fit({ catalog: school.catalog, sequences: school.sequences }, { seed: 1 });
});

describe("a simulated school on a given curriculum", () => {
  it("keeps the curriculum's skills, prerequisites and tasks, and draws its hidden truth by the seed", () => {
    const a = curriculumPolicySchool(curriculum, model, 5);
    const b = curriculumPolicySchool(curriculum, model, 5);
    const c = curriculumPolicySchool(curriculum, model, 6);
    expect(a.school.curriculum.order).toEqual(curriculum.order);
    expect([...a.school.curriculum.tasks.keys()].sort()).toEqual([...curriculum.tasks.keys()].sort());
    for (const s of a.school.school.skills) expect(s.prerequisites).toEqual(curriculum.skills.get(s.skillId)!.prerequisites);
    expect(a.school.school.tasks.map((t) => t.difficulty)).toEqual(b.school.school.tasks.map((t) => t.difficulty));
    expect(a.school.school.tasks.map((t) => t.difficulty)).not.toEqual(c.school.school.tasks.map((t) => t.difficulty));
    // Episodes run in it like in any policy school.
    const r = runEpisode(a, ZPD_POLICY, { seed: 1 });
    expect(r.attempts).toBeGreaterThan(0);
  });

  it("refuses a curriculum with fewer than two tasks the model knows", () => {
    const one = {
      skills: [{ skillId: curriculum.order[0]!, name: "one", prerequisites: [] }],
      tasks: [curriculum.tasksBySkill.get(curriculum.order[0]!)![0]!],
    };
    let error: unknown;
    try {
      curriculumPolicySchool(one, model, 1);
    } catch (e) {
      error = e;
    }
    expect(isEngineError(error) && error.code === EngineErrorCode.InvalidParameters).toBe(true);
  });

  it("fingerprints the structure, not the order of rows", () => {
    const reversed = {
      skills: [...curriculum.order]
        .reverse()
        .map((id) => ({ skillId: id, name: "x", prerequisites: curriculum.skills.get(id)!.prerequisites })),
      tasks: [...curriculum.tasks.values()].reverse(),
    };
    expect(curriculumFingerprint(reversed)).toBe(curriculumFingerprint(curriculum));
    const fewer = { skills: reversed.skills, tasks: reversed.tasks.slice(1) };
    expect(curriculumFingerprint(fewer)).not.toBe(curriculumFingerprint(curriculum));
  });
});

describe("training a school's policy and serving it", () => {
  it("trains, judges against the tuned ZPD rule and serves drawn choices with their propensities", async () => {
    const trained = await trainSchoolPolicy(curriculum, model, tiny);
    const v = trained.verdict;
    expect(v.episodes).toBe(4);
    expect(v.passed).toBe(v.difference > 0);
    expect(v.difference).toBeCloseTo(v.policy.meanReturn - v.tunedZpd.meanReturn, 9);
    expect(trained.fingerprint).toBe(curriculumFingerprint(curriculum));
    // The same seed gives the same policy.
    const again = await trainSchoolPolicy(curriculum, model, tiny);
    expect(again.policy.actor).toEqual(trained.policy.actor);
    expect(again.verdict).toEqual(v);

    const policy = loadPolicy(serializePolicy(trained.policy));
    const state = model.initialState();
    const input = { model, state, curriculum, policy, count: 3, history: [], sessions: 1, sessionAttempts: 0, seed: 11 };
    const served = policyRecommend(input);
    expect(served.candidates).toBeGreaterThan(1);
    expect(served.items).toHaveLength(3);
    const [first, ...rest] = served.items;
    expect(first!.reason.code).toBe("POLICY");
    expect(first!.reason.strategy).toBe("policy");
    expect(first!.reason.policy!.drawn).toBe(true);
    expect(first!.explanation).toContain("chosen by the learned sequencing policy");
    expect(first!.explanation).toContain("it aims at");
    for (const r of rest) expect(r.reason.policy!.drawn).toBe(false);
    // The drawn item's propensity is its π; the alternatives follow in decreasing π, fixed given the draw (propensity 1).
    expect(first!.propensity).toBe(first!.reason.policy!.probability);
    expect(first!.propensity! > 0 && first!.propensity! <= 1).toBe(true);
    for (const r of rest) expect(r.propensity).toBe(1);
    expect(rest[0]!.reason.policy!.probability).toBeGreaterThanOrEqual(rest[1]!.reason.policy!.probability);
    // The same seed draws the same task; the draws follow π over many seeds.
    expect(policyRecommend(input).items[0]!.taskId).toBe(first!.taskId);
    const drawn = new Set(Array.from({ length: 40 }, (_, s) => policyRecommend({ ...input, seed: s, count: 1 }).items[0]!.taskId));
    expect(drawn.size).toBeGreaterThan(1);
  }, 120_000);

  it("puts a teacher's pinned task first and never a skipped one", async () => {
    const trained = await trainSchoolPolicy(curriculum, model, tiny);
    const state = model.initialState();
    const zpd = recommend({ model, state, curriculum, count: 2 });
    const pinned = [...curriculum.tasks.keys()].at(-1)!;
    const skipped = zpd[0]!.taskId;
    const served = policyRecommend({
      model,
      state,
      curriculum,
      policy: trained.policy,
      count: 30,
      history: [],
      sessions: 1,
      sessionAttempts: 0,
      seed: 1,
      overrides: { pinnedTaskIds: [pinned], skippedTaskIds: [skipped] },
    });
    expect(served.items[0]!.taskId).toBe(pinned);
    expect(served.items[0]!.reason.code).toBe("PINNED");
    expect(served.items[0]!.propensity).toBe(1);
    expect(served.items.map((r) => r.taskId)).not.toContain(skipped);
  }, 120_000);
});

describe("the served observation", () => {
  it("is the one training makes: same learner state, goal and attempts give the same candidates, features and π", async () => {
    // A larger curriculum than above, so that most decisions have several candidates.
    const big = simulateSchool({ skills: 8, tasksPerSkill: 8, learners: 60 }, 11);
    const bigCurriculum = compileCurriculum({
      skills: big.skills.map((s) => ({ skillId: s.skillId, name: s.name, prerequisites: s.prerequisites })),
      tasks: big.tasks.map((t) => ({ taskId: t.taskId, skills: t.skills, topics: t.topics })),
    });
    const bigModel = await eloTrainer.fit({ catalog: big.catalog, sequences: big.sequences }, { seed: 1 });
    const env = curriculumPolicySchool(bigCurriculum, bigModel, 5);
    // Untrained weights, scaled so that π is far from uniform: the comparison is of inputs, not of quality.
    const actor = initialActor(createRng(9), FEATURE_COUNT, 8);
    for (let j = 0; j < actor.w2.length; j++) actor.w2[j]! *= 300;
    const policy = new LearnedPolicy(actor, DEFAULT_FEATURE_PARAMS, {
      seed: 9,
      families: [],
      iterations: 0,
      episodes: 0,
      steps: 0,
      seconds: 0,
    });
    const o = env.school.options;
    const episode = new Episode(env, { seed: 4 });
    let compared = 0,
      sessions = 0,
      decisive = 0;
    while (!episode.done && compared < 45) {
      const trainingObservation = episode.observation();
      const trainingCandidates = episode.candidates();
      // What the service passes: the state, the goal, the features' window of attempts and the counts.
      const input = {
        model: env.model,
        state: trainingObservation.context.state,
        curriculum: env.school.curriculum,
        targetSkillIds: episode.goalSkillIds,
        masteryThreshold: o.masteryThreshold,
        policy,
        history: trainingObservation.history,
        attempts: trainingObservation.attempts,
        sessions: trainingObservation.sessions,
        sessionAttempts: trainingObservation.sessionAttempts,
      };
      const served = servedObservation(input);
      expect(served.candidates).toEqual(trainingCandidates);
      const { context: _served, ...servedRest } = served.observation;
      const { context: _training, ...trainingRest } = trainingObservation;
      expect(servedRest).toEqual(trainingRest);
      expect(policyFeatures(served.observation, served.candidates)).toEqual(policyFeatures(trainingObservation, trainingCandidates));
      const pi = policy.probabilities(trainingObservation, trainingCandidates);
      const items = policyRecommend({ ...input, count: trainingCandidates.length, seed: compared }).items;
      expect(items).toHaveLength(trainingCandidates.length);
      for (const item of items) {
        const i = trainingCandidates.findIndex((c) => c.taskId === item.taskId);
        expect(item.reason.policy!.probability).toBe(pi[i]!);
      }
      if (pi.length > 1 && Math.max(...pi) - Math.min(...pi) > 0.05) decisive++;
      sessions = Math.max(sessions, trainingObservation.sessions);
      episode.step(policy.choose(trainingObservation, trainingCandidates, episode.policyRng).index);
      compared++;
    }
    // The comparison covered a long stretch of the episode, more than one session, and choices where π decides.
    expect(compared).toBeGreaterThan(20);
    expect(sessions).toBeGreaterThan(1);
    expect(decisive).toBeGreaterThan(5);
  });
});
