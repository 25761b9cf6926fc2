import type { Prediction } from '../../schemas/index.ts';

/**
 * A prediction as the flat field/value list `HSET` and `XADD` take. Numbers are written in their
 * shortest exact decimal form and the feature lists as JSON arrays, so a reader can parse them back
 * without knowing Avro. `label` is empty for a regressor (no label), `outputs` a JSON object.
 */
export function predictionFields(prediction: Prediction): string[] {
  return [
    'event_id',
    prediction.event_id,
    'key',
    prediction.key,
    'model',
    prediction.model,
    'model_version',
    prediction.model_version,
    'score',
    String(prediction.score),
    'label',
    prediction.label === null ? '' : String(prediction.label),
    'features_missing',
    JSON.stringify(prediction.features_missing),
    'features_stale',
    JSON.stringify(prediction.features_stale),
    'event_time',
    String(prediction.event_time),
    'ingest_time',
    String(prediction.ingest_time),
    'inference_time',
    String(prediction.inference_time),
    'latency_ms',
    String(prediction.latency_ms),
    'source_partition',
    String(prediction.source_partition),
    'source_offset',
    String(prediction.source_offset),
    'outputs',
    JSON.stringify(prediction.outputs),
  ];
}
