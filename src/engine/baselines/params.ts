import { EngineError, EngineErrorCode } from "../errors.js";

/** Merges options over defaults, keeping only the known keys (FitOptions such as seed are dropped). */
export function pickParams<P extends object>(defaults: P, options: Partial<P> | undefined): P {
  const out = { ...defaults } as Record<string, unknown>;
  if (options) for (const key of Object.keys(defaults)) {
    const v = (options as Record<string, unknown>)[key];
    if (v !== undefined) out[key] = v;
  }
  return out as P;
}

export function invalidParameter(model: string, why: string): EngineError {
  return new EngineError(EngineErrorCode.InvalidParameters, `${model}: ${why}`);
}

export function requireRange(model: string, name: string, v: number, lo: number, hi: number, openLo = false): void {
  const ok = Number.isFinite(v) && (openLo ? v > lo : v >= lo) && v <= hi;
  if (!ok) throw invalidParameter(model, `${name} must be in ${openLo ? "(" : "["}${lo}, ${hi}] (got ${v})`);
}

export function checkSeed(seed: unknown): void {
  if (typeof seed !== "number" || !Number.isInteger(seed)) throw new EngineError(EngineErrorCode.InvalidParameters, `seed must be an integer (got ${String(seed)})`);
}
