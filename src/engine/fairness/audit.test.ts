/**
 * The audit's verdicts on schools drawn by the simulator, whose attempts carry the true probability
 * of success they were drawn from: predicting it is an unbiased ("oracle") model.
 */
import { auditFairness, logit, sigmoid, simulateSchool } from "../index.js";
import type { FairnessAuditInput, SimulatedAttempt, SimulatedSchool } from "../index.js";

type Predict = (attempt: SimulatedAttempt, group: string) => number;
const oracle: Predict = (a) => a.pCorrect;

/** The held-out input of a school: every learner, in the order of its sequences. */
function inputOf(
  school: SimulatedSchool,
  predict: Predict = oracle,
): FairnessAuditInput & { p: number[]; y: number[]; position: number[]; learner: number[] } {
  const groupOf = new Map(school.learners.map((l) => [l.learnerId, l.group]));
  const p: number[] = [],
    y: number[] = [],
    position: number[] = [],
    learner: number[] = [],
    groups: string[] = [];
  for (const [id, seq] of school.sequences) {
    const group = groupOf.get(id)!;
    seq.forEach((a, k) => {
      p.push(predict(a, group));
      y.push(a.correct);
      position.push(k + 1);
      learner.push(groups.length);
    });
    groups.push(group);
  }
  return { p, y, position, learner, learners: groups.length, attributes: new Map([["group", groups]]) };
}

const school = simulateSchool({ learners: 240, attemptsPerLearner: [20, 60] }, 3);

describe("auditFairness on simulated schools", () => {
  it("passes an unbiased oracle model", () => {
    const audit = auditFairness(inputOf(school));
    expect(audit.status).toBe("PASSED");
    expect(audit.checks.some((c) => c.status === "FAIL")).toBe(false);
    expect(audit.comparisons).toHaveLength(1); // two groups: one comparison, not its mirror image too
  });

  it("fails a model miscalibrated for group B (logit − 0.5), naming the failing check", () => {
    const shifted = inputOf(school, (a, g) => (g === "B" ? sigmoid(logit(a.pCorrect) - 0.5) : a.pCorrect));
    const audit = auditFairness(shifted, { referenceGroups: { group: "A" } });
    expect(audit.status).toBe("FAILED");
    const check = audit.checks.find((c) => c.metric === "CALIBRATION_IN_THE_LARGE")!;
    expect([check.group, check.reference, check.status]).toEqual(["B", "A", "FAIL"]);
    // the gap recomputed directly: (mean p − mean y) of B's attempts 2.. minus A's
    const groups = shifted.attributes.get("group")!;
    const citl = (g: string) => {
      const idx = shifted.p.flatMap((_, i) => (groups[shifted.learner[i]!] === g && shifted.position[i]! >= 2 ? [i] : []));
      return idx.reduce((s, i) => s + shifted.p[i]! - shifted.y[i]!, 0) / idx.length;
    };
    expect(check.gap!).toBeCloseTo(citl("B") - citl("A"), 12);
    expect(check.gap!).toBeLessThan(-0.03);
    expect(check.pValue).toBe(1 / 1001); // no shuffle of the learners comes near such a gap
    expect(check.adjustedPValue!).toBeLessThan(0.05);
    expect(audit.reason).toContain("group: B vs A, CALIBRATION_IN_THE_LARGE gap −0.");
    expect(audit.reason).toContain("after Holm");
  });

  it("does not pass a gap it cannot test: with too few rounds for the family, NOT_AUDITABLE", () => {
    const shifted = inputOf(school, (a, g) => (g === "B" ? sigmoid(logit(a.pCorrect) - 0.5) : a.pCorrect));
    // 5 gated tests (AUC, ABROCA, ECE, CALIBRATION_IN_THE_LARGE, COLD_START_AUC; no recommendations):
    // with 20 rounds Holm's smallest adjusted p-value is 5/21 > 0.05, so significance is out of reach.
    const audit = auditFairness(shifted, { referenceGroups: { group: "A" }, rounds: 20 });
    const citl = audit.checks.find((c) => c.metric === "CALIBRATION_IN_THE_LARGE")!;
    expect(citl.pValue).toBe(1 / 21);
    expect(citl.adjustedPValue).toBeCloseTo(5 / 21, 12);
    expect(citl.status).toBe("NOT_AUDITABLE");
    expect(audit.status).toBe("NOT_AUDITABLE");
    expect(audit.reason).toContain("too few permutation rounds");
    expect(audit.reason).toContain("at least 100 rounds needed"); // 5/α
    // Benjamini–Hochberg at 1000 rounds finds it too, and says so
    const bh = auditFairness(shifted, { referenceGroups: { group: "A" }, correction: "benjamini-hochberg" });
    expect(bh.status).toBe("FAILED");
    expect(bh.reason).toContain("CALIBRATION_IN_THE_LARGE gap −0.");
    expect(bh.reason).toContain("after Benjamini–Hochberg");
  });

  it("gives p = 1 to every gap between groups with identical data", () => {
    // Every learner of A has a twin in B with the same attempts: every gap is 0 and every shuffle reaches it.
    const half = inputOf(simulateSchool({ learners: 40, attemptsPerLearner: [15, 30] }, 8));
    const n = half.learners;
    const twin = <T>(xs: T[], shift: (x: T) => T = (x) => x) => [...xs, ...xs.map(shift)];
    const input: FairnessAuditInput = {
      p: twin(half.p),
      y: twin(half.y),
      position: twin(half.position),
      learner: twin(half.learner, (l) => l + n),
      learners: 2 * n,
      attributes: new Map([["g", [...new Array<string>(n).fill("A"), ...new Array<string>(n).fill("B")]]]),
    };
    const audit = auditFairness(input, { rounds: 200, minGroupSize: 10 });
    const tested = audit.checks.filter((c) => c.pValue !== null);
    expect(tested.map((c) => c.metric).sort()).toEqual([
      "ABROCA",
      "AUC",
      "CALIBRATION_IN_THE_LARGE",
      "COLD_START_AUC",
      "ECE",
      "EQUAL_OPPORTUNITY",
    ]);
    for (const c of tested) {
      expect(c.gap).toBeCloseTo(0, 12);
      expect(c.pValue).toBe(1);
    }
    expect(audit.status).toBe("PASSED");
  });

  it("reports a group below minGroupSize as INSUFFICIENT_DATA, never PASS", () => {
    const small = simulateSchool({ learners: 200, attemptsPerLearner: [20, 40], groups: { A: 0.45, B: 0.45, C: 0.1 } }, 4);
    const input = inputOf(small);
    const cSize = input.attributes.get("group")!.filter((g) => g === "C").length;
    expect(cSize).toBeLessThan(30);
    const audit = auditFairness(input, { rounds: 200 });
    const ofC = audit.checks.filter((c) => c.group === "C");
    expect(ofC).toHaveLength(9);
    for (const c of ofC) {
      expect(c.status).toBe("INSUFFICIENT_DATA");
      expect(c.reason).toContain(`C has ${cSize} learners`);
    }
    expect(audit.checks.some((c) => c.group === "A" && c.status === "PASS")).toBe(true);
    // C alone: nothing can be judged, so the audit cannot pass
    const onlyC = input.attributes.get("group")!.map((g) => (g === "C" ? "C" : "other"));
    const alone = auditFairness({ ...input, attributes: new Map([["group", onlyC]]) }, { rounds: 200 });
    expect(alone.status).toBe("NOT_AUDITABLE");
    expect(alone.attributes[0]!.status).toBe("INSUFFICIENT_DATA");
    expect(alone.checks.every((c) => c.status === "INSUFFICIENT_DATA")).toBe(true);
  });

  it("audits intersections, comparing only the groups large enough and listing the others", () => {
    const input = inputOf(school);
    const groups = input.attributes.get("group")!;
    const grade = groups.map((_, l) => (l % 10 === 0 ? "6" : l % 2 === 0 ? "7" : "8"));
    const audit = auditFairness({ ...input, attributes: new Map([...input.attributes, ["grade", grade]]) }, { rounds: 100 });
    const cross = audit.attributes.find((a) => a.name === "group×grade")!;
    expect(cross.intersection).toBe(true);
    const sizes = new Map(cross.groups.map((g) => [g.label, g.learners]));
    expect(sizes.get("A×6")! + sizes.get("B×6")!).toBe(24);
    const compared = new Set(audit.comparisons.filter((c) => c.attribute === "group×grade").map((c) => c.group));
    for (const [label, n] of sizes) expect(compared.has(label)).toBe(n >= 30);
    expect(cross.reason).toContain("below 30 learners");
  });
});

describe("auditFairness: what it cannot judge is NOT_AUDITABLE, without throwing", () => {
  const base = inputOf(simulateSchool({ learners: 80, attemptsPerLearner: [15, 30] }, 6));
  const groups = base.attributes.get("group")!;

  it("a corrupt model: non-finite predictions", () => {
    const p = base.p.slice();
    p[5] = Number.NaN;
    p[9] = Number.POSITIVE_INFINITY;
    const audit = auditFairness({ ...base, p });
    expect([audit.status, audit.reason]).toEqual(["NOT_AUDITABLE", "2 predictions are not finite (a corrupt model)"]);
  });

  it("no attributes, an attribute never recorded, no attempts", () => {
    expect(auditFairness({ ...base, attributes: new Map() }).reason).toBe("no protected attributes recorded for the held-out learners");
    const unrecorded = auditFairness({ ...base, attributes: new Map([["sex", groups.map(() => null)]]) });
    expect([unrecorded.status, unrecorded.reason]).toEqual(["NOT_AUDITABLE", "no protected attributes recorded for the held-out learners"]);
    const empty = auditFairness({ p: [], y: [], position: [], learner: [], learners: 0, attributes: new Map() });
    expect([empty.status, empty.reason]).toEqual(["NOT_AUDITABLE", "no held-out attempts"]);
  });

  it("an attribute with one group", () => {
    const audit = auditFairness({ ...base, attributes: new Map([["group", groups.map(() => "A")]]) });
    expect(audit.status).toBe("NOT_AUDITABLE");
    expect(audit.attributes[0]).toMatchObject({ status: "NOT_AUDITABLE", reason: "only one group: A" });
    expect(audit.reason).toContain("group: only one group: A");
  });

  it("a group whose answers are all correct: no AUC, ABROCA or cold-start AUC, calibration still checked", () => {
    const y = base.y.map((v, i) => (groups[base.learner[i]!] === "B" ? 1 : v));
    const audit = auditFairness({ ...base, y }, { referenceGroups: { group: "A" }, rounds: 200 });
    const status = (metric: string) => audit.checks.find((c) => c.metric === metric)!;
    for (const metric of ["AUC", "ABROCA", "COLD_START_AUC"]) {
      expect(status(metric).status).toBe("NOT_AUDITABLE");
      expect(status(metric).reason).toMatch(/B .*(correct|classes)|(correct|classes).*B/);
    }
    for (const metric of ["ECE", "CALIBRATION_IN_THE_LARGE"]) expect(["PASS", "FAIL"]).toContain(status(metric).status);
  });

  it("recommendations not replayed, or none for a side", () => {
    const absent = auditFairness(base, { rounds: 50 });
    for (const c of absent.checks.filter((k) => k.metric.startsWith("RECOMMENDED") || k.metric === "GOAL_ADVANCING_SHARE")) {
      expect([c.status, c.reason]).toEqual(["NOT_AUDITABLE", "no recommendations were replayed"]);
    }
    const onlyA = groups.map((g) =>
      g === "A" ? { predictedSuccess: [0.7], goalAdvancingShare: 1, attemptsToMastery: 4, readiness: 0.6 } : null,
    );
    const oneSide = auditFairness({ ...base, recommendations: onlyA }, { rounds: 50, referenceGroups: { group: "A" } });
    const rec = oneSide.checks.find((c) => c.metric === "RECOMMENDED_SUCCESS")!;
    expect([rec.status, rec.reason]).toEqual(["NOT_AUDITABLE", "no learner of B got a recommendation"]);
  });

  it("no permutation rounds: the gated checks are not auditable", () => {
    const audit = auditFairness(base, { rounds: 0 });
    expect(audit.status).toBe("NOT_AUDITABLE");
    expect(audit.checks.filter((c) => c.threshold !== null && c.status !== "NOT_AUDITABLE")).toEqual([]);
    expect(audit.reason).toContain("no permutation rounds");
  });

  it("is deterministic: the same input and params give the same audit", () => {
    expect(auditFairness(base, { rounds: 100, seed: 9 })).toEqual(auditFairness(base, { rounds: 100, seed: 9 }));
  });
});
