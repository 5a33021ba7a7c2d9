/**
 * A small progress bar on stderr (no dependency). On a terminal it redraws one line at most every
 * 100 ms; elsewhere (CI logs, files) it prints a line at each new tenth so logs stay short.
 */
export interface ProgressBar {
  update(fraction: number, message?: string): void;
  done(message?: string): void;
}

export function createProgressBar(label: string, stream: NodeJS.WriteStream = process.stderr): ProgressBar {
  const tty = Boolean(stream.isTTY);
  const width = 30;
  const started = Date.now();
  let lastDraw = 0;
  let lastTenth = -1;
  const render = (fraction: number, message = "") => {
    const f = Math.max(0, Math.min(1, Number.isFinite(fraction) ? fraction : 0));
    const filled = Math.round(f * width);
    const secs = ((Date.now() - started) / 1000).toFixed(1);
    return `${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${(f * 100).toFixed(0).padStart(3)}% ${secs}s ${message}`;
  };
  return {
    update(fraction, message) {
      const now = Date.now();
      if (tty) {
        if (now - lastDraw < 100) return;
        lastDraw = now;
        stream.write(`\r${render(fraction, message).padEnd(100).slice(0, 120)}`);
      } else {
        const tenth = Math.floor(fraction * 10);
        if (tenth === lastTenth) return;
        lastTenth = tenth;
        stream.write(`${render(fraction, message)}\n`);
      }
    },
    done(message = "done") {
      stream.write(`${tty ? "\r" : ""}${render(1, message).padEnd(tty ? 100 : 0)}\n`);
    },
  };
}
