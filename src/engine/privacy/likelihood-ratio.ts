/**
 * The likelihood-ratio membership attack (LiRA: Carlini, Chien, Nasr, Song, Terzis & Tramèr, "Membership
 * Inference Attacks From First Principles", IEEE S&P 2022), with the fixed-variance estimate its authors
 * recommend when shadow models are few.
 *
 * Shadow models of the audited kind are trained in complementary pairs on random halves of a pool of
 * learners (members and non-members alike), so every learner is IN half the shadows and OUT of the other
 * half. For a learner u, its losses under the shadows that trained on it estimate μ_in(u), under the others
 * μ_out(u); the variances σ_in², σ_out² are pooled over all learners. The attack's score for u is the log
 * likelihood ratio of its loss ℓ(u) under the audited model:
 *
 *   Λ(u) = log N(ℓ(u); μ_in(u), σ_in²) − log N(ℓ(u); μ_out(u), σ_out²)
 *
 * Higher = more likely trained on. Calibrating per learner is what makes it stronger than a global loss
 * threshold: a learner who is simply easy to predict has a low loss in or out, and is not accused.
 */

const FLOOR = 1e-12;

/** Gaussian log density (the 2π term cancels in the ratio and is left out). */
const logDensity = (x: number, mu: number, variance: number) => -0.5 * Math.log(variance) - ((x - mu) * (x - mu)) / (2 * variance);

/**
 * `target[u]`: u's loss under the audited model; `shadowLoss[k][u]` under shadow k, which trained on u
 * iff `trainedOn[k][u]` is 1. NaN losses are left out of the estimates; a learner with no IN or no OUT
 * estimate (or a NaN target) scores NaN.
 */
export function likelihoodRatioScores(
  target: ArrayLike<number>,
  shadowLoss: readonly ArrayLike<number>[],
  trainedOn: readonly ArrayLike<number>[],
): Float64Array {
  const n = target.length;
  const muIn = new Float64Array(n);
  const muOut = new Float64Array(n);
  const nIn = new Float64Array(n);
  const nOut = new Float64Array(n);
  for (let k = 0; k < shadowLoss.length; k++) {
    for (let u = 0; u < n; u++) {
      const l = shadowLoss[k]![u]!;
      if (!Number.isFinite(l)) continue;
      if (trainedOn[k]![u] === 1) {
        muIn[u]! += l;
        nIn[u]!++;
      } else {
        muOut[u]! += l;
        nOut[u]!++;
      }
    }
  }
  for (let u = 0; u < n; u++) {
    muIn[u] = nIn[u]! > 0 ? muIn[u]! / nIn[u]! : Number.NaN;
    muOut[u] = nOut[u]! > 0 ? muOut[u]! / nOut[u]! : Number.NaN;
  }
  // Pooled variances of the shadow losses around each learner's own mean.
  let ssIn = 0,
    dfIn = 0,
    ssOut = 0,
    dfOut = 0;
  for (let k = 0; k < shadowLoss.length; k++) {
    for (let u = 0; u < n; u++) {
      const l = shadowLoss[k]![u]!;
      if (!Number.isFinite(l)) continue;
      if (trainedOn[k]![u] === 1) {
        ssIn += (l - muIn[u]!) ** 2;
        dfIn++;
      } else {
        ssOut += (l - muOut[u]!) ** 2;
        dfOut++;
      }
    }
  }
  let learnersIn = 0,
    learnersOut = 0;
  for (let u = 0; u < n; u++) {
    if (nIn[u]! > 0) learnersIn++;
    if (nOut[u]! > 0) learnersOut++;
  }
  const varIn = Math.max(FLOOR, ssIn / Math.max(1, dfIn - learnersIn));
  const varOut = Math.max(FLOOR, ssOut / Math.max(1, dfOut - learnersOut));
  const out = new Float64Array(n);
  for (let u = 0; u < n; u++) {
    const x = target[u]!;
    out[u] =
      Number.isFinite(x) && Number.isFinite(muIn[u]!) && Number.isFinite(muOut[u]!)
        ? logDensity(x, muIn[u]!, varIn) - logDensity(x, muOut[u]!, varOut)
        : Number.NaN;
  }
  return out;
}

/**
 * The loss attack calibrated for difficulty (Watson, Guo, Cormode & Sablayrolles, "On the Importance of
 * Difficulty Calibration in Membership Inference Attacks", ICLR 2022): u's loss under the audited model
 * less its mean loss under the shadows that did not train on it,
 *
 *   s(u) = −(ℓ(u) − μ_out(u)),
 *
 * so that a learner who is simply hard to predict (or a held-out set that happens to hold harder
 * learners — a small school's fixed split) is not mistaken for a non-member. NaN without an OUT estimate.
 */
export function calibratedLossScores(
  target: ArrayLike<number>,
  shadowLoss: readonly ArrayLike<number>[],
  trainedOn: readonly ArrayLike<number>[],
): Float64Array {
  const n = target.length;
  const out = new Float64Array(n);
  for (let u = 0; u < n; u++) {
    let sum = 0;
    let count = 0;
    for (let k = 0; k < shadowLoss.length; k++) {
      const l = shadowLoss[k]![u]!;
      if (trainedOn[k]![u] === 0 && Number.isFinite(l)) {
        sum += l;
        count++;
      }
    }
    out[u] = count > 0 && Number.isFinite(target[u]!) ? -(target[u]! - sum / count) : Number.NaN;
  }
  return out;
}
