/** How a promotion's or rollback's outcome is stored on its run (message and result). */
import type { SwitchOutcome } from "../src/services/training/model-switch.service.js";

export function switchMessage(o: SwitchOutcome): string {
  const s = o.states;
  if (o.superseded) return `version ${o.version} was made active by this run and replaced since by another switch: nothing done`;
  if (!s) return `version ${o.version} refused`;
  if (o.alreadyActive) return `version ${o.version} was active already; ${s.adopted} adopted, ${s.caughtUp} caught up`;
  const overridden = o.override ? ` (the gates refused it; promoted on an admin's override: "${o.override.reason}")` : "";
  return `version ${o.version} active${overridden}: ${s.staged} staged, ${s.adopted} adopted, ${s.caughtUp} caught up`;
}

/** The run's result: the version, the SwitchReport's figures, the gates' verdicts (a promotion). */
export function switchResult(o: SwitchOutcome): Record<string, unknown> {
  return {
    modelVersionId: o.modelVersionId,
    version: o.version,
    alreadyActive: o.alreadyActive,
    ...(o.superseded ? { superseded: true } : {}),
    ...(o.states ? { ...o.states } : {}),
    ...(o.gates ? { gates: o.gates } : {}),
    ...(o.override ? { override: o.override } : {}),
  };
}
