import type { MembershipAudit } from "../../engine/privacy/index.js";
import type { KnowledgeModel, ModelTrainer, TrainingSet } from "../../engine/types.js";
import { fitPrivately, storedTrainingOptions } from "./private-fit.js";

const set: TrainingSet = { catalog: { tasks: [], skillIds: [] }, sequences: new Map() };
/** A trainer that records the κ of each fit; its "model" is that κ. */
const recording = () => {
  const fits: number[] = [];
  const trainer: ModelTrainer = {
    name: "fake",
    fit: async (_d, o) => {
      const kappa = (o as { taskInfluenceLearners?: number }).taskInfluenceLearners ?? -1;
      fits.push(kappa);
      return { name: `k${kappa}` } as unknown as KnowledgeModel;
    },
  };
  return { fits, trainer };
};
const verdict = (status: MembershipAudit["status"]) => ({ status, attacks: [] }) as unknown as MembershipAudit;

test("Meta climbs the ladder and keeps the first fit the attacks cannot see through; its shadows are trained with that κ", async () => {
  const { fits, trainer } = recording();
  const audited: number[] = [];
  const out = await fitPrivately({
    trainer,
    kind: "meta",
    train: set,
    heldOut: set,
    fit: { seed: 1 },
    ladder: [0, 100, 250, 1000],
    audit: async (model, options) => {
      audited.push(options.taskInfluenceLearners);
      return verdict(model.name === "k250" ? "PASSED" : "FAILED");
    },
  });
  expect(fits).toEqual([0, 100, 250]);
  expect(audited).toEqual([0, 100, 250]);
  expect(out.trainingOptions).toEqual({ taskInfluenceLearners: 250 });
  expect(out.ladder.map((s) => [s.taskInfluenceLearners, s.status])).toEqual([
    [0, "FAILED"],
    [100, "FAILED"],
    [250, "PASSED"],
  ]);
  expect(out.membership!.status).toBe("PASSED");
});

test("a NOT_AUDITABLE attack (too few learners) stops the climb; every rung failing keeps the last fit for the gate to refuse", async () => {
  const first = recording();
  const small = await fitPrivately({
    trainer: first.trainer,
    kind: "meta",
    train: set,
    heldOut: set,
    fit: { seed: 1 },
    ladder: [0, 100],
    audit: async () => verdict("NOT_AUDITABLE"),
  });
  expect(first.fits).toEqual([0]);
  expect(small.trainingOptions.taskInfluenceLearners).toBe(0);
  const all = recording();
  const leaky = await fitPrivately({
    trainer: all.trainer,
    kind: "meta",
    train: set,
    heldOut: set,
    fit: { seed: 1 },
    ladder: [0, 100],
    audit: async () => verdict("FAILED"),
  });
  expect(all.fits).toEqual([0, 100]);
  expect(leaky).toMatchObject({ trainingOptions: { taskInfluenceLearners: 100 }, membership: { status: "FAILED" } });
});

test("a model without κ is trained once and not audited here (the gate audits it)", async () => {
  const { fits, trainer } = recording();
  let audits = 0;
  const out = await fitPrivately({
    trainer,
    kind: "pfa",
    train: set,
    heldOut: set,
    fit: { seed: 1 },
    ladder: [0, 100],
    audit: async () => {
      audits++;
      return verdict("FAILED");
    },
  });
  expect(fits).toEqual([0]);
  expect(audits).toBe(0);
  expect(out).toMatchObject({ ladder: [], membership: null });
});

test("a stored version's training options: read from its metrics, absent before they were recorded", () => {
  expect(storedTrainingOptions({ trainingOptions: { taskInfluenceLearners: 250 } })).toEqual({ taskInfluenceLearners: 250 });
  expect(storedTrainingOptions({})).toBeUndefined();
});
