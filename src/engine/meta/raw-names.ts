/** The raw (optimiser-space) parameter arrays of Meta's training, in a fixed order (train.ts, dp-sgd.ts). */
export const RAW_NAMES = [
  "global",
  "taskOffset",
  "skillEase",
  "skillWin",
  "skillFail",
  "phi0",
  "logAlpha",
  "logDecay",
  "logBoost",
  "recent",
  "history",
] as const;
export type RawName = (typeof RAW_NAMES)[number];
