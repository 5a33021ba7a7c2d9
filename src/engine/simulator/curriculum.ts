/**
 * The default curriculum of the synthetic school: fractions and proportional reasoning, as a skill DAG.
 * Listed in a topological order (every prerequisite comes before the skills that need it).
 */
export interface CurriculumSkill {
  readonly skillId: string;
  readonly name: string;
  readonly prerequisites: readonly string[];
}

export const FRACTIONS_CURRICULUM: readonly CurriculumSkill[] = [
  { skillId: "frac-meaning", name: "Meaning of a fraction (part of a whole)", prerequisites: [] },
  { skillId: "frac-number-line", name: "Fractions on the number line", prerequisites: ["frac-meaning"] },
  { skillId: "frac-equivalent", name: "Equivalent fractions", prerequisites: ["frac-meaning"] },
  { skillId: "frac-simplify", name: "Simplifying fractions", prerequisites: ["frac-equivalent"] },
  { skillId: "frac-compare", name: "Comparing and ordering fractions", prerequisites: ["frac-number-line", "frac-equivalent"] },
  { skillId: "frac-add-like", name: "Adding and subtracting like fractions", prerequisites: ["frac-meaning"] },
  { skillId: "frac-add-unlike", name: "Adding and subtracting unlike fractions", prerequisites: ["frac-add-like", "frac-equivalent"] },
  { skillId: "frac-mixed", name: "Mixed numbers and improper fractions", prerequisites: ["frac-add-like"] },
  { skillId: "frac-multiply", name: "Multiplying fractions", prerequisites: ["frac-simplify"] },
  { skillId: "frac-divide", name: "Dividing fractions", prerequisites: ["frac-multiply"] },
  { skillId: "decimals", name: "Fractions as decimals", prerequisites: ["frac-equivalent"] },
  { skillId: "percent", name: "Percentages", prerequisites: ["decimals"] },
  { skillId: "ratio", name: "Ratios", prerequisites: ["frac-equivalent"] },
  { skillId: "unit-rate", name: "Unit rates", prerequisites: ["ratio", "frac-divide"] },
  { skillId: "proportion", name: "Solving proportions", prerequisites: ["ratio", "frac-multiply"] },
  { skillId: "percent-change", name: "Percent increase and decrease", prerequisites: ["percent", "proportion"] },
];

export const TASK_KINDS = ["exercise", "quiz", "word-problem"] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

/** Typical duration of each kind, in seconds (the simulator draws around it). */
export const KIND_DURATION_SEC: Readonly<Record<TaskKind, number>> = { exercise: 60, quiz: 120, "word-problem": 180 };

export const TOPICS = ["pizza", "sport", "money", "cooking", "music", "travel", "nature", "games"] as const;
