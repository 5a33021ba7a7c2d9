/**
 * bench:api --policy: a learned policy live in the run's copy of the school, so that
 * recommendations(strategy: POLICY) take the policy's path. A small training (1 iteration, 2 episodes)
 * put live over its gate: a decision's cost (the observation, the network over every candidate) does not
 * depend on how well the policy was trained, and a full training on this curriculum would take long.
 */
import { performance } from "node:perf_hooks";
import { loadConfig } from "../../src/config/config.js";
import { withServices } from "../../src/cli/in-process-services.js";

export async function trainBenchPolicy(
  env: Record<string, string>,
  schoolId: string,
  log: (msg: string) => void,
): Promise<{ version: number; seconds: number }> {
  const t = performance.now();
  const config = loadConfig({ ...process.env, ...env }, { uses: { jwtSecret: false } });
  const r = await withServices(config, (services) =>
    services.policyTraining.train(schoolId, {
      seed: 1,
      iterations: 1,
      episodes: 2,
      overrideReason: "bench:api measures the serving latency only",
    }),
  );
  const seconds = (performance.now() - t) / 1000;
  log(`policy version ${r.version} trained (small) and live in ${seconds.toFixed(1)} s`);
  return { version: r.version, seconds };
}
