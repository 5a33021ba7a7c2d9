/**
 * The per-skill working copy of one learner during MetaModel.replay: the skills' coordinates as dense
 * float64 arrays indexed by skill, loaded from the JSON state on a skill's first use in the replay.
 * One instance per model is reused from learner to learner (a replay is synchronous and `clear` leaves
 * it as new), so a replay allocates nothing per attempt.
 */
export class SkillScratch {
  readonly theta: Float64Array;
  readonly wins: Float64Array;
  readonly fails: Float64Array;
  readonly precision: Float64Array;
  readonly attempts: Float64Array;
  /** o_k, the outcome of the last attempt touching k (−1: none), and the learner's attempts before it (equations.ts, history). */
  readonly last: Float64Array;
  readonly lastAt: Float64Array;
  /** c_k and D_k ("skillStreak", "skillDecay"; set by the caller after load, 0 by default). */
  readonly run: Float64Array;
  readonly decayed: Float64Array;
  /** The skills loaded so far, in the order of their first use (the order `update` adds new skills to `s`). */
  readonly touched: number[] = [];
  private readonly isTouched: Uint8Array;
  /** In use by a replay (a second, nested replay on the same model takes fresh arrays). */
  busy = false;

  constructor(skills: number) {
    this.theta = new Float64Array(skills);
    this.wins = new Float64Array(skills);
    this.fails = new Float64Array(skills);
    this.precision = new Float64Array(skills);
    this.attempts = new Float64Array(skills);
    this.last = new Float64Array(skills);
    this.lastAt = new Float64Array(skills);
    this.run = new Float64Array(skills);
    this.decayed = new Float64Array(skills);
    this.isTouched = new Uint8Array(skills);
  }

  has(k: number): boolean {
    return this.isTouched[k] === 1;
  }

  /** Loads skill k's coordinates (θ_k, s_k, f_k, π_k, attempts touching k, o_k, N before it). */
  load(k: number, theta: number, wins: number, fails: number, precision: number, attempts: number, last: number, lastAt: number): void {
    this.theta[k] = theta;
    this.wins[k] = wins;
    this.fails[k] = fails;
    this.precision[k] = precision;
    this.attempts[k] = attempts;
    this.last[k] = last;
    this.lastAt[k] = lastAt;
    this.run[k] = 0;
    this.decayed[k] = 0;
    this.isTouched[k] = 1;
    this.touched.push(k);
  }

  clear(): void {
    for (const k of this.touched) this.isTouched[k] = 0;
    this.touched.length = 0;
    this.busy = false;
  }
}
