import type { KeyValueCache } from "@apollo/utils.keyvaluecache";
import { persistedQueryOptions } from "./persisted-queries.js";

const optionsOf = (settings: Parameters<typeof persistedQueryOptions>[0]) => {
  const o = persistedQueryOptions(settings);
  if (o === false || o === undefined) throw new Error("expected APQ on");
  return o as { cache: KeyValueCache<string>; ttl: number | null };
};

test("APQ off: false, which Apollo answers with PERSISTED_QUERY_NOT_SUPPORTED", () => {
  expect(persistedQueryOptions(null)).toBe(false);
});

test("the entries' time to live; 0 keeps them until evicted", () => {
  expect(optionsOf({ maxBytes: 1000, ttlSeconds: 60 }).ttl).toBe(60);
  expect(optionsOf({ maxBytes: 1000, ttlSeconds: 0 }).ttl).toBeNull();
});

test("the cache is bounded in bytes, each entry counting an overhead: least recently used out first", async () => {
  // Each 100-character query counts 2 × 100 + 256 = 456 bytes: two fit in 1,000, a third evicts the oldest.
  const { cache } = optionsOf({ maxBytes: 1000, ttlSeconds: 0 });
  const q = (c: string) => c.repeat(100);
  await cache.set("a", q("a"));
  await cache.set("b", q("b"));
  expect(await cache.get("a")).toBe(q("a")); // a is now the most recently used
  await cache.set("c", q("c"));
  expect(await cache.get("b")).toBeUndefined();
  expect(await cache.get("a")).toBe(q("a"));
  expect(await cache.get("c")).toBe(q("c"));
  // Tiny queries are not free: 1,000 bytes hold 3 of them, not 1,000.
  const tiny = optionsOf({ maxBytes: 1000, ttlSeconds: 0 }).cache;
  for (let i = 0; i < 10; i++) await tiny.set(`k${i}`, "{a}");
  const kept = (await Promise.all(Array.from({ length: 10 }, (_, i) => tiny.get(`k${i}`)))).filter((v) => v !== undefined);
  expect(kept).toHaveLength(3);
});
