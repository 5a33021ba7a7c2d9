import { EngineError, EngineErrorCode } from "../errors.js";
import { InvalidOptionError, mergeOptions } from "../options.js";

/** Merges options over defaults, keeping only the known keys (FitOptions such as seed are dropped). */
export const pickParams: <P extends object>(defaults: P, options: Partial<P> | undefined) => P = mergeOptions;

export function invalidParameter(model: string, why: string): EngineError {
  return new EngineError(EngineErrorCode.InvalidParameters, `${model}: ${why}`);
}

export function requireRange(model: string, name: string, v: number, lo: number, hi: number, openLo = false): void {
  const ok = Number.isFinite(v) && (openLo ? v > lo : v >= lo) && v <= hi;
  if (!ok) throw new InvalidOptionError(model, name, v, `must be in ${openLo ? "(" : "["}${lo}, ${hi}]`);
}

export function checkSeed(seed: unknown): void {
  if (typeof seed !== "number" || !Number.isInteger(seed))
    throw new EngineError(EngineErrorCode.InvalidParameters, `seed must be an integer (got ${String(seed)})`);
}
