/**
 * A 53-bit hash of an event id (two 32-bit multiply–xorshift lanes over its UTF-16 code units):
 * the key of the bottom-k sample. Every replica computes the same value for the same id, which is
 * what makes the union of their samples the sample one process would have kept. Not cryptographic:
 * an adversary choosing ids could bias the sample, not the bin counts.
 */
export function eventHash(id: string): number {
  let a = 0xdeadbeef;
  let b = 0x41c6ce57;
  for (let i = 0; i < id.length; i++) {
    const c = id.charCodeAt(i);
    a = Math.imul(a ^ c, 2654435761);
    b = Math.imul(b ^ c, 1597334677);
  }
  a = Math.imul(a ^ (a >>> 16), 2246822507) ^ Math.imul(b ^ (b >>> 13), 3266489909);
  b = Math.imul(b ^ (b >>> 16), 2246822507) ^ Math.imul(a ^ (a >>> 13), 3266489909);
  return 2097152 * (b >>> 0) + (a >>> 11);
}
