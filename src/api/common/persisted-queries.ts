/**
 * Automatic persisted queries (Apollo's APQ): a client sends `extensions.persistedQuery.sha256Hash`
 * without the query; the first time the answer is PERSISTED_QUERY_NOT_FOUND, the client sends the
 * query with its hash once, and from then on the hash alone — by POST, or by GET, which caches.
 *
 * A query is stored only once it has passed parsing, validation and the per-operation limits (Apollo
 * stores it after `didResolveOperation`), and a stored query is checked again each time it is used —
 * against the caller's own cost budget and rate limit — so a persisted query never skips a limit.
 *
 * The cache is this process's memory: least recently used out first beyond ZPD_APQ_CACHE_MB, each entry
 * dropped after ZPD_APQ_TTL_SECONDS. Losing an entry costs a client one round trip (NOT_FOUND, then it
 * sends the query again). Apollo's own default cache (30 MiB, no expiry) counts only the queries'
 * characters: a flood of tiny distinct queries would hold far more memory than that in keys and entries,
 * so each entry here also counts an overhead.
 */
import { InMemoryLRUCache } from "@apollo/utils.keyvaluecache";
import type { ApolloServerOptions, BaseContext } from "@apollo/server";

export interface PersistedQuerySettings {
  /** The cache's size in bytes, entries' overhead included (ZPD_APQ_CACHE_MB). */
  readonly maxBytes: number;
  /** Seconds an entry is kept; 0: until it is evicted (ZPD_APQ_TTL_SECONDS). */
  readonly ttlSeconds: number;
}

/** Per entry, beyond the query: its key (the `apq:` prefix and 64 hex digits) and the cache's bookkeeping. */
const ENTRY_OVERHEAD_BYTES = 256;

/** Apollo Server's `persistedQueries` option; false (APQ off: PERSISTED_QUERY_NOT_SUPPORTED) when `settings` is null. */
export function persistedQueryOptions(settings: PersistedQuerySettings | null): ApolloServerOptions<BaseContext>["persistedQueries"] {
  if (!settings) return false;
  return {
    cache: new InMemoryLRUCache<string>({
      maxSize: settings.maxBytes,
      // V8 keeps a string's characters in one or two bytes each.
      sizeCalculation: (query) => 2 * query.length + ENTRY_OVERHEAD_BYTES,
    }),
    ttl: settings.ttlSeconds === 0 ? null : settings.ttlSeconds,
  };
}
