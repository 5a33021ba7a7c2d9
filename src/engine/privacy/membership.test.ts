import {
  auditMembership,
  learnerLosses,
  likelihoodRatioScores,
  resolveMembershipParams,
  scoreAttack,
  simulateSchool,
  splitLearners,
  trainers,
  logit,
  sigmoid,
  type KnowledgeModel,
  type LearnerState,
  type Trace,
  type TrainingSet,
} from "../index.js";

describe("scoreAttack", () => {
  const opts = { bootstrap: 200, alpha: 0.05, seed: 1 };
  it("separates perfectly: AUC 1, advantage 1, an interval at 1", () => {
    const r = scoreAttack([3, 4, 5], [0, 1, 2], opts)!;
    expect(r).toMatchObject({ auc: 1, advantage: 1, members: 3, nonMembers: 3, aucInterval: [1, 1] });
  });
  it("with identical scores is chance: AUC ½, advantage 0, and the interval contains ½", () => {
    const r = scoreAttack([1, 1, 1, 1], [1, 1, 1, 1], opts)!;
    expect(r.auc).toBe(0.5);
    expect(r.advantage).toBe(0);
    expect(r.aucInterval[0]).toBeLessThanOrEqual(0.5);
    expect(r.aucInterval[1]).toBeGreaterThanOrEqual(0.5);
  });
  it("hand case: members {2, 0}, non-members {1}: AUC ½ (one pair won, one lost), advantage ½ (threshold 2: TPR ½, FPR 0)", () => {
    const r = scoreAttack([2, 0], [1], opts)!;
    expect(r.auc).toBe(0.5);
    expect(r.advantage).toBe(0.5);
  });
  it("leaves NaN scores out, and gives null with an empty side", () => {
    expect(scoreAttack([Number.NaN, 2], [1], opts)!.members).toBe(1);
    expect(scoreAttack([], [1], opts)).toBeNull();
  });
});

describe("learnerLosses", () => {
  it("is each learner's mean cross-entropy from the given position on (hand-computed)", () => {
    const pred = {
      p: Float64Array.from([0.5, 0.8, 0.9, 0.25]),
      y: Uint8Array.from([1, 1, 0, 0]),
      position: Int32Array.from([1, 2, 1, 2]),
      learner: Int32Array.from([0, 0, 1, 1]),
    };
    const all = learnerLosses(pred, 3);
    expect(all[0]).toBeCloseTo(-(Math.log(0.5) + Math.log(0.8)) / 2, 12);
    expect(all[1]).toBeCloseTo(-(Math.log(0.1) + Math.log(0.75)) / 2, 12);
    expect(Number.isNaN(all[2]!)).toBe(true);
    expect(learnerLosses(pred, 2, 2)[0]).toBeCloseTo(-Math.log(0.8), 12);
  });
});

describe("likelihoodRatioScores", () => {
  it("hand case: pooled variances, and the learner whose loss sits at its IN mean scores above the one at its OUT mean", () => {
    // Two learners, four shadows (IN: 0 and 1 for learner 0; 2 and 3 for learner 1).
    const shadowLoss = [
      Float64Array.from([0.4, 0.9]),
      Float64Array.from([0.6, 1.1]),
      Float64Array.from([1.0, 0.5]),
      Float64Array.from([1.2, 0.7]),
    ];
    const trainedOn = [Uint8Array.from([1, 0]), Uint8Array.from([1, 0]), Uint8Array.from([0, 1]), Uint8Array.from([0, 1])];
    // μ_in = (0.5, 0.6), μ_out = (1.1, 1.0); every deviation is ±0.1: σ² = 4 · 0.01 / (4 − 2) = 0.02 on both sides.
    const s = likelihoodRatioScores([0.5, 1.0], shadowLoss, trainedOn);
    const logN = (x: number, mu: number) => -0.5 * Math.log(0.02) - (x - mu) ** 2 / 0.04;
    expect(s[0]).toBeCloseTo(logN(0.5, 0.5) - logN(0.5, 1.1), 9);
    expect(s[1]).toBeCloseTo(logN(1.0, 0.6) - logN(1.0, 1.0), 9);
    expect(s[0]!).toBeGreaterThan(0);
    expect(s[1]!).toBeLessThan(0);
  });
});

describe("resolveMembershipParams", () => {
  it("refuses an odd number of shadows and a threshold outside [0, ½]", () => {
    expect(() => resolveMembershipParams({ shadows: 3 })).toThrow(/shadows .* even/);
    expect(() => resolveMembershipParams({ advantageThreshold: 0.6 })).toThrow(/advantageThreshold/);
  });
});

/**
 * A model that memorises its training learners: PFA plus one personal parameter per training learner — how
 * far the logit of that learner's success rate over its training attempts lies from everyone's — added to
 * every prediction once the state knows whose it is (from the traces it is updated with). The deliberately
 * over-fitted model the audit must fail.
 */
async function memorising(data: TrainingSet, seed: number): Promise<KnowledgeModel> {
  const pfaOptions = { seed };
  const inner = await trainers.pfa!.fit(data, pfaOptions);
  const personal = new Map<string, number>();
  let correct = 0;
  let attempts = 0;
  for (const seq of data.sequences.values()) for (const t of seq) [correct, attempts] = [correct + t.correct, attempts + 1];
  const everyone = logit(correct / attempts);
  for (const [id, seq] of data.sequences) {
    const rate = (seq.reduce((n, t) => n + t.correct, 0) + 0.5) / (seq.length + 1);
    personal.set(id, logit(rate) - everyone);
  }
  type S = LearnerState & { data: { inner: LearnerState; learner: string | null } };
  const wrap = (inner: LearnerState, learner: string | null): S => ({
    model: inner.model,
    attempts: inner.attempts,
    data: { inner, learner },
  });
  const of = (s: LearnerState) => (s as S).data;
  const bias = (s: LearnerState) => personal.get(of(s).learner ?? "") ?? 0;
  const predict = (s: LearnerState, taskId: string) => sigmoid(logit(inner.predict(of(s).inner, taskId)) + bias(s));
  return {
    name: "memorising",
    initialState: () => wrap(inner.initialState(), null),
    predict,
    predictMany: (s, ids) => Float64Array.from(ids, (t) => predict(s, t)),
    update: (s, t: Trace) => wrap(inner.update(of(s).inner, t), t.learnerId),
    replay: (s, ts) => [...ts].reduce((acc, t) => wrap(inner.update(of(acc).inner, t), t.learnerId), s),
    mastery: (s, ids) => inner.mastery(of(s).inner, ids),
    serialize: () => inner.serialize(),
  };
}

describe("auditMembership", () => {
  // 200 training learners. Even PFA's per-task parameters remember a little of who answered: the
  // difficulty-calibrated loss attack sees it (AUC ≈ 0.61) — the negative control below is a model that
  // never saw the learners asked about.
  const school = simulateSchool({ learners: 400, attemptsPerLearner: [30, 60] }, 21);
  const split = splitLearners(school, { seed: 2, testFraction: 0.5 });
  const params = { bootstrap: 300, shadows: 2, seed: 3 };

  it("passes a model that saw none of the learners it is asked about (trained on others of the same school): neither attack beats chance materially", async () => {
    // The negative control: whatever the model remembers, it is not about these "members".
    const others = splitLearners(simulateSchool({ learners: 400, attemptsPerLearner: [30, 60] }, 22), { seed: 2, testFraction: 0.5 });
    const model = await trainers.pfa!.fit({ catalog: split.train.catalog, sequences: others.train.sequences }, { seed: 1 });
    const audit = await auditMembership(
      {
        model,
        catalog: split.train.catalog,
        members: split.train.sequences,
        nonMembers: split.test.sequences,
        trainShadow: (set, seed) => trainers.pfa!.fit(set, { seed }),
      },
      params,
    );
    expect(audit.attacks.map((a) => [a.attack, a.status])).toEqual([
      ["LOSS_THRESHOLD", "PASS"],
      ["LIKELIHOOD_RATIO", "PASS"],
    ]);
    expect(audit.status).toBe("PASSED");
  });

  it("fails a model that memorises its training learners: the likelihood-ratio attack catches what a global loss threshold misses, and says why", async () => {
    const model = await memorising(split.train, 1);
    const audit = await auditMembership(
      {
        model,
        catalog: split.train.catalog,
        members: split.train.sequences,
        nonMembers: split.test.sequences,
        trainShadow: (set, seed) => memorising(set, seed),
      },
      params,
    );
    expect(audit.status).toBe("FAILED");
    const [loss, ratio] = audit.attacks;
    // Learners differ far more from one another than one personal parameter moves their losses: a single
    // threshold on the loss barely separates; calibrating each learner's loss in and out of training does.
    expect(loss!.result!.auc).toBeLessThan(ratio!.result!.auc);
    expect(ratio!.status).toBe("FAIL");
    expect(ratio!.result!.aucInterval[0]).toBeGreaterThan(0.8);
    expect(audit.reason).toMatch(
      /LIKELIHOOD_RATIO: attack AUC 0\.\d{3} \[0\.\d{3}, [01]\.\d{3}\] on 200 members and 200 non-members — above chance by more than 0\.05, significantly/,
    );
  });

  it("counts an attack that separates the wrong way round as leakage too", async () => {
    // The memoriser trained on the side called "non-members": the attack's scores turn over, and still separate.
    const reversed = await auditMembership(
      {
        model: await memorising(split.test, 1),
        catalog: split.train.catalog,
        members: split.train.sequences,
        nonMembers: split.test.sequences,
        trainShadow: (set, seed) => memorising(set, seed),
      },
      params,
    );
    const ratio = reversed.attacks[1]!;
    expect(ratio.result!.aucInterval[1]).toBeLessThan(0.5);
    expect(ratio.status).toBe("FAIL");
    expect(ratio.reason).toMatch(/below chance by more than 0\.05, significantly/);
  });

  it("is NOT_AUDITABLE with too few learners on a side, and without a shadow trainer the likelihood-ratio attack says so", async () => {
    const model = await trainers.pfa!.fit(split.train, { seed: 1 });
    const few = new Map([...split.test.sequences].slice(0, 5));
    const small = await auditMembership({ model, catalog: split.train.catalog, members: split.train.sequences, nonMembers: few }, params);
    expect(small.status).toBe("NOT_AUDITABLE");
    expect(small.reason).toMatch(/too few learners to attack: \d+ members and 5 non-members/);
    const noShadow = await auditMembership(
      { model, catalog: split.train.catalog, members: split.train.sequences, nonMembers: split.test.sequences },
      params,
    );
    expect(noShadow.attacks[1]).toMatchObject({
      attack: "LIKELIHOOD_RATIO",
      status: "NOT_AUDITABLE",
      reason: "no trainer for shadow models of this kind",
    });
    expect(noShadow.status).toBe("PASSED");
  });
});
