/**
 * The Meta model's mathematics — the ONE definition. The typed-array hot paths (online update,
 * predictMany, the training's own forward pass) call these functions; the TensorFlow.js training graph
 * (graph.ts) mirrors them term by term, and a test checks that both give the same logits.
 *
 * ## The model
 *
 * Learner u, before attempt t on task i with skills k ∈ Q(i) and Q-matrix weights q_ik:
 *
 *   z = b + e_i + w_S·log(1+S_u) + w_F·log(1+F_u)                          shared, global and task
 *       + Σ_k q_ik [ β_k + γ_k·log(1+s_uk) + ρ_k·log(1+f_uk) ]              shared, per skill (Best-LR)
 *       + θ_u0 + Σ_k q_ik θ_uk + ψ_u                                         personal φ_u = (θ_u0, θ_u1..K, ψ_u)
 *       + h_ui                                                               shared, history (below; 0 when off)
 *   P(correct) = σ(clamp(z, ±LOGIT_LIMIT))
 *
 * s_uk, f_uk: the learner's earlier successes and failures on skill k (counted with weight q_ik);
 * S_u, F_u: over all skills. e_i is the task's offset from its skills (shrunk to 0 by an L2 prior), so
 * the task's difficulty is d_i = −(e_i + Σ_k q_ik β_k) and a task never seen in training falls back to
 * its skills' prior (the mean offset of the skill's trained tasks; unseen.ts). new-tasks.ts adapts such a
 * task's offset online from every learner's attempts on it.
 *
 * ## History features (MetaOptions.historyFeatures; each off by default, its weights then 0)
 *
 * The recency and retry structure of the learner's history, with weights ω shared by every task and skill:
 *
 *   h_ui = ω_r⁻·R⁻_ui + ω_r⁺·R⁺_ui                                   "repeat": R⁻ = 1[i = i_prev, y_prev = 0],
 *                                                                    R⁺ = 1[i = i_prev, y_prev = 1]
 *        + ω_tw·log(1+w_ui) + ω_tf·log(1+l_ui)                       "taskCounts": earlier wins / fails on task i
 *        + Σ_k q_ik [ ω_lw·1[o_uk = 1] + ω_lf·1[o_uk = 0] ]          "lastOutcome": o_uk the outcome of the
 *                                                                    learner's last attempt touching skill k
 *        + Σ_k q_ik ω_g·log(1+g_uk)                                   "skillGap": g_uk the learner's attempts
 *                                                                    since the last one touching k
 *        + Σ_k q_ik Σ_{m=2,3,4+} [ ω_m⁺·1[c_uk = m] + ω_m⁻·1[c_uk = −m] ]  "skillStreak": c_uk the run of equal
 *                                                                    outcomes the skill's attempts end on (+ wins,
 *                                                                    − fails; ±1 is lastOutcome's), 4+ = ≥ 4
 *        + Σ_k q_ik ω_d·D_uk                                          "skillDecay": D_uk ← λ_D·D_uk + (2y − 1)
 *                                                                    after each attempt touching k (λ_D = 0.7,
 *                                                                    fixed: the skill's decayed success state)
 *        + Σ_k q_ik log(1+n_uk) [ ω_cw·1[o_uk = 1] + ω_cf·1[o_uk = 0] ]  "outcomeByCount": lastOutcome's
 *                                                                    indicators times the skill's count
 *
 * A skill the learner has not practised has no o_uk (both indicators 0) and g_uk = 0. w_ui, l_ui are
 * counted over a bounded memory: the learner's last M distinct tasks (M = taskMemory), least recently
 * attempted evicted first — a task that left the memory counts from 0 again. "repeat" alone keeps M = 1
 * (the previous task). The features depend on the data only, never on the parameters, so they enter the
 * training graph like the counts of the Best-LR part; the gap counts attempts, not time (the shipped data
 * sets have no timestamps).
 *
 * ## The online update (after each attempt; one gradient step on its log-likelihood)
 *
 *   r = y − p,   ∂z/∂θ_u0 = 1,   ∂z/∂θ_uk = q_ik
 *   θ_u0 ← θ_u0 + a_0(N_u) · r,            a_0(n) = α_0 / (1 + b_0·n) + κ_0 / (1 + n)
 *   θ_uk ← θ_uk + a_k(n_uk) · q_ik · r,    a_k(n) = α_k / (1 + b_1·n) + κ_1 / (1 + n)
 *
 *   ψ_u  ← λ·ψ_u + α_ψ · r                 (ψ starts at 0 for every learner)
 *
 * Per-coordinate steps α (Meta-SGD) with a meta-learned count decay b, plus an early boost κ that fades
 * like 1/(1+n): the first attempts of a new learner move φ much more than later ones (the shape of the
 * uncertainty function U(n) = a/(1+b·n) in Elo, here learned), while a slowly decaying α keeps tracking
 * later drifts. ψ is the short memory: a coordinate whose past steps fade by a meta-learned factor λ per
 * attempt, so the effect of the residual r_t' on z_t is α_ψ·λ^(t−t'−1) — a step schedule in time since
 * the attempt. It carries what counts of successes and failures cannot: their order (in ASSISTments 2009
 * a learner who failed then succeeded does much better next than one who succeeded then failed).
 *
 * N_u: the learner's earlier attempts; n_uk = s_uk + f_uk. A learner with no history has φ_u = φ₀.
 * Elo is the special case of one coordinate, fixed step, b = 0. The ablation fixes φ₀ = 0, α_c = α,
 * b = κ = 0 and α_ψ = 0 (plain SGD with one fixed step on θ; ψ would only double θ_0's step); its shared parameters are pre-trained without adaptation (default) or through the same unroll
 * (options.ts, `ablationTraining`).
 *
 * ## Meta-learning (training)
 *
 * The meta-parameters Θ = (shared parameters, φ₀, α, b) minimise the log loss of each prediction made
 * BEFORE the update it causes, over every training learner's unrolled sequence:
 *
 *   L(Θ) = Σ_u Σ_t ℓ(y_ut, σ(z_ut(Θ, φ_ut))) + λ_e Σ_i e_i² + λ_s Σ_k (β_k² + γ_k² + ρ_k²),
 *   ℓ(y, p) = −y log p − (1−y) log(1−p) = softplus(z) − y·z
 *
 * Because the inner gradient is closed-form, the personal contribution at step t is a linear
 * function of the earlier residuals:
 *
 *   θ-part of z_t = θ-part at window start + Σ_{t'<t} M_tt' · r_t',
 *   M_tt' = a_0(N_t') + α_ψ λ^(t−t'−1) + Σ_{k ∈ Q(i_t) ∩ Q(i_t')} q_{i_t k} q_{i_t' k} a_k(n_{t' k})
 *
 * so dL/dΘ needs only FIRST-order automatic differentiation of this unrolled graph (through σ, the
 * steps a and the residuals r): ∂r_t'/∂Θ = −p(1−p)·∂z_t'/∂Θ, which chains back through every earlier
 * residual. TensorFlow.js computes it; a test compares it with float64 finite differences of L.
 * Sequences are cut into truncated windows: the state at a window start comes from a typed-array
 * forward pass with the current parameters (no gradient through it; ψ at the window start still fades
 * by λ^t inside the window), except for the first window of a learner, which starts at φ₀ and ψ = 0
 * (so φ₀ receives its gradient).
 *
 * ## Mastery with uncertainty
 *
 * Mastery of skill k = σ(z) on a typical single-skill task of k (offset = mean offset of k's tasks), with
 * the skill's own history terms (last outcome, gap, run, decayed state) but not a task's (repeat, task counts).
 * Its sd is the delta method on a Laplace precision per coordinate that grows with evidence:
 *   π_c = 1/σ₀² + Σ q² p(1−p),   sd(z) = sqrt(1/π_0 + 1/π_k),   sd(p) = p(1−p)·sd(z).
 */

/** Logits are clamped here: a prediction is never 0, 1 or NaN, whatever the parameters. */
export const LOGIT_LIMIT = 20;

export function clampLogit(z: number): number {
  if (Number.isNaN(z)) return 0;
  return Math.min(Math.max(z, -LOGIT_LIMIT), LOGIT_LIMIT);
}

/** The fitted parameters, all as float64 arrays (the serialised weights). */
export interface MetaParams {
  /** [b, w_S, w_F]: bias and the weights of log(1+S_u), log(1+F_u). */
  readonly global: Float64Array;
  /** e_i per task. */
  readonly taskOffset: Float64Array;
  /** β_k, γ_k, ρ_k per skill. */
  readonly skillEase: Float64Array;
  readonly skillWin: Float64Array;
  readonly skillFail: Float64Array;
  /** φ₀: [θ_0, θ_1..K]. */
  readonly phi0: Float64Array;
  /** α: [α_0, α_1..K]. */
  readonly alpha: Float64Array;
  /** [b_0, b_1]: the count decays of the general and of the per-skill steps. */
  readonly decay: Float64Array;
  /** [κ_0, κ_1]: the early boosts of the general and of the per-skill steps. */
  readonly boost: Float64Array;
  /** [α_ψ, λ]: the step of the short-memory coordinate ψ and its fading factor per attempt (0 ≤ λ < 1). */
  readonly recent: Float64Array;
  /** The history weights ω, HISTORY_WEIGHTS order (all 0 for a model without history features). */
  readonly history: Float64Array;
}

/** The history features (equations above), in MetaOptions.historyFeatures. */
export const HISTORY_FEATURES = ["repeat", "taskCounts", "lastOutcome", "skillGap", "skillStreak", "skillDecay", "outcomeByCount"] as const;
export type HistoryFeature = (typeof HISTORY_FEATURES)[number];
/**
 * MetaParams.history: [ω_r⁻, ω_r⁺, ω_tw, ω_tf, ω_lw, ω_lf, ω_g, ω_2⁺, ω_3⁺, ω_4⁺, ω_2⁻, ω_3⁻, ω_4⁻, ω_d, ω_cw, ω_cf].
 * Files written before the last three features hold the first 7 (FIRST_HISTORY_WEIGHTS; the rest 0).
 */
export const HISTORY_WEIGHTS = 16;
export const FIRST_HISTORY_WEIGHTS = 7;
/** λ_D of "skillDecay". */
export const SKILL_DECAY = 0.7;
/** Which weights of MetaParams.history each feature owns. */
export const HISTORY_SLOTS: Readonly<Record<HistoryFeature, readonly number[]>> = {
  repeat: [0, 1],
  taskCounts: [2, 3],
  lastOutcome: [4, 5],
  skillGap: [6],
  skillStreak: [7, 8, 9, 10, 11, 12],
  skillDecay: [13],
  outcomeByCount: [14, 15],
};

/**
 * What a learner's history must remember for the features on: the last `taskMemory` distinct tasks (with
 * their counts and last outcome; 0 = none) and, per practised skill, its last outcome and when (`skillRecency`).
 */
export interface HistoryShape {
  readonly taskMemory: number;
  readonly skillRecency: boolean;
  /** Per practised skill also its run c_uk and decayed state D_uk ("skillStreak", "skillDecay"; implies skillRecency). */
  readonly skillRuns: boolean;
}

export const NO_HISTORY: HistoryShape = Object.freeze({ taskMemory: 0, skillRecency: false, skillRuns: false });

export function historyShape(features: readonly HistoryFeature[], taskMemory: number): HistoryShape {
  const on = (f: HistoryFeature) => features.includes(f);
  return {
    taskMemory: on("taskCounts") ? taskMemory : on("repeat") ? 1 : 0,
    skillRecency: on("lastOutcome") || on("skillGap") || on("skillStreak") || on("skillDecay") || on("outcomeByCount"),
    skillRuns: on("skillStreak") || on("skillDecay"),
  };
}

/**
 * The task part of h: ω_r⁻·R⁻ + ω_r⁺·R⁺ + ω_tw·log(1+w) + ω_tf·log(1+l). `previous`: the outcome of the
 * previous attempt if it was on this task, else −1; `wins`, `fails`: the memory's counts on the task.
 */
export function historyTaskTerm(p: MetaParams, previous: number, wins: number, fails: number): number {
  const h = p.history;
  return (previous === 0 ? h[0]! : previous === 1 ? h[1]! : 0) + h[2]! * Math.log1p(wins) + h[3]! * Math.log1p(fails);
}

/**
 * The skill part of h for one skill (to be weighted by q_ik): ω_lw·1[o = 1] + ω_lf·1[o = 0] + ω_g·log(1+g)
 * + the run's indicator weight + ω_d·D + log(1+n)·(ω_cw·1[o = 1] + ω_cf·1[o = 0]).
 * `last`: the outcome of the last attempt touching the skill, −1 if none; `gap`: attempts since (0 if none);
 * `run`: c_uk (0 if none); `decayed`: D_uk; `count`: n_uk = s_uk + f_uk.
 */
export function historySkillTerm(p: MetaParams, last: number, gap: number, run = 0, decayed = 0, count = 0): number {
  const h = p.history;
  const lastTerm = last === 1 ? h[4]! + h[14]! * Math.log1p(count) : last === 0 ? h[5]! + h[15]! * Math.log1p(count) : 0;
  return lastTerm + h[6]! * Math.log1p(gap) + (run >= 2 || run <= -2 ? h[runSlot(run)]! : 0) + h[13]! * decayed;
}

/** The history slot of run c (|c| ≥ 2): 7–9 for wins of 2, 3, 4+, 10–12 for fails. */
export function runSlot(run: number): number {
  const m = Math.min(Math.abs(run), 4);
  return m < 2 ? 7 : (run > 0 ? 5 : 8) + m;
}

/** The run after outcome y (+ wins, − fails). */
export function runAfter(run: number, y: number): number {
  return y === 1 ? Math.max(run, 0) + 1 : Math.min(run, 0) - 1;
}

/** D after outcome y. */
export function decayedAfter(decayed: number, y: number): number {
  return SKILL_DECAY * decayed + (2 * y - 1);
}

export function zeroParams(tasks: number, skills: number): MetaParams {
  return {
    global: new Float64Array(3),
    taskOffset: new Float64Array(tasks),
    skillEase: new Float64Array(skills),
    skillWin: new Float64Array(skills),
    skillFail: new Float64Array(skills),
    phi0: new Float64Array(skills + 1),
    alpha: new Float64Array(skills + 1),
    decay: new Float64Array(2),
    boost: new Float64Array(2),
    recent: new Float64Array(2),
    history: new Float64Array(HISTORY_WEIGHTS),
  };
}

/** b + w_S·log(1+S) + w_F·log(1+F). */
export function globalTerm(p: MetaParams, totalWins: number, totalFails: number): number {
  return p.global[0]! + p.global[1]! * Math.log1p(totalWins) + p.global[2]! * Math.log1p(totalFails);
}

/** β_k + γ_k·log(1+s) + ρ_k·log(1+f) (to be weighted by q_ik). */
export function skillTerm(p: MetaParams, k: number, wins: number, fails: number): number {
  return p.skillEase[k]! + p.skillWin[k]! * Math.log1p(wins) + p.skillFail[k]! * Math.log1p(fails);
}

/** a_0(N) = α_0 / (1 + b_0·N) + κ_0 / (1 + N). */
export function generalStep(p: MetaParams, attempts: number): number {
  return p.alpha[0]! / (1 + p.decay[0]! * attempts) + p.boost[0]! / (1 + attempts);
}

/** a_k(n) = α_k / (1 + b_1·n) + κ_1 / (1 + n). */
export function skillStep(p: MetaParams, k: number, count: number): number {
  return p.alpha[k + 1]! / (1 + p.decay[1]! * count) + p.boost[1]! / (1 + count);
}

/** ψ after an attempt with residual r: λ·ψ + α_ψ·r. */
export function recentAfter(p: MetaParams, psi: number, r: number): number {
  return p.recent[1]! * psi + p.recent[0]! * r;
}

/** p(1−p) with p = σ(z): the Fisher information an attempt adds to a coordinate (per unit q²). */
export function information(prob: number): number {
  return prob * (1 - prob);
}
