/** Latency samples → the figures of the report. */
export interface Sample {
  /** From the scheduled send time (open loop) or the actual send time (sequential) to the full response. */
  readonly ms: number;
  readonly ok: boolean;
  readonly error?: string;
}

export interface OpResult {
  readonly operation: string;
  /** "open loop at N/s" or "sequential". */
  readonly mode: string;
  readonly targetRps: number | null;
  readonly requests: number;
  /** Successful requests per second of the phase (first scheduled send to last response). */
  readonly rps: number;
  readonly p50_ms: number;
  readonly p90_ms: number;
  readonly p99_ms: number;
  readonly max_ms: number;
  readonly errors: number;
  /** The first few distinct error messages. */
  readonly errorSamples: string[];
  /** CPU used during the phase (bench/api/cpu.ts). */
  readonly cpu?: {
    serverMs: number;
    dbMs: number;
    loadMs: number;
    machineMs: number;
    othersMs: number;
    perRequestServerMs: number;
    perRequestDbMs: number;
    elapsedMs: number;
    loadavgBefore: number;
    loadavgAfter: number;
  };
}

export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  // nearest-rank
  const rank = Math.max(1, Math.ceil(q * sorted.length));
  return sorted[Math.min(sorted.length, rank) - 1]!;
}

export function summarise(
  operation: string,
  mode: string,
  targetRps: number | null,
  samples: readonly Sample[],
  elapsedMs: number,
): OpResult {
  const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
  const errors = samples.filter((s) => !s.ok);
  const r = (x: number) => Math.round(x * 100) / 100;
  return {
    operation,
    mode,
    targetRps,
    requests: samples.length,
    rps: r((samples.length - errors.length) / (elapsedMs / 1000)),
    p50_ms: r(quantile(sorted, 0.5)),
    p90_ms: r(quantile(sorted, 0.9)),
    p99_ms: r(quantile(sorted, 0.99)),
    max_ms: r(sorted[sorted.length - 1] ?? NaN),
    errors: errors.length,
    errorSamples: [...new Set(errors.map((e) => e.error ?? "?"))].slice(0, 5),
  };
}
