import type { Prediction } from '../../schemas/index.ts';
import type { InputRecord, OutgoingRecord } from '../../streams/index.ts';
import type { ScoringItem } from '../scoring-item.ts';

/**
 * Builds the prediction of a scored item, with the model and version infer stamped on it;
 * `outputTimeMs` closes its end-to-end latency.
 */
export function toPrediction(item: ScoringItem, outputTimeMs: number): Prediction {
  const { consumed } = item;
  return {
    event_id: item.eventId,
    key: item.key,
    model: item.model,
    model_version: item.modelVersion,
    score: item.score,
    label: item.label,
    features_missing: item.missing,
    features_stale: item.stale,
    event_time: item.eventTime,
    ingest_time: Math.round(consumed.ingestTimeMs),
    inference_time: Math.round(item.inferenceTimeMs),
    latency_ms: outputTimeMs - consumed.ingestTimeMs,
    source_partition: consumed.record.partition,
    source_offset: consumed.record.offset,
    outputs: item.outputs,
  };
}

/**
 * The Kafka record of a prediction: keyed by the event's key (decode has checked that a non-null
 * Kafka key equals it), so per-key order holds; `traceparent` is the input's, already validated.
 */
export function predictionRecord(
  prediction: Prediction,
  value: Buffer,
  input: InputRecord,
  traceparent: Buffer | undefined,
): OutgoingRecord {
  const key = input.key ?? prediction.key;
  if (traceparent) return { key, value, headers: { traceparent } };
  return { key, value };
}
