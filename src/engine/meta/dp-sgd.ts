/**
 * DP-SGD over the learners (user-level differential privacy, issue #18 item 4): the pieces Meta's
 * training (train.ts) uses when MetaOptions.privacy is set.
 *
 * One step with the learners B sampled independently with probability q (Poisson sampling):
 *
 *   g̃ = ( Σ_{l∈B} g_l · min(1, C / ‖g_l‖₂)  +  N(0, σ²C² I) ) / (q·N)
 *
 * where g_l is the gradient of learner l's loss (the sum over all its windows' attempts) with respect to
 * every trained parameter, C the clipping norm, σ the noise multiplier and N the number of training
 * learners (the expected batch q·N, not the drawn one, so the divisor does not depend on the data).
 * Adding or removing one learner changes the clipped sum by at most C in L2 norm, so each step is the
 * sampled Gaussian mechanism of rdp-accountant.ts with sensitivity C; T steps spend ε = dpSgdEpsilon(q,
 * σ, T, δ). The L2 priors are added after the noise (they read only the parameters).
 *
 * Per-learner gradients come out of the one batch graph: the parameters gathered per step and slot are
 * already per window, and the parameters every window shares are gathered once per window (graph.ts
 * gatherInputs perWindow), so one backward pass gives every window's gradient; the windows of a learner
 * are added up here (LearnerClipper) before the clip.
 */
import { EngineError, EngineErrorCode } from "../errors.js";
import type { Rng } from "../math.js";
import { dpSgdEpsilon } from "../privacy/rdp-accountant.js";
import type { EncodedSequences } from "./catalog.js";
import type { Window } from "./features.js";
import type { BatchArrays } from "./graph.js";
import type { MetaPrivacyOptions } from "./options.js";
import { RAW_NAMES, type RawName } from "./raw-names.js";

/** What a private fit spent: returned in the training report. */
export interface PrivacyReport {
  /** ε of the (ε, δ) guarantee (Infinity when σ = 0). */
  readonly epsilon: number;
  readonly delta: number;
  /** σ, given or calibrated to the target ε. */
  readonly noiseMultiplier: number;
  /** q. */
  readonly samplingRate: number;
  /** T, the steps taken. */
  readonly steps: number;
  /** C. */
  readonly clipNorm: number;
  /** N, the training learners (each is one record of the guarantee). */
  readonly learners: number;
  /**
   * The share of sampled learners whose gradient was clipped (over all steps): a diagnostic for choosing
   * C, and a statistic of the data that ε does not cover — for the operator, not stored with the model.
   */
  readonly clippedShare: number;
}

/**
 * The guarantee a privately trained model carries in its file (MetaModel.privacy): the report without
 * the clipped share, which is a statistic of the training data outside the guarantee.
 */
export type PrivacyGuarantee = Omit<PrivacyReport, "clippedShare">;

export function guaranteeOf(r: PrivacyReport | null | undefined): PrivacyGuarantee | null {
  if (!r) return null;
  const { clippedShare: _, ...g } = r;
  return g;
}

/** The plan of a private fit before it starts: σ, T and δ for N learners. */
export interface PrivacyPlan {
  readonly noiseMultiplier: number;
  readonly steps: number;
  readonly delta: number;
  readonly epsilon: number;
}

/** The largest σ the calibration tries: a budget that needs more is refused as too small. */
export const MAX_NOISE_MULTIPLIER = 1000;

export function planPrivacy(o: MetaPrivacyOptions, learners: number): PrivacyPlan {
  const steps = Math.ceil(o.epochs / o.samplingRate);
  const delta = o.delta ?? 1 / learners;
  if (!(delta > 0 && delta < 1)) {
    throw new EngineError(EngineErrorCode.InvalidParameters, `privacy needs δ in (0, 1); 1/N with N = ${learners} learners is not`, {
      learners,
    });
  }
  const epsilonAt = (sigma: number) => dpSgdEpsilon({ q: o.samplingRate, noiseMultiplier: sigma, steps, delta }).epsilon;
  if (o.noiseMultiplier !== null) {
    const sigma = o.noiseMultiplier;
    return { noiseMultiplier: sigma, steps, delta, epsilon: sigma === 0 ? Number.POSITIVE_INFINITY : epsilonAt(sigma) };
  }
  const sigma = calibrateNoise(o.targetEpsilon!, epsilonAt);
  return { noiseMultiplier: sigma, steps, delta, epsilon: epsilonAt(sigma) };
}

/**
 * The smallest σ (to 1e-4 relative) whose ε is at most the target: bisection on log σ, ε being
 * decreasing in σ. Refuses (INVALID_PARAMETERS) a target that even σ = MAX_NOISE_MULTIPLIER misses.
 */
export function calibrateNoise(target: number, epsilonAt: (sigma: number) => number): number {
  let hi = MAX_NOISE_MULTIPLIER;
  const atMax = epsilonAt(hi);
  if (atMax > target) {
    throw new EngineError(
      EngineErrorCode.InvalidParameters,
      `privacy budget ε = ${target} is too small for this training: even noise multiplier ${hi} spends ε = ${atMax.toPrecision(3)} (fewer epochs or a lower sampling rate spend less)`,
      { targetEpsilon: target, epsilonAtMaxNoise: atMax },
    );
  }
  let lo = 1e-4;
  if (epsilonAt(lo) <= target) return lo;
  while (hi / lo > 1 + 1e-4) {
    const mid = Math.sqrt(lo * hi);
    if (epsilonAt(mid) <= target) hi = mid;
    else lo = mid;
  }
  return hi;
}

/** Where each raw parameter array starts in one flat vector. */
function layout(sizes: Record<RawName, number>): { offset: Record<RawName, number>; total: number } {
  let total = 0;
  const offset = {} as Record<RawName, number>;
  for (const n of RAW_NAMES) {
    offset[n] = total;
    total += sizes[n];
  }
  return { offset, total };
}

/**
 * Adds windows' gradients up per learner, clips each learner's total and sums the clipped totals.
 * Windows must arrive grouped by learner (endLearner between learners).
 */
export class LearnerClipper {
  private readonly offset: Record<RawName, number>;
  private readonly current: Float64Array;
  private readonly mark: Uint8Array;
  private readonly trained: Uint8Array;
  private touched: number[] = [];
  /** Σ of the clipped per-learner gradients, flat (RAW_NAMES order). */
  readonly sum: Float64Array;
  learners = 0;
  clipped = 0;

  constructor(
    sizes: Record<RawName, number>,
    trainable: readonly RawName[],
    readonly clipNorm: number,
  ) {
    const { offset, total } = layout(sizes);
    this.offset = offset;
    this.current = new Float64Array(total);
    this.mark = new Uint8Array(total);
    this.sum = new Float64Array(total);
    this.trained = new Uint8Array(total);
    for (const n of trainable) this.trained.fill(1, offset[n], offset[n] + sizes[n]);
  }

  private add(name: RawName, i: number, v: number): void {
    const at = this.offset[name] + i;
    if (!this.trained[at]) return;
    if (!this.mark[at]) {
      this.mark[at] = 1;
      this.touched.push(at);
    }
    this.current[at]! += v;
  }

  /**
   * Adds window b of a batch (of `length` real steps) whose gradients `g` (INPUT_NAMES order) were taken
   * with the shared inputs gathered per window (R = B rows).
   */
  addWindow(g: readonly Float32Array[], a: BatchArrays, b: number, length: number): void {
    const { W, S } = a;
    const [global, taskOffset, ease, win, fail, phi0General, phi0Skill, laGeneral, laSkill, logDecay, logBoost, recent, history] =
      g as Float32Array[];
    for (let i = 0; i < 3; i++) this.add("global", i, global![b * 3 + i]!);
    this.add("phi0", 0, phi0General![b]!);
    this.add("logAlpha", 0, laGeneral![b]!);
    for (let i = 0; i < 2; i++) {
      this.add("logDecay", i, logDecay![b * 2 + i]!);
      this.add("logBoost", i, logBoost![b * 2 + i]!);
      this.add("recent", i, recent![b * 2 + i]!);
    }
    const H = history!.length / phi0General!.length;
    for (let i = 0; i < H; i++) this.add("history", i, history![b * H + i]!);
    for (let t = 0; t < length; t++) {
      const bt = b * W + t;
      this.add("taskOffset", a.task[bt]!, taskOffset![bt]!);
      for (let c = 0; c < S; c++) {
        const at = bt * S + c;
        if (a.weight[at] === 0) continue; // padding slot: every gradient through it is multiplied by 0
        const k = a.skill[at]!;
        this.add("skillEase", k, ease![at]!);
        this.add("skillWin", k, win![at]!);
        this.add("skillFail", k, fail![at]!);
        this.add("phi0", k + 1, phi0Skill![at]!);
        this.add("logAlpha", k + 1, laSkill![at]!);
      }
    }
  }

  /** Clips the current learner's gradient to norm C, adds it to the sum and starts the next learner. Returns its norm before the clip. */
  endLearner(): number {
    let sq = 0;
    for (const at of this.touched) sq += this.current[at]! ** 2;
    const norm = Math.sqrt(sq);
    const factor = norm > this.clipNorm ? this.clipNorm / norm : 1;
    if (factor < 1) this.clipped++;
    this.learners++;
    for (const at of this.touched) {
      this.sum[at]! += factor * this.current[at]!;
      this.current[at] = 0;
      this.mark[at] = 0;
    }
    this.touched = [];
    return norm;
  }

  /**
   * The step's private gradient into `out` (per raw parameter; untrained ones 0):
   * (sum + σC·N(0, 1) per trained coordinate) / expectedBatch. Resets the sum for the next step.
   */
  release(out: Record<RawName, Float64Array>, noiseMultiplier: number, expectedBatch: number, rng: Rng): void {
    const sd = noiseMultiplier * this.clipNorm;
    for (const n of RAW_NAMES) {
      const o = out[n];
      const from = this.offset[n];
      for (let i = 0; i < o.length; i++) {
        const at = from + i;
        o[i] = this.trained[at] ? (this.sum[at]! + (sd > 0 ? sd * rng.normal() : 0)) / expectedBatch : 0;
      }
    }
    this.sum.fill(0);
  }
}

/** windowStart[l] .. windowStart[l + 1]: learner l's windows in `windows` (cutWindows: learner order). */
export function learnerWindowStart(seq: EncodedSequences, windows: readonly Window[]): Int32Array {
  const N = seq.learnerIds.length;
  const out = new Int32Array(N + 1);
  for (let l = 0, w = 0; l < N; l++) {
    out[l] = w;
    while (w < windows.length && windows[w]!.from < seq.start[l + 1]!) w++;
    out[l + 1] = w;
  }
  return out;
}

/**
 * Adds the clipped gradients of the given learners (indices, ascending) to `clipper.sum`: their windows
 * go through the graph in chunks of at most `batchWindows` (each learner's in a row, so a learner is
 * clipped once its last window is in); `gradients` differentiates a packed batch per window.
 */
export function addClippedLearners(
  clipper: LearnerClipper,
  learners: readonly number[],
  windows: readonly Window[],
  windowStart: Int32Array,
  batchWindows: number,
  pack: (chunk: readonly Window[]) => BatchArrays,
  gradients: (batch: BatchArrays) => Float32Array[],
): void {
  let chunk: Window[] = [];
  let owner: number[] = [];
  let open = -1;
  const run = () => {
    if (chunk.length === 0) return;
    const batch = pack(chunk);
    const values = gradients(batch);
    chunk.forEach((win, b) => {
      if (owner[b] !== open) {
        if (open >= 0) clipper.endLearner();
        open = owner[b]!;
      }
      clipper.addWindow(values, batch, b, win.length);
    });
    chunk = [];
    owner = [];
  };
  for (const l of learners) {
    for (let w = windowStart[l]!; w < windowStart[l + 1]!; w++) {
      chunk.push(windows[w]!);
      owner.push(l);
      if (chunk.length >= batchWindows) run();
    }
  }
  run();
  if (open >= 0) clipper.endLearner();
}
