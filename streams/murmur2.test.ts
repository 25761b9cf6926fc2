import { describe, expect, it } from 'vitest';
import { kafkaPartitionForKey, murmur2, toPositive } from './murmur2.ts';

// From apache/kafka clients/src/test/java/org/apache/kafka/common/utils/UtilsTest.java, testMurmur2().
const KAFKA_UTILS_TEST: Array<[string, number]> = [
  ['21', -973932308],
  ['foobar', -790332482],
  ['a-little-bit-long-string', -985981536],
  ['a-little-bit-longer-string', -1486304829],
  ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
  ['abc', 479470107],
];

// From tulios/kafkajs src/producer/partitioners/defaultJava/murmur2.spec.js, generated there by
// running Kafka's Java Utils.murmur2 (their Test.java) over these keys.
const KAFKAJS_JAVA_COMPATIBLE: Array<[string, number]> = [
  ['0', 971027396],
  ['1', -1993445489],
  ['128', -326012175],
  ['2187', -1508407203],
  ['16384', -325739742],
  ['78125', -1654490814],
  ['279936', 1462227128],
  ['823543', -2014198330],
  ['2097152', 607668903],
  ['4782969', -1182699775],
  ['10000000', -1830336757],
  ['19487171', -1603849305],
  ['35831808', -857013643],
  ['62748517', -1167431028],
  ['105413504', -381294639],
  ['170859375', -1658323481],
  ['100:48069', 1009543857],
];

describe('murmur2', () => {
  it.each(KAFKA_UTILS_TEST)('matches Kafka UtilsTest for %j', (key, expected) => {
    expect(murmur2(Buffer.from(key, 'utf8'))).toBe(expected);
  });

  it.each(KAFKAJS_JAVA_COMPATIBLE)('matches the Java-generated kafkajs vector for %j', (key, expected) => {
    expect(murmur2(Buffer.from(key, 'utf8'))).toBe(expected);
  });

  it('hashes the empty key without reading past the buffer', () => {
    const h = murmur2(Buffer.alloc(0));
    expect(Number.isInteger(h)).toBe(true);
    expect(h).toBe(murmur2(new Uint8Array(0)));
  });

  it('reads only the view of a Buffer sliced from a larger allocation', () => {
    const big = Buffer.from('xxfoobarxx', 'utf8');
    expect(murmur2(big.subarray(2, 8))).toBe(-790332482);
  });
});

describe('kafkaPartitionForKey', () => {
  it('is toPositive(murmur2) modulo the partition count, as DefaultPartitioner computes it', () => {
    // toPositive(-790332482) = 1357151166; 1357151166 % 4 = 2, % 7 = 1357151166 - 7 * 193878738 = 0.
    expect(toPositive(-790332482)).toBe(1357151166);
    expect(kafkaPartitionForKey(Buffer.from('foobar'), 4)).toBe(2);
    expect(kafkaPartitionForKey(Buffer.from('foobar'), 7)).toBe(0);
    for (const [key, hash] of [...KAFKA_UTILS_TEST, ...KAFKAJS_JAVA_COMPATIBLE]) {
      for (const n of [1, 3, 12]) {
        expect(kafkaPartitionForKey(Buffer.from(key), n)).toBe((hash & 0x7fffffff) % n);
      }
    }
  });

  it('differs from Math.abs for negative hashes (why toPositive exists)', () => {
    // -973932308: abs % 10 = 8, toPositive % 10 = 1173551340 % 10 = 0.
    expect(kafkaPartitionForKey(Buffer.from('21'), 10)).toBe(0);
    expect(Math.abs(-973932308) % 10).toBe(8);
  });
});
