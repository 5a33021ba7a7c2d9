/**
 * The engine's error hierarchy. Every failure the engine reports is an `EngineError` with a
 * stable `code`, so that callers (services, benchmarks) can translate it without parsing text.
 */
export enum EngineErrorCode {
  /** A trace or request names a task the catalogue does not know. */
  UnknownTask = "UNKNOWN_TASK",
  /** A task names a skill the catalogue does not know. */
  UnknownSkill = "UNKNOWN_SKILL",
  /** Training was asked for with no traces. */
  EmptyTrainingSet = "EMPTY_TRAINING_SET",
  /** Parameters or options out of their documented range. */
  InvalidParameters = "INVALID_PARAMETERS",
  /** A serialised model of another format version. */
  UnsupportedFormat = "UNSUPPORTED_FORMAT",
  /** A serialised model whose bytes do not check out (truncated, flipped, wrong magic). */
  CorruptModel = "CORRUPT_MODEL",
  /** A learner state produced by another model. */
  StateMismatch = "STATE_MISMATCH",
  /** Input data (e.g. a benchmark CSV) that cannot be parsed. */
  InvalidData = "INVALID_DATA",
}

export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = "EngineError";
  }
}

export const isEngineError = (e: unknown): e is EngineError => e instanceof EngineError;
