/**
 * Off-policy evaluation on logged simulator traffic (issue 19 item 5): on each held-out school, episodes
 * are logged under ε-greedy ZPD (the product's ZPD_EXPLORATION_EPSILON: the ZPD rule's choice, or with
 * probability ε a candidate drawn uniformly), each decision with its propensity; the values of POLICY (the
 * learned policy), of ZPD (the rule itself) and of the logging policy are then estimated from those logs
 * alone (src/engine/policy/off-policy.ts: IS, WIS, PDIS, WPDIS, DR, WDR), and compared with their true
 * on-policy values, measured by running each policy on the same school (other learners' draws).
 *
 * The value is the environment's return over the first H decisions, for several H: off-policy weights
 * are products over decisions, so how far OPE can be trusted depends on the horizon. The reward model
 * of DR is linear in the learned policy's features of the (state, task) pair, fitted by ridge on the
 * per-decision reward-to-go of the logs of the OTHER half of the schools (cross-fitting by seed parity:
 * a school's estimate never uses a model fitted on its own logs): Q̂_t(s, a) = (H − t) · β·x(s, a) and
 * V̂_t(s) = (H − t) · β·Σ_a π(a|s) x(s, a) (linear, so π's mean feature vector suffices).
 */
import {
  CANDIDATE_FEATURES,
  DEFAULT_LEARNER_TYPES,
  Episode,
  epsilonGreedy,
  FEATURE_COUNT,
  fitRidge,
  HELD_OUT_FAMILIES,
  type LearnedPolicy,
  type LoggedEpisode,
  type OffPolicyEstimates,
  offPolicyEstimates,
  type PolicyEnvironment,
  policyFeatures,
  RidgeSums,
  type SequencingPolicy,
  ZPD_POLICY,
} from "../../src/engine/policy/index.js";
import { actorProbabilities } from "../../src/engine/policy/network.js";
import { explorationDraw, explorationProbability } from "../../src/engine/recommend/index.js";
import { environment } from "./training.js";

export interface OpeArgs {
  /** Held-out schools per held-out family (seeds 1 … seeds). */
  readonly seeds: number;
  /** Logged episodes per learner type per school. */
  readonly loggedPerType: number;
  /** On-policy episodes per learner type per school and evaluated policy (the truth). */
  readonly truthPerType: number;
  /** ε of the logging policy: one log, and one set of estimates, per value. */
  readonly epsilons: readonly number[];
  readonly horizons: readonly number[];
  /** Ridge λ of the reward model. */
  readonly lambda: number;
}

/** The policies evaluated, in report order: the learned policy, the ZPD rule, the logging policy itself (a check). */
export const OPE_TARGETS = ["POLICY", "ZPD", "LOGGING"] as const;
export type OpeTarget = (typeof OPE_TARGETS)[number];

/** One logged decision, with what every target and the reward model need. */
interface StepLog {
  readonly reward: number;
  readonly propensity: number;
  /** π(a_t|s_t) per target. */
  readonly target: readonly number[];
  /** The features of (s_t, a_t), then 1. */
  readonly x: Float64Array;
  /** Σ_a π(a|s_t) x(s_t, a) per target, then 1. */
  readonly xbar: readonly Float64Array[];
}

export interface OpeSchool {
  readonly family: string;
  readonly seed: number;
  /** Per target, per horizon: the mean on-policy return of the first H decisions. */
  readonly truth: Record<OpeTarget, number[]>;
  /** Per target, per horizon: the estimates from this school's logs. */
  readonly estimates: Record<OpeTarget, OffPolicyEstimates[]>;
  /** Candidates per logged decision (mean). */
  readonly meanCandidates: number;
  readonly loggedEpisodes: number;
}

export interface OpeRuns {
  readonly args: OpeArgs;
  /** The logging policy's ε. */
  readonly epsilon: number;
  readonly logging: string;
  readonly schools: readonly OpeSchool[];
  readonly seconds: number;
}

const DIMS = FEATURE_COUNT + 1;

/** Runs the logging policy through one episode, up to `horizon` decisions, logging each. */
function logEpisode(
  env: PolicyEnvironment,
  policy: LearnedPolicy,
  epsilon: number,
  spec: { seed: number; learnerType: string },
  horizon: number,
) {
  const episode = new Episode(env, spec);
  const steps: StepLog[] = [];
  let candidates = 0;
  while (!episode.done && episode.attempts < horizon) {
    const observation = episode.observation();
    const cs = episode.candidates();
    const n = cs.length;
    candidates += n;
    const greedy = ZPD_POLICY.choose(observation, cs, episode.policyRng).index;
    const features = policyFeatures(observation, cs, policy.featureParams);
    const pi = actorProbabilities(policy.actor, features, n, CANDIDATE_FEATURES.length);
    const choice = explorationDraw(n, greedy, epsilon, episode.policyRng);
    const row = (i: number) => features.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT);
    const mean = (weight: (i: number) => number) => {
      const out = new Float64Array(DIMS);
      for (let i = 0; i < n; i++) {
        const w = weight(i);
        if (w === 0) continue;
        const r = row(i);
        for (let f = 0; f < FEATURE_COUNT; f++) out[f]! += w * r[f]!;
      }
      out[FEATURE_COUNT] = 1;
      return out;
    };
    const a = choice.index;
    const x = new Float64Array(DIMS);
    x.set(row(a));
    x[FEATURE_COUNT] = 1;
    const { reward } = episode.step(a, choice.probability);
    steps.push({
      reward,
      propensity: choice.probability,
      target: [pi[a]!, a === greedy ? 1 : 0, choice.probability],
      x,
      xbar: [mean((i) => pi[i]!), mean((i) => (i === greedy ? 1 : 0)), mean((i) => explorationProbability(n, greedy, epsilon, i))],
    });
  }
  return { steps, candidates };
}

/** The return of the first h decisions, for each h of `horizons`, of `policy` run on-policy. */
function onPolicyReturns(
  env: PolicyEnvironment,
  policy: SequencingPolicy,
  spec: { seed: number; learnerType: string },
  horizons: readonly number[],
) {
  const episode = new Episode(env, spec);
  const max = Math.max(...horizons);
  const rewards: number[] = [];
  while (!episode.done && episode.attempts < max) {
    const choice = policy.choose(episode.observation(), episode.candidates(), episode.policyRng);
    rewards.push(episode.step(choice.index, choice.probability).reward);
  }
  return horizons.map((h) => rewards.slice(0, h).reduce((s, r) => s + r, 0));
}

/** Ridge sums of the per-decision reward-to-go, (Σ_{u≥t, u<H} r_u) / (H − t) on x_t, for each horizon. */
function addSamples(sums: RidgeSums[], episodes: readonly (readonly StepLog[])[], horizons: readonly number[]): void {
  horizons.forEach((h, k) => {
    for (const steps of episodes) {
      const len = Math.min(h, steps.length);
      let togo = 0;
      for (let t = len - 1; t >= 0; t--) {
        togo += steps[t]!.reward;
        sums[k]!.add(steps[t]!.x, togo / (h - t));
      }
    }
  });
}

const dot = (a: Float64Array, b: Float64Array) => {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
  return s;
};

/** The mean return of the first h decisions of `policy` on-policy, for each h, over the school's truth episodes. */
function truthOf(env: PolicyEnvironment, policy: SequencingPolicy, seed: number, args: OpeArgs): number[] {
  const totals = args.horizons.map(() => 0);
  let episodes = 0;
  DEFAULT_LEARNER_TYPES.forEach((type, t) => {
    for (let e = 0; e < args.truthPerType; e++) {
      const returns = onPolicyReturns(env, policy, { seed: seed * 10_000 + t * 1000 + 600 + e, learnerType: type.name }, args.horizons);
      for (let k = 0; k < returns.length; k++) totals[k]! += returns[k]!;
      episodes++;
    }
  });
  return totals.map((x) => x / episodes);
}

/** One run per ε of args.epsilons, on the same schools; POLICY's and ZPD's truth measured once and shared. */
export async function runOpe(policy: LearnedPolicy, args: OpeArgs, log: (m: string) => void): Promise<OpeRuns[]> {
  const began = Date.now();
  const maxH = Math.max(...args.horizons);
  interface Pending {
    readonly family: string;
    readonly seed: number;
    readonly logs: (readonly StepLog[])[];
    readonly truth: Record<OpeTarget, number[]>;
    readonly meanCandidates: number;
  }
  const pending: Pending[][] = args.epsilons.map(() => []);
  for (const family of HELD_OUT_FAMILIES) {
    for (let seed = 1; seed <= args.seeds; seed++) {
      const env = await environment(family, seed);
      const shared = { POLICY: truthOf(env, policy, seed, args), ZPD: truthOf(env, ZPD_POLICY, seed, args) };
      args.epsilons.forEach((epsilon, ei) => {
        const logs: (readonly StepLog[])[] = [];
        let candidates = 0,
          decisions = 0;
        DEFAULT_LEARNER_TYPES.forEach((type, t) => {
          for (let e = 0; e < args.loggedPerType; e++) {
            const r = logEpisode(env, policy, epsilon, { seed: seed * 10_000 + t * 1000 + 100 + e, learnerType: type.name }, maxH);
            logs.push(r.steps);
            candidates += r.candidates;
            decisions += r.steps.length;
          }
        });
        const truth = { ...shared, LOGGING: truthOf(env, epsilonGreedy(ZPD_POLICY, epsilon, "LOGGING"), seed, args) };
        pending[ei]!.push({ family: family.name, seed, logs, truth, meanCandidates: candidates / Math.max(1, decisions) });
      });
      log(`OPE: ${family.name} seed ${seed}/${args.seeds} (${((Date.now() - began) / 1000).toFixed(0)} s)`);
    }
  }
  const seconds = (Date.now() - began) / 1000;
  return args.epsilons.map((epsilon, ei) => estimate(args, epsilon, pending[ei]!, seconds));
}

function estimate(
  args: OpeArgs,
  epsilon: number,
  pending: readonly {
    family: string;
    seed: number;
    logs: (readonly StepLog[])[];
    truth: Record<OpeTarget, number[]>;
    meanCandidates: number;
  }[],
  seconds: number,
): OpeRuns {
  // The reward model, cross-fitted: fold = seed parity; each school's Q̂ comes from the other fold's logs.
  const betas = [0, 1].map((fold) => {
    const sums = args.horizons.map(() => new RidgeSums(DIMS));
    for (const p of pending) if (p.seed % 2 !== fold) addSamples(sums, p.logs, args.horizons);
    return sums.map((s) => fitRidge(s, args.lambda));
  });

  const schools: OpeSchool[] = pending.map((p) => {
    const estimates = {} as Record<OpeTarget, OffPolicyEstimates[]>;
    OPE_TARGETS.forEach((name, k) => {
      estimates[name] = args.horizons.map((h, hi) => {
        const beta = betas[p.seed % 2]![hi]!;
        const episodes: LoggedEpisode[] = p.logs.map((steps) =>
          steps.slice(0, h).map((s, t) => ({
            reward: s.reward,
            propensity: s.propensity,
            target: s.target[k]!,
            q: (h - t) * dot(beta, s.x),
            v: (h - t) * dot(beta, s.xbar[k]!),
          })),
        );
        return offPolicyEstimates(episodes, h);
      });
    });
    return { family: p.family, seed: p.seed, truth: p.truth, estimates, meanCandidates: p.meanCandidates, loggedEpisodes: p.logs.length };
  });
  return { args, epsilon, logging: `ε-greedy ZPD (ε = ${epsilon})`, schools, seconds };
}
