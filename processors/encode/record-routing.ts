import type { RecordError } from '../../core/errors.ts';
import type { DeadLetter, DeadLetterStage, Prediction } from '../../schemas/index.ts';
import { codecs } from '../../schemas/index.ts';
import type { InputRecord, OutgoingRecord } from '../../streams/index.ts';
import type { ScoringItem } from '../scoring-item.ts';

const DEAD_LETTER_STAGES = new Set<string>(['decode', 'validate', 'enrich', 'infer']);

/** Builds the prediction of a scored item; `outputTimeMs` closes its end-to-end latency. */
export function toPrediction(
  item: ScoringItem,
  model: string,
  version: string,
  threshold: number,
  outputTimeMs: number,
): Prediction {
  const { event, consumed } = item;
  return {
    event_id: event.event_id,
    key: event.key,
    model,
    model_version: version,
    score: item.score,
    label: item.score >= threshold ? 1 : 0,
    features_missing: item.missing,
    features_stale: item.stale,
    event_time: event.event_time,
    ingest_time: Math.round(consumed.ingestTimeMs),
    inference_time: Math.round(item.inferenceTimeMs),
    latency_ms: outputTimeMs - consumed.ingestTimeMs,
    source_partition: consumed.record.partition,
    source_offset: consumed.record.offset,
  };
}

/** The Kafka record of a prediction: same key as its input (so per-key order holds), trace context carried on. */
export function predictionRecord(prediction: Prediction, value: Buffer, input: InputRecord): OutgoingRecord {
  const traceparent = input.headers.traceparent;
  if (traceparent) return { key: input.key ?? prediction.key, value, headers: { traceparent } };
  return { key: input.key ?? prediction.key, value };
}

export function toDeadLetter(input: InputRecord, error: RecordError, failedAtMs: number): DeadLetter {
  const stage = (DEAD_LETTER_STAGES.has(error.stage) ? error.stage : 'infer') as DeadLetterStage;
  return {
    original_key: input.key,
    original_value: input.value,
    source_topic: input.topic,
    source_partition: input.partition,
    source_offset: input.offset,
    stage,
    error_class: error.code,
    message: error.message,
    failed_at: failedAtMs,
  };
}

/** Headers repeat the reason so a dead-letter consumer can triage without decoding the body. */
export function deadLetterRecord(letter: DeadLetter, input: InputRecord): OutgoingRecord {
  const headers: Record<string, Buffer | string> = {
    'sluice-error-stage': letter.stage,
    'sluice-error-class': letter.error_class,
    'sluice-error-reason': letter.message.slice(0, 1000),
  };
  const traceparent = input.headers.traceparent;
  if (traceparent) headers.traceparent = traceparent;
  return { key: input.key, value: codecs.deadLetter.encode(letter), headers };
}
