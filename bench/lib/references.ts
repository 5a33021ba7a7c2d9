/**
 * Figures measured outside the project under exactly this protocol (docs/benchmarks/datasets.md),
 * printed next to ours so that a baseline far from its reference stands out: a baseline far BELOW its
 * reference means the harness is wrong.
 */
export interface Reference {
  readonly auc: number;
  readonly source: string;
}

export const REFERENCES: Readonly<Record<string, Readonly<Record<string, Reference>>>> = {
  assist2009: {
    irt: { auc: 0.6907, source: "Gervet et al.'s LR code, item one-hot (a new learner's ability stays at 0)" },
    pfa: { auc: 0.7225, source: "Gervet et al.'s LR code" },
    bestlr: { auc: 0.7743, source: "Gervet et al.'s LR code, without time windows" },
    bkt: { auc: 0.7262, source: "pyBKT, 5 restarts" },
    "bkt-forget": { auc: 0.7303, source: "pyBKT with forgetting" },
  },
};
