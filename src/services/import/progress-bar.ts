/**
 * A small progress bar for command-line tools, on stderr. On a terminal it redraws one line (at most
 * ten times a second); otherwise (a log file, CI) it prints a line at every tenth of the way.
 */
export interface ProgressTarget {
  write(s: string): unknown;
  readonly isTTY?: boolean;
}

const WIDTH = 28;
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

export class ProgressBar {
  private lastDraw = 0;
  private lastTenth = -1;
  private drawn = false;
  private readonly started = Date.now();

  constructor(
    private readonly out: ProgressTarget = process.stderr,
    private readonly label = "",
  ) {}

  /** `done` of `total` `unit`; `rateUnit` adds a per-second rate. */
  update(done: number, total: number, unit: string, rateUnit?: string, force = false): void {
    const frac = total > 0 ? Math.min(1, done / total) : 1;
    const now = Date.now();
    if (this.out.isTTY) {
      if (!force && now - this.lastDraw < 100 && frac < 1) return;
      this.lastDraw = now;
      this.out.write(`\r${this.render(frac, done, total, unit, rateUnit, now)}\x1b[K`);
      this.drawn = true;
    } else {
      const tenth = Math.floor(frac * 10);
      if (!force && tenth === this.lastTenth) return;
      this.lastTenth = tenth;
      this.out.write(`${this.render(frac, done, total, unit, rateUnit, now)}\n`);
    }
  }

  render(frac: number, done: number, total: number, unit: string, rateUnit: string | undefined, now = Date.now()): string {
    const full = Math.round(frac * WIDTH);
    const secs = (now - this.started) / 1000;
    const rate = rateUnit && secs > 0 ? `  ${fmt(done / secs)} ${rateUnit}/s` : "";
    const head = this.label ? `${this.label} ` : "";
    return `${head}[${"#".repeat(full)}${"-".repeat(WIDTH - full)}] ${String(Math.floor(frac * 100)).padStart(3)}%  ${fmt(done)}/${fmt(total)} ${unit}${rate}`;
  }

  /** Ends the bar's line (on a terminal). */
  finish(): void {
    if (this.out.isTTY && this.drawn) this.out.write("\n");
    this.drawn = false;
  }
}
