// Kafka's murmur2 exactly as `org.apache.kafka.common.utils.Utils.murmur2` computes it. Both
// transports partition keys with it, so a key lands on the same partition in the embedded broker
// as on a real cluster with the Java (or librdkafka murmur2_random) default partitioner.

const SEED = 0x9747b28c;
const M = 0x5bd1e995;
const R = 24;

/** Kafka's 32-bit murmur2 of `data`, as a signed int (what Java returns); the partitioner calls it per key. */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  let h = SEED ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    // Math.imul keeps Java's wrapping int multiply; a plain `*` would lose the low bits past 2^53.
    k = Math.imul(k, M);
    k ^= k >>> R;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  const tail = length & 3;
  if (tail === 3) h ^= data[whole + 2]! << 16;
  if (tail >= 2) h ^= data[whole + 1]! << 8;
  if (tail >= 1) {
    h ^= data[whole]!;
    h = Math.imul(h, M);
  }
  h ^= h >>> 13;
  h = Math.imul(h, M);
  h ^= h >>> 15;
  return h | 0;
}

/** Kafka's `Utils.toPositive`: clears the sign bit (not Math.abs, which differs for negatives). */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/** The partition Kafka's default partitioner picks for a non-null key; producers call it per record. */
export function kafkaPartitionForKey(key: Uint8Array, partitions: number): number {
  return (murmur2(key) & 0x7fffffff) % partitions;
}
