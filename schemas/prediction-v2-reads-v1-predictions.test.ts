import { readFileSync } from 'node:fs';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { codecs } from './codecs.ts';
import type { Prediction } from './records.ts';

const v1 = avro.Type.forSchema(JSON.parse(readFileSync('schemas/history/prediction.v1.avsc', 'utf8')));
const v2 = codecs.prediction.type;

const old = {
  event_id: 'e-1',
  key: 'user-1',
  model: 'fraud',
  model_version: '1',
  score: 0.91,
  label: 1,
  features_missing: ['txn_count_7d'],
  features_stale: [],
  event_time: 1_796_083_200_000,
  ingest_time: 1_796_083_200_005,
  inference_time: 1_796_083_200_009,
  latency_ms: 11.5,
  source_partition: 3,
  source_offset: 42,
};

describe('prediction.avsc v2 is backward compatible', () => {
  it('reads a v1 prediction: its label as written, no other outputs', () => {
    const bytes = v1.toBuffer(old);
    const read = v2.fromBuffer(bytes, v2.createResolver(v1)) as Prediction;
    expect(read).toEqual({ ...old, outputs: {} });
  });

  it("writes a regressor's prediction with no label and a multiclass model's class probabilities", () => {
    const regressor: Prediction = { ...old, model: 'sensor-anomaly', score: -0.04, label: null, outputs: {} };
    expect(v2.fromBuffer(codecs.prediction.encode(regressor))).toEqual(regressor);
    const multiclass: Prediction = {
      ...old,
      label: 2,
      score: 0.7,
      outputs: { ok: 0.1, worn: 0.2, failing: 0.7 },
    };
    expect(v2.fromBuffer(codecs.prediction.encode(multiclass))).toEqual(multiclass);
  });

  it('is not forward compatible: a v1 reader cannot resolve v2 (upgrade readers first, as BACKWARD compatibility asks)', () => {
    expect(() => v1.createResolver(v2)).toThrow(/cannot read "null" as "int"/);
  });
});
