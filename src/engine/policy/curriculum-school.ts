/**
 * A simulated school built from a real school's own curriculum (skills, prerequisite DAG, tasks with
 * their Q-matrix) and its active knowledge model, so that a policy is trained for the curriculum it will
 * serve, observing through the model the live system runs (issue 19 item 4). School.ts draws whole
 * schools from simulator families; here only the hidden truth is drawn, around what the model believes:
 *
 *   difficulty_i  = clamp(−logit p₀(i), −4, 4) + taskNoise · N(0,1)     p₀ the model's prediction for a new learner
 *   skillDiff_k   = clamp(−logit m₀(k), −4, 4) + skillNoise · N(0,1)    m₀ its mastery of k for a new learner
 * so a typical new learner's true success is near the model's prior, while each drawn school is off by
 * the noise (the model is never exactly right, as in the live system). Learners (abilities, learning
 * rates) are drawn as the simulator draws them (simulator/params.ts); learning, forgetting and engagement
 * are the environment's (episode.ts). Only tasks the model knows are simulated (a task created after the
 * model's training has no prior: it joins at the next training).
 *
 * `curriculumFingerprint` names the curriculum a policy was trained for: a served policy whose
 * fingerprint differs from the school's current one is not used (services/policy).
 */
import { createHash } from "node:crypto";
import { EngineError, EngineErrorCode, isEngineError } from "../errors.js";
import { createRng, logit } from "../math.js";
import { compileCurriculum, type CompiledCurriculum, type CurriculumGraph } from "../recommend/index.js";
import type { Dynamics } from "../simulator/dynamics.js";
import { resolveSimulatorParams, type SimulatedSchool, type SimulatedLearner, type SimulatorParams } from "../simulator/index.js";
import type { KnowledgeModel, TaskSkill } from "../types.js";
import type { PolicyFamily } from "./families.js";
import { type PolicyEnvOptions, resolvePolicyEnvOptions } from "./params.js";
import type { PolicyEnvironment } from "./school.js";

/** The family of a school's own simulated schools (trained on; tuneZpdBand and trainPolicy accept it). */
export const SCHOOL_CURRICULUM_FAMILY: PolicyFamily = {
  name: "school-curriculum",
  description: "the school's own curriculum; hidden difficulties drawn around its active model's estimates",
  simulator: { saturation: 40 },
  heldOut: false,
};

export interface CurriculumSchoolOptions {
  readonly env: Partial<PolicyEnvOptions>;
  readonly simulator: Partial<SimulatorParams>;
  /** sd of a task's true difficulty around the model's (logits). Default 0.3. */
  readonly taskNoise: number;
  /** sd of a skill's true difficulty around the model's (logits). Default 0.3. */
  readonly skillNoise: number;
}

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));
const isUnknown = (e: unknown) => isEngineError(e) && (e.code === EngineErrorCode.UnknownTask || e.code === EngineErrorCode.UnknownSkill);

/** The curriculum's tasks that the model knows and that serve a skill (what can be simulated). */
export function simulableCurriculum(curriculum: CurriculumGraph | CompiledCurriculum, model: KnowledgeModel): CompiledCurriculum {
  const c = compileCurriculum(curriculum);
  const s0 = model.initialState();
  const tasks = [...c.tasks.values()].filter((t) => {
    if (t.skillId === null) return false;
    try {
      model.predict(s0, t.taskId);
      return true;
    } catch (e) {
      if (isUnknown(e)) return false;
      throw e;
    }
  });
  return compileCurriculum({
    skills: c.order.map((id) => ({ skillId: id, name: c.skills.get(id)!.name, prerequisites: c.skills.get(id)!.prerequisites })),
    tasks: tasks.map((t) => ({ taskId: t.taskId, skills: t.skills.filter((q) => c.skills.has(q.skillId)), topics: t.topics })),
  });
}

/**
 * A stable name of the curriculum's structure: skills with their prerequisites, tasks with their
 * Q-matrix (ids and weights), independent of the order rows come in. Names and topics are not in it.
 */
export function curriculumFingerprint(curriculum: CurriculumGraph | CompiledCurriculum): string {
  const c = compileCurriculum(curriculum);
  const skills = [...c.skills.values()].map((s) => `${s.skillId}<${[...s.prerequisites].sort().join(",")}`).sort();
  const tasks = [...c.tasks.values()]
    .map(
      (t) =>
        `${t.taskId}:${[...t.skills]
          .map((q) => `${q.skillId}*${q.weight}`)
          .sort()
          .join(",")}`,
    )
    .sort();
  return createHash("sha256").update(skills.join("\n")).update("\u0000").update(tasks.join("\n")).digest("hex");
}

/**
 * One simulated school on the curriculum (its simulable part), seeded. INVALID_PARAMETERS when fewer
 * than two tasks can be simulated: a policy has nothing to choose between.
 */
export function curriculumPolicySchool(
  curriculum: CurriculumGraph | CompiledCurriculum,
  model: KnowledgeModel,
  seed: number,
  options: Partial<CurriculumSchoolOptions> = {},
  startAt = Date.UTC(2026, 0, 5),
): PolicyEnvironment {
  if (!Number.isInteger(seed)) throw new EngineError(EngineErrorCode.InvalidParameters, "curriculumPolicySchool: seed must be an integer");
  const compiled = simulableCurriculum(curriculum, model);
  if (compiled.tasks.size < 2) {
    throw new EngineError(
      EngineErrorCode.InvalidParameters,
      `the curriculum has ${compiled.tasks.size} task(s) the model knows: a policy needs at least 2 to choose between`,
      { tasks: compiled.tasks.size },
    );
  }
  const o = resolvePolicyEnvOptions(options.env ?? {});
  const params = resolveSimulatorParams({ ...SCHOOL_CURRICULUM_FAMILY.simulator, ...(options.simulator ?? {}) });
  const taskNoise = options.taskNoise ?? 0.3;
  const skillNoise = options.skillNoise ?? 0.3;
  const rng = createRng(seed);
  const s0 = model.initialState();
  const order = compiled.order;
  const skillIndex = new Map(order.map((id, k) => [id, k]));

  const skills = order.map((id, k) => {
    let m0 = 0.5;
    try {
      m0 = model.mastery(s0, [id])[0]?.p ?? 0.5;
    } catch (e) {
      if (!isUnknown(e)) throw e;
    }
    const s = compiled.skills.get(id)!;
    return {
      skillId: id,
      name: s.name,
      prerequisites: s.prerequisites,
      position: k,
      difficulty: clamp(-logit(clamp(m0, 1e-4, 1 - 1e-4)), -4, 4) + skillNoise * rng.normal(),
    };
  });
  const tasks = [...compiled.tasks.values()].map((t) => {
    const p0 = model.predict(s0, t.taskId);
    return {
      taskId: t.taskId,
      title: t.taskId,
      skills: t.skills as readonly TaskSkill[],
      primarySkillId: t.skillId!,
      topics: t.topics,
      kind: "exercise" as const,
      expectedDurationSec: 60,
      difficulty: clamp(-logit(clamp(p0, 1e-4, 1 - 1e-4)), -4, 4) + taskNoise * rng.normal(),
    };
  });
  const sigmaRate = params.learningRateMean > 0 ? Math.sqrt(Math.log(1 + (params.learningRateSd / params.learningRateMean) ** 2)) : 0;
  const pool: SimulatedLearner[] = [];
  for (let u = 0; u < o.poolLearners; u++) {
    const ability = params.abilitySd * rng.normal();
    const skillAbilities: Record<string, number> = {};
    for (const s of skills) skillAbilities[s.skillId] = params.skillAbilitySd * rng.normal();
    const learningRate =
      params.learningRateMean > 0 ? params.learningRateMean * Math.exp(sigmaRate * rng.normal() - (sigmaRate * sigmaRate) / 2) : 0;
    pool.push({ learnerId: `pool-${u + 1}`, group: "all", ability, skillAbilities, learningRate, interests: [] });
  }
  const sd = o.skillRateSd;
  const skillRate = Float64Array.from(skills, () => Math.exp(sd * rng.normal() - (sd * sd) / 2));
  const dynamics: Dynamics = {
    params,
    skillIndex,
    prereqIndices: skills.map((s) => s.prerequisites.map((id) => skillIndex.get(id)!)),
    skillDifficulty: skills.map((s) => s.difficulty),
  };
  const catalog = { tasks: tasks.map((t) => ({ taskId: t.taskId, skills: t.skills })), skillIds: [...order] };
  const school: SimulatedSchool = {
    params,
    seed,
    startAt,
    catalog,
    skills,
    tasks,
    learners: pool,
    traces: [],
    sequences: new Map(),
    truth: {
      taskDifficulty: Object.fromEntries(tasks.map((t) => [t.taskId, t.difficulty])),
      skillDifficulty: Object.fromEntries(skills.map((s) => [s.skillId, s.difficulty])),
      learnerAbility: Object.fromEntries(pool.map((l) => [l.learnerId, l.ability])),
      finalSkillLevel: {},
      finalMastery: {},
    },
  };
  return {
    school: {
      family: SCHOOL_CURRICULUM_FAMILY,
      seed,
      options: o,
      school,
      curriculum: compiled,
      history: { catalog, sequences: new Map() },
      pool,
      skillRate,
      dynamics,
    },
    model,
  };
}
