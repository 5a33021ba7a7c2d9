/**
 * How the engine's `LearnerState` is stored in `learner_state.state` (and `learner_state_staged`):
 * JSON text in a `text` column, `{"model":<tag>,"attempts":<n>,"data":<data>}` — the model's tag first.
 *
 * Why text and not jsonb: the state is opaque to SQL (only whole states are read and written), and
 * parsing it into jsonb cost PostgreSQL ~27 µs a write (~1.6 kB of numbers: every number becomes a
 * `numeric`), on every attempt and for every learner of a promotion's rebuild — a quarter of the
 * rebuild's database CPU. The one thing SQL asks of a state, which model wrote it, is answered by
 * its opening (`statePrefix`), which this module writes first.
 *
 * An empty state (`{}`: no model yet, or cleared on a consent withdrawal) decodes to `{}`.
 */
import type { LearnerState } from "../../engine/types.js";

/** The stored text of a state: the model's tag first (see `statePrefix`). */
export function encodeState(state: LearnerState): string {
  return `${statePrefix(state.model)}"attempts":${JSON.stringify(state.attempts)},"data":${JSON.stringify(state.data)}}`;
}

/** What the stored text of every state of model `tag` starts with (for SQL: `starts_with(state, $n)`). */
export function statePrefix(tag: string): string {
  return `{"model":${JSON.stringify(tag)},`;
}

/** The stored text of a state as the engine's value (`{}` for an empty one). */
export function decodeState(stored: string): Record<string, unknown> {
  return JSON.parse(stored) as Record<string, unknown>;
}

/** The stored text of any state value: an engine state in the codec's layout, anything else (`{}`) as JSON. */
export function storedState(value: Record<string, unknown>): string {
  const { model, attempts, data } = value;
  return typeof model === "string" && typeof attempts === "number" && typeof data === "object" && data !== null
    ? encodeState(value as unknown as LearnerState)
    : JSON.stringify(value);
}
