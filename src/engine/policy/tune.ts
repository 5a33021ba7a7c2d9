/**
 * The ZPD rule's band tuned by grid search on the TRAINING families only: every band (low, high) of the
 * grid with low < high, target (low + high)/2, runs the same episodes (same schools, learners, goals,
 * environment seeds) and the band of the highest mean episode return (episode.ts: true mastery gained
 * on the goal − the attempts' cost + the sessions continued) wins; ties go to the earlier band of the grid.
 * An environment of a held-out family is refused (INVALID_PARAMETERS): tuning never sees them.
 */
import { EngineError, EngineErrorCode } from "../errors.js";
import { meanWithStandardError } from "../math.js";
import { mergeOptions, optionChecks } from "../options.js";
import { runEpisode } from "./episode.js";
import { type SequencingPolicy, type ZpdBand, zpdPolicy } from "./policies.js";
import type { PolicyEnvironment } from "./school.js";

export interface BandGridOptions {
  /** Lower ends of the band tried. Default 0.4, 0.5, 0.6, 0.7. */
  readonly lows: readonly number[];
  /** Upper ends of the band tried. Default 0.7, 0.8, 0.9, 0.95. */
  readonly highs: readonly number[];
  /** Episodes per environment (seeds seed, seed + 1, …). Default 24. */
  readonly episodesPerEnvironment: number;
  readonly seed: number;
}

export const DEFAULT_BAND_GRID: BandGridOptions = {
  lows: [0.4, 0.5, 0.6, 0.7],
  highs: [0.7, 0.8, 0.9, 0.95],
  episodesPerEnvironment: 24,
  seed: 1,
};

export interface BandScore {
  readonly band: ZpdBand;
  /** Mean episode return over every environment's episodes. */
  readonly meanReturn: number;
  /** Its standard error, sd / √n over the episodes (the bands share their episodes' seeds, so their differences are less noisy). */
  readonly standardError: number;
}

export interface TunedBand {
  readonly band: ZpdBand;
  readonly policy: SequencingPolicy;
  /** Every band tried, in grid order. */
  readonly scores: readonly BandScore[];
}

export function tuneZpdBand(environments: readonly PolicyEnvironment[], options: Partial<BandGridOptions> = {}): TunedBand {
  const o = mergeOptions(DEFAULT_BAND_GRID, options);
  const c = optionChecks("tuneZpdBand", o);
  c.integer("episodesPerEnvironment", 1);
  c.integer("seed", 0);
  for (const k of ["lows", "highs"] as const) {
    if (!Array.isArray(o[k]) || o[k].length === 0 || o[k].some((x) => !(x > 0 && x < 1)))
      c.fail(k, o[k], "must be a non-empty list of numbers in (0, 1)");
  }
  if (environments.length === 0) throw new EngineError(EngineErrorCode.InvalidParameters, "tuneZpdBand: no environment to tune on");
  const heldOut = environments.find((e) => e.school.family.heldOut);
  if (heldOut) {
    throw new EngineError(EngineErrorCode.InvalidParameters, `tuneZpdBand: family ${heldOut.school.family.name} is held out from tuning`);
  }
  const scores: BandScore[] = [];
  for (const bandLow of o.lows) {
    for (const bandHigh of o.highs) {
      if (!(bandLow < bandHigh)) continue;
      const band: ZpdBand = { bandLow, bandHigh, bandTarget: (bandLow + bandHigh) / 2 };
      const policy = zpdPolicy(band);
      const returns: number[] = [];
      for (const env of environments) {
        for (let e = 0; e < o.episodesPerEnvironment; e++) returns.push(runEpisode(env, policy, { seed: o.seed + e }).totalReward);
      }
      const { mean, standardError } = meanWithStandardError(returns);
      scores.push({ band, meanReturn: mean, standardError });
    }
  }
  if (scores.length === 0) throw new EngineError(EngineErrorCode.InvalidParameters, "tuneZpdBand: the grid has no band with low < high");
  let best = scores[0]!;
  for (const s of scores) if (s.meanReturn > best.meanReturn) best = s;
  return { band: best.band, policy: zpdPolicy(best.band, "ZPD_TUNED"), scores };
}
