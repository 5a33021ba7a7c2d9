/**
 * Options of every engine component, one way (ts-fsrs style): one object with documented defaults; a
 * caller passes a partial object; `mergeOptions` fills in the defaults and the component's validator
 * checks every field with `optionChecks`. A bad value is an `InvalidOptionError`, an EngineError of
 * code INVALID_PARAMETERS naming the component, the option and the rule.
 */
import { EngineError, EngineErrorCode } from "./errors.js";

export class InvalidOptionError extends EngineError {
  constructor(
    readonly owner: string,
    readonly option: string,
    readonly value: unknown,
    rule: string,
  ) {
    super(EngineErrorCode.InvalidParameters, `${owner}.${option} = ${describe(value)}: ${rule}`, { name: option, value });
    this.name = "InvalidOptionError";
  }
}

const describe = (v: unknown): string =>
  Array.isArray(v) ? `[${v.join(", ")}]` : typeof v === "object" && v !== null ? JSON.stringify(v) : String(v);

/**
 * The defaults with `partial`'s values over them: only the defaults' keys are read (an options bag may
 * also carry a seed or a progress callback), and an undefined value keeps the default.
 */
export function mergeOptions<O extends object>(defaults: O, partial?: object | null): O {
  const out = { ...defaults } as Record<string, unknown>;
  if (partial) {
    for (const key of Object.keys(defaults)) {
      const v = (partial as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = v;
    }
  }
  return out as O;
}

/** The checks a validator runs on a merged options object; each throws an InvalidOptionError. */
export function optionChecks<O extends object>(owner: string, o: O) {
  type Key = keyof O & string;
  const fail = (name: string, value: unknown, rule: string): never => {
    throw new InvalidOptionError(owner, name, value, rule);
  };
  const finite = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);
  return {
    fail,
    /** An integer ≥ min (and ≤ max when given). */
    integer(name: Key, min: number, max?: number): void {
      const v = o[name];
      if (!Number.isInteger(v) || (v as number) < min || (max !== undefined && (v as number) > max)) {
        fail(name, v, max === undefined ? `must be an integer ≥ ${min}` : `must be an integer in [${min}, ${max}]`);
      }
    },
    /** A finite number > 0. */
    positive(name: Key): void {
      const v = o[name];
      if (!finite(v) || v <= 0) fail(name, v, "must be a finite number > 0");
    },
    /** A finite number ≥ 0. */
    nonNegative(name: Key): void {
      const v = o[name];
      if (!finite(v) || v < 0) fail(name, v, "must be a finite number ≥ 0");
    },
    /** A number in the interval from lo to hi, each end closed unless said open. */
    range(name: Key, lo: number, hi: number, open: { lo?: boolean; hi?: boolean } = {}): void {
      const v = o[name];
      const ok = finite(v) && (open.lo ? v > lo : v >= lo) && (open.hi ? v < hi : v <= hi);
      if (!ok) fail(name, v, `must be in ${open.lo ? "(" : "["}${lo}, ${hi}${open.hi ? ")" : "]"}`);
    },
  };
}
