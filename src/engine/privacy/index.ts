/** Privacy audits of a trained model (issue #14): membership inference; the DP-SGD accountant (issue #18). */
export { auditMembership } from "./membership.js";
export type { AttackVerdict, MembershipAttack, MembershipAudit, MembershipInput } from "./membership.js";
export { scoreAttack } from "./attack.js";
export type { AttackResult } from "./attack.js";
export { learnerLosses } from "./learner-loss.js";
export { calibratedLossScores, likelihoodRatioScores } from "./likelihood-ratio.js";
export { memorisingModel } from "./memoriser.js";
export { DEFAULT_MEMBERSHIP_PARAMS, resolveMembershipParams } from "./params.js";
export type { MembershipParams } from "./params.js";
export { DEFAULT_RDP_ORDERS, dpSgdEpsilon, sampledGaussianRdp } from "./rdp-accountant.js";
export type { DpGuarantee, DpSgdSpend } from "./rdp-accountant.js";
