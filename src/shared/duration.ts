/**
 * Durations as operators write them: a whole number and a unit, "90d", "12h", "30m", "45s", "2w"
 * (ZPD_MAX_TOKEN_LIFETIME, `npm run token -- --expires`). One parser, so that the maximum and the
 * lifetime asked for are read alike.
 */
const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** The duration in seconds, or null when the text is not one. */
export function parseDuration(text: string): number | null {
  const m = /^(\d{1,9})\s*([smhdw])$/.exec(text.trim());
  return m ? Number(m[1]) * UNIT_SECONDS[m[2]!]! : null;
}

/** Seconds in the largest unit that divides them ("90d", "36h", "90s"). */
export function formatDuration(seconds: number): string {
  for (const unit of ["w", "d", "h", "m"] as const) {
    const size = UNIT_SECONDS[unit]!;
    if (seconds >= size && seconds % size === 0) return `${seconds / size}${unit}`;
  }
  return `${seconds}s`;
}
