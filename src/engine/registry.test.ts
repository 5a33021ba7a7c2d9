import { loadModel, trainers } from "./registry.js";
import { simulateSchool } from "./simulator/index.js";
import { EngineErrorCode } from "./errors.js";
import { encodeModel, FORMAT_VERSION } from "./serialization.js";

describe("registry", () => {
  const school = simulateSchool({ learners: 40, skills: 4, tasksPerSkill: 5 }, 1);

  it("names the Meta model, its ablation and every baseline", () => {
    for (const name of ["meta", "ablation", "irt", "elo", "pfa", "bestlr", "bkt", "bkt-forget"]) expect(trainers[name]!.name).toBe(name);
  });

  it("loads any model file by the name in its header", async () => {
    for (const name of ["irt", "elo", "pfa", "bestlr", "bkt", "bkt-forget"]) {
      const model = await trainers[name]!.fit(school, { seed: 2 });
      const loaded = loadModel(model.serialize());
      expect(loaded.name).toBe(name);
      const task = school.catalog.tasks[3]!.taskId;
      expect(loaded.predict(loaded.initialState(), task)).toBe(model.predict(model.initialState(), task));
    }
  });

  it("loads Meta and ablation files through the same entry point", async () => {
    const quick = { seed: 3, maxEpochs: 1, window: 32, batchWindows: 64 };
    const task = school.catalog.tasks[5]!.taskId;
    for (const name of ["meta", "ablation"]) {
      const model = await trainers[name]!.fit(school, quick);
      const loaded = loadModel(model.serialize());
      expect(loaded.name).toBe(name);
      let a = model.initialState(),
        b = loaded.initialState();
      for (const t of school.sequences.values().next().value!.slice(0, 5)) {
        a = model.update(a, t);
        b = loaded.update(b, t);
      }
      expect(loaded.predict(b, task)).toBe(model.predict(a, task));
    }
  });

  it("refuses corrupted files, other format versions and unknown models with typed errors", async () => {
    const bytes = (await trainers.pfa!.fit(school, { seed: 2 })).serialize();
    const flipped = bytes.slice();
    flipped[flipped.length - 3]! ^= 0xff;
    expect(() => loadModel(flipped)).toThrow(expect.objectContaining({ code: EngineErrorCode.CorruptModel }));
    expect(() => loadModel(bytes.slice(0, 40))).toThrow(expect.objectContaining({ code: EngineErrorCode.CorruptModel }));
    expect(() => loadModel(new Uint8Array(3))).toThrow(expect.objectContaining({ code: EngineErrorCode.CorruptModel }));
    const otherVersion = bytes.slice();
    new DataView(otherVersion.buffer).setUint32(4, FORMAT_VERSION + 1, true);
    expect(() => loadModel(otherVersion)).toThrow(expect.objectContaining({ code: EngineErrorCode.UnsupportedFormat }));
    const unknown = encodeModel({ model: "no-such-model", meta: {}, tensors: {} });
    expect(() => loadModel(unknown)).toThrow(expect.objectContaining({ code: EngineErrorCode.UnsupportedFormat }));
    // a well-formed file whose fields are missing is corrupt, not a crash
    const hollow = encodeModel({ model: "bestlr", meta: { taskIds: [], skillIds: [] }, tensors: {} });
    expect(() => loadModel(hollow)).toThrow(expect.objectContaining({ code: EngineErrorCode.CorruptModel }));
  });
});
