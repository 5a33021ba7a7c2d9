/**
 * A learner's memory of the last M distinct tasks it attempted (equations.ts, "History features"): per
 * task the wins and fails since it entered the memory and the last outcome, most recently attempted
 * first. Attempting a task moves it to the front; a new task at full memory evicts the least recently
 * attempted one. Bounded, so the learner state stays small whatever the history's length. The training's
 * features (features.ts), its forward pass (dense-learner.ts) and the product's learner state (model.ts)
 * all go through this one class, so they remember the same things.
 */
export class TaskMemory {
  readonly task: Int32Array;
  readonly wins: Float64Array;
  readonly fails: Float64Array;
  readonly last: Uint8Array;
  size = 0;

  constructor(readonly capacity: number) {
    this.task = new Int32Array(capacity);
    this.wins = new Float64Array(capacity);
    this.fails = new Float64Array(capacity);
    this.last = new Uint8Array(capacity);
  }

  clear(): void {
    this.size = 0;
  }

  /** The slot of `task`, −1 if it is not remembered. */
  find(task: number): number {
    for (let m = 0; m < this.size; m++) if (this.task[m] === task) return m;
    return -1;
  }

  /** The outcome of the previous attempt if it was on `task`, else −1 (R⁻ / R⁺ of the equations). */
  previous(task: number): number {
    return this.size > 0 && this.task[0] === task ? this.last[0]! : -1;
  }

  /** Records outcome y on `task`: its counts grow and it moves to the front. */
  record(task: number, y: number): void {
    if (this.capacity === 0) return;
    let m = this.find(task);
    let wins = 0,
      fails = 0;
    if (m >= 0) {
      wins = this.wins[m]!;
      fails = this.fails[m]!;
    } else {
      m = Math.min(this.size, this.capacity - 1); // a free slot, or the least recent one (evicted)
      if (this.size < this.capacity) this.size++;
    }
    for (let n = m; n > 0; n--) {
      this.task[n] = this.task[n - 1]!;
      this.wins[n] = this.wins[n - 1]!;
      this.fails[n] = this.fails[n - 1]!;
      this.last[n] = this.last[n - 1]!;
    }
    this.task[0] = task;
    this.wins[0] = wins + y;
    this.fails[0] = fails + 1 - y;
    this.last[0] = y;
  }
}
