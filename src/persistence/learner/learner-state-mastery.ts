/**
 * The per-skill mastery kept in the learner's state row (`learner_state.mastery`, jsonb), so that
 * recording an attempt and rebuilding a learner each write ONE row. The compact stored form:
 *
 *   { "<skillId>": [mastery, uncertainty, attempts, trend, updatedAtMs] }
 *
 * - mastery: P(correct) on a typical task of the skill, in [0, 1];
 * - uncertainty: the standard deviation of `mastery`;
 * - attempts: attempts at tasks of the skill (integer);
 * - trend: an exponential moving average (weight TREND_WEIGHT) of the change in mastery caused by the
 *   updates touching the skill (positive = improving): continued by each recorded attempt; a
 *   skill's first entry written by a state rebuild (a seeded or imported learner) gets the average
 *   measured on the history's last attempts (services/personalisation/model-replay.ts TREND_TAIL), so that its trend
 *   reflects its history;
 * - updatedAtMs: when this skill's entry was last written, epoch milliseconds.
 *
 * Only skills the learner has practised under a model have an entry. SQL readers (BI) use the view
 * `skill_mastery` (migrations/1764415000000-mastery-in-learner-state.ts), which unfolds the object
 * into the former table's columns.
 */

export type StoredMastery = [mastery: number, uncertainty: number, attempts: number, trend: number, updatedAtMs: number];

/** The column's value: stored mastery per skill id. */
export type MasteryMap = Record<string, StoredMastery>;

/** Weight of the newest change in the mastery trend (an exponential moving average). */
export const TREND_WEIGHT = 0.3;

/** One skill's entry, read. */
export interface MasteryEntry {
  readonly skillId: string;
  readonly mastery: number;
  readonly uncertainty: number;
  readonly attempts: number;
  readonly trend: number;
  readonly updatedAt: Date;
}

/** The entries of a stored object (`fallbackTime` for an entry without its own time). */
export function masteryEntries(map: MasteryMap | null | undefined, fallbackTime: Date): MasteryEntry[] {
  if (!map) return [];
  return Object.entries(map).map(([skillId, v]) => ({
    skillId,
    mastery: v[0],
    uncertainty: v[1],
    attempts: v[2],
    trend: v[3] ?? 0,
    updatedAt: typeof v[4] === "number" ? new Date(v[4]) : fallbackTime,
  }));
}

/** The stored trend of a skill (0 when the skill has no entry yet). */
export function storedTrend(map: MasteryMap | null | undefined, skillId: string): number {
  return map?.[skillId]?.[3] ?? 0;
}

/** The next trend after a change `delta` of the mastery. */
export function nextTrend(prior: number, delta: number): number {
  return (1 - TREND_WEIGHT) * prior + TREND_WEIGHT * delta;
}
