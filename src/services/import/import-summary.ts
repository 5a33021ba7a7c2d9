/**
 * What an import reports: the counts it keeps while it runs, the summary made from them, and the
 * error that carries that summary when the import stops (so that the caller can say what was
 * committed before).
 */

export interface Counts {
  added: number;
  present: number;
}

export interface ImportSummary {
  readonly schoolId: string;
  readonly label: string;
  readonly skills: Counts;
  readonly tasks: Counts;
  /** Q-matrix cells (task_skill rows). */
  readonly taskSkills: Counts;
  readonly learners: Counts;
  readonly attempts: Counts;
  readonly consents: Counts;
  /** Learner states marked for rebuild. */
  readonly statesMarked: number;
  readonly batches: number;
  /** Items of attempts.csv missing from items.csv (their skills came from skill_id). */
  readonly itemsWithoutQMatrixRow: number;
  /** Tasks given the `import.unknown` skill. */
  readonly tasksWithUnknownSkill: number;
  readonly seconds: number;
  /** Attempts read per second over the whole run. */
  readonly attemptsPerSecond: number;
}

/** The import stopped. `summary` tells what was committed before (see `message`). */
export class ImportFailedError extends Error {
  constructor(
    message: string,
    readonly summary: ImportSummary,
    override readonly cause: unknown,
  ) {
    super(message);
    this.name = "ImportFailedError";
  }
}

/** The counts of a running import, updated in place by each step (their order is the summary's). */
export interface ImportTally {
  skills: Counts;
  tasks: Counts;
  taskSkills: Counts;
  learners: Counts;
  attempts: Counts;
  consents: Counts;
  statesMarked: number;
  batches: number;
  itemsWithoutQMatrixRow: number;
  tasksWithUnknownSkill: number;
}

export function emptyTally(): ImportTally {
  const zero = (): Counts => ({ added: 0, present: 0 });
  return {
    skills: zero(),
    tasks: zero(),
    taskSkills: zero(),
    learners: zero(),
    attempts: zero(),
    consents: zero(),
    statesMarked: 0,
    batches: 0,
    itemsWithoutQMatrixRow: 0,
    tasksWithUnknownSkill: 0,
  };
}

/** The summary as of now (`started`: Date.now() when the import began). */
export function summarise(schoolId: string, label: string, tally: ImportTally, started: number): ImportSummary {
  const seconds = (Date.now() - started) / 1000;
  const read = tally.attempts.added + tally.attempts.present;
  return { schoolId, label, ...tally, seconds, attemptsPerSecond: seconds > 0 ? Math.round(read / seconds) : 0 };
}
