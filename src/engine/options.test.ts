/** The engine's one way to take options: merge over defaults, check, fail with an InvalidOptionError. */
import { mergeOptions, InvalidOptionError } from "./options.js";
import { EngineError, EngineErrorCode } from "./errors.js";
import {
  defaultEmbeddingOptions,
  defaultMetaOptions,
  DEFAULT_RECOMMEND_PARAMS,
  DEFAULT_SIMULATOR_PARAMS,
  resolveRecommendParams,
  resolveSimulatorParams,
  validateEmbeddingOptions,
  validateMetaOptions,
} from "./index.js";

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}

describe("mergeOptions", () => {
  test("reads only the defaults' keys, and an undefined value keeps the default", () => {
    const defaults = { a: 1, b: "x" };
    expect(mergeOptions(defaults, { a: 2, b: undefined, seed: 7 })).toEqual({ a: 2, b: "x" });
    expect(mergeOptions(defaults, undefined)).toEqual(defaults);
    expect(defaults).toEqual({ a: 1, b: "x" });
  });
});

describe("every component merges and validates the same way", () => {
  test.each([
    [
      "MetaOptions",
      () => validateMetaOptions({ window: undefined, seed: 3 } as never),
      defaultMetaOptions,
      () => validateMetaOptions({ initialRecentDecay: 1 }),
      "initialRecentDecay",
    ],
    [
      "EmbeddingOptions",
      () => validateEmbeddingOptions({ margin: undefined, seed: 3 } as never),
      defaultEmbeddingOptions,
      () => validateEmbeddingOptions({ dimension: 0 }),
      "dimension",
    ],
    [
      "simulator",
      () => resolveSimulatorParams({ learners: undefined, seed: 3 } as never),
      DEFAULT_SIMULATOR_PARAMS,
      () => resolveSimulatorParams({ exploration: 1.5 }),
      "exploration",
    ],
  ])(
    "%s: defaults for undefined and unknown keys; a bad value is an InvalidOptionError naming it",
    (owner, merge, defaults, bad, option) => {
      expect(merge()).toEqual(defaults);
      const e = thrown(bad);
      expect(e).toBeInstanceOf(InvalidOptionError);
      expect(e).toBeInstanceOf(EngineError);
      expect(e).toMatchObject({ code: EngineErrorCode.InvalidParameters, owner, option });
    },
  );

  test("recommendation parameters merge the same way", () => {
    expect(resolveRecommendParams({ bandLow: undefined, seed: 3 } as never)).toEqual(DEFAULT_RECOMMEND_PARAMS);
    expect(resolveRecommendParams({ bandLow: 0.6 })).toEqual({ ...DEFAULT_RECOMMEND_PARAMS, bandLow: 0.6 });
  });
});
