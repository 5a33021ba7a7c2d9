/**
 * The synthetic school: a seeded skill DAG, tasks and learners who learn as they practise, with known
 * ground truth. Tests, the demo data of `npm start` and the benchmarks use it.
 */
export { simulateSchool } from "./simulate.js";
export type { SimulatedSchool, SimulatedSkill, SimulatedTask, SimulatedLearner, SimulatedAttempt, SimulationTruth } from "./simulate.js";
export { DEFAULT_SIMULATOR_PARAMS, resolveSimulatorParams } from "./params.js";
export type { SimulatorParams } from "./params.js";
export { splitLearners } from "./split.js";
export { oracleModel } from "./oracle.js";
export type { OracleModel } from "./oracle.js";
export type { LearnerSplit } from "./split.js";
export { FRACTIONS_CURRICULUM, TASK_KINDS, TOPICS, KIND_DURATION_SEC } from "./curriculum.js";
export type { CurriculumSkill, TaskKind } from "./curriculum.js";
