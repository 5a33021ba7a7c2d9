/**
 * The two shapes of DataLoader the API uses, defined once: rows by id (missing or invisible rows
 * resolve to null) and a list per key. Each batches every key of one level of the GraphQL tree into
 * one service call.
 */
import DataLoader from "dataloader";

export function rowsById<T extends { id: string }>(fetch: (ids: readonly string[]) => Promise<T[]>) {
  return new DataLoader<string, T | null>(async (ids) => {
    const map = new Map((await fetch(ids)).map((r) => [r.id, r]));
    return ids.map((id) => map.get(id) ?? null);
  });
}

export function listsByKey<V>(fetch: (keys: readonly string[]) => Promise<Map<string, V[]>>) {
  return new DataLoader<string, V[]>(async (keys) => {
    const map = await fetch(keys);
    return keys.map((k) => map.get(k) ?? []);
  });
}
