/**
 * The last item of each key, by position in the batch. A batch holds a key's items in their input
 * order (a key lives on one partition), so the last one is the newest and the only one a
 * "latest per key" store needs to write: the earlier ones would be overwritten in the same round trip.
 */
export function latestPerKey<T extends { key: string }>(items: readonly T[]): T[] {
  const latest = new Map<string, T>();
  for (const item of items) latest.set(item.key, item);
  return [...latest.values()];
}
