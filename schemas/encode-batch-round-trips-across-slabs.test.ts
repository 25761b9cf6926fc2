import { describe, expect, it } from 'vitest';
import { AvroCodec } from './codecs.ts';
import type { Prediction } from './records.ts';

function prediction(i: number, idLength = 12): Prediction {
  return {
    event_id: `e${i}`.padEnd(idLength, 'x'),
    key: `user-${i % 97}`,
    model: 'fraud',
    model_version: '1',
    score: i / 1000,
    label: i % 2,
    features_missing: i % 5 === 0 ? ['txn_count_1h'] : [],
    features_stale: [],
    event_time: 1_700_000_000_000 + i,
    ingest_time: 1_700_000_000_100 + i,
    inference_time: 1_700_000_000_200 + i,
    latency_ms: 1.25,
    source_partition: i % 4,
    source_offset: i,
    outputs: {},
  };
}

describe('AvroCodec.encodeBatch', () => {
  it('gives each value its own bytes, across slab boundaries, in many batches', () => {
    const codec = new AvroCodec<Prediction>('prediction.avsc');
    const batches: Array<{ values: Prediction[]; bytes: Buffer[] }> = [];
    // ~100 bytes a value: 60 batches of 256 fill several 256 KiB slabs.
    for (let b = 0; b < 60; b++) {
      const values = Array.from({ length: 256 }, (_, i) => prediction(b * 256 + i));
      batches.push({ values, bytes: codec.encodeBatch(values) });
    }
    for (const { values, bytes } of batches) {
      for (let i = 0; i < values.length; i++) {
        expect(bytes[i]!.equals(codec.encode(values[i]!))).toBe(true);
        expect(codec.decode(bytes[i]!)).toEqual(values[i]);
      }
    }
  });

  it('fits a value larger than a slab', () => {
    const codec = new AvroCodec<Prediction>('prediction.avsc');
    const values = [prediction(1), prediction(2, 600_000), prediction(3)];
    const bytes = codec.encodeBatch(values);
    expect(bytes[1]!.length).toBeGreaterThan(600_000);
    expect(bytes.map((b) => codec.decode(b))).toEqual(values);
  });
});
