/** Progress for people at a terminal (stderr), shared by the command-line tools and `npm start`. */

/** A progress bar on stderr: redrawn in place on a terminal, a line per 10 % (or new message) otherwise. */
export function progressBar(label: string): { update(f: number, message?: string): void; done(): void } {
  const tty = Boolean(process.stderr.isTTY);
  let lastStep = -1;
  let lastMessage = "";
  let drawn = false;
  return {
    update(f, message) {
      const p = Math.max(0, Math.min(1, Number.isFinite(f) ? f : 0));
      const width = 30;
      const filled = Math.round(p * width);
      const line = `${label} [${"#".repeat(filled)}${".".repeat(width - filled)}] ${String(Math.floor(p * 100)).padStart(3)}%${message ? `  ${message}` : ""}`;
      if (tty) {
        process.stderr.write(`\r\x1b[2K${line.slice(0, (process.stderr.columns || 120) - 1)}`);
        drawn = true;
      } else {
        const step = Math.floor(p * 10);
        if (step !== lastStep || (message ?? "") !== lastMessage) process.stderr.write(`${line}\n`);
        lastStep = step;
        lastMessage = message ?? "";
      }
    },
    done() {
      if (tty && drawn) process.stderr.write("\n");
    },
  };
}
