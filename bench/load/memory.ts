/**
 * The server's memory over time, from outside: its resident set from /proc/<pid>/status (VmRSS) and,
 * when the server exposes Prometheus metrics at /metrics (prom-client's default metrics), its V8 heap
 * in use. Sampled every few seconds by the soak; a leak shows as a steady slope.
 */
import http from "node:http";
import { readFileSync } from "node:fs";

export interface MemorySample {
  /** Seconds since the first sample. */
  readonly t: number;
  readonly rssMb: number;
  /** Null when /metrics does not answer with nodejs_heap_size_used_bytes. */
  readonly heapMb: number | null;
}

export interface MemorySummary {
  readonly startMb: number;
  readonly maxMb: number;
  readonly endMb: number;
  /** Least-squares slope over the second half of the samples, MB per minute. */
  readonly slopeLastHalfMbPerMin: number;
}

export function rssMb(pid: number): number {
  const m = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  if (!m) throw new Error(`no VmRSS in /proc/${pid}/status`);
  return Number(m[1]) / 1024;
}

/** The heap in use from the server's /metrics, or null (no endpoint, or not that metric). */
export function heapMb(metricsUrl: string, timeoutMs = 2000): Promise<number | null> {
  return new Promise((resolve) => {
    const req = http.get(metricsUrl, { timeout: timeoutMs }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (text += c));
      res.on("end", () => {
        const m = res.statusCode === 200 ? /^nodejs_heap_size_used_bytes(?:\{[^}]*\})? ([0-9.e+]+)/m.exec(text) : null;
        resolve(m ? Number(m[1]) / 2 ** 20 : null);
      });
      res.on("error", () => resolve(null));
    });
    req.on("timeout", () => req.destroy());
    req.on("error", () => resolve(null));
  });
}

/** Samples every `everySeconds` until stopped; asks /metrics only while it answers. */
export function sampleMemory(pid: number, metricsUrl: string, everySeconds: number): { stop(): Promise<MemorySample[]> } {
  const samples: MemorySample[] = [];
  const t0 = Date.now();
  let heap = true;
  let busy: Promise<void> = Promise.resolve();
  const take = async () => {
    const rss = rssMb(pid);
    const h = heap ? await heapMb(metricsUrl) : null;
    if (h === null) heap = false;
    samples.push({ t: (Date.now() - t0) / 1000, rssMb: rss, heapMb: h });
  };
  busy = take();
  const timer = setInterval(() => {
    busy = busy.then(take);
  }, everySeconds * 1000);
  return {
    stop: async () => {
      clearInterval(timer);
      await busy;
      await take();
      return samples;
    },
  };
}

/** Least-squares slope of y over t (per second). */
function slope(points: readonly { t: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let num = 0;
  let den = 0;
  for (const p of points) {
    num += (p.t - mt) * (p.y - my);
    den += (p.t - mt) ** 2;
  }
  return den === 0 ? Number.NaN : num / den;
}

export function summariseMemory(samples: readonly MemorySample[], pick: (s: MemorySample) => number | null): MemorySummary | null {
  const points = samples.flatMap((s) => {
    const y = pick(s);
    return y === null ? [] : [{ t: s.t, y }];
  });
  if (points.length === 0) return null;
  const r = (x: number) => Math.round(x * 10) / 10;
  const half = points.filter((p) => p.t >= points[points.length - 1]!.t / 2);
  return {
    startMb: r(points[0]!.y),
    maxMb: r(Math.max(...points.map((p) => p.y))),
    endMb: r(points[points.length - 1]!.y),
    slopeLastHalfMbPerMin: Math.round(slope(half) * 60 * 100) / 100,
  };
}
