import type { RecordError } from '../core/errors.ts';
import type { EventRecord, Prediction } from '../schemas/index.ts';
import type { ConsumedRecord, OutgoingRecord } from '../streams/index.ts';

/**
 * One event on its way through decode → enrich → infer → encode. Stages fill in fields; a stage
 * that fails the record sets `error`, and the engine routes it to the dead-letter sink and keeps
 * it away from later stages, so one bad record never aborts its batch.
 */
export interface ScoringItem {
  consumed: ConsumedRecord;
  /** The decoded event, with the fields of the contract's schema. */
  event: EventRecord;
  /** The contract's id, key and time fields of `event`, read once at decode. */
  eventId: string;
  key: string;
  eventTime: number;
  /** Store features after policy (defaults applied), filled by enrich. */
  features: Record<string, number>;
  missing: string[];
  stale: string[];
  /** Filled by infer: the model's input row as it was scored (a view of the batch's matrix), which the drift tap reads. */
  row: Float32Array | undefined;
  /** Filled by infer when the batch is scored: the score and the model (and version) that gave it. */
  score: number;
  /**
   * A binary classifier's 1 at or above its decision threshold, else 0; a multiclass model's class
   * index; null for a regressor.
   */
  label: number | null;
  /** The model's other named outputs (a multiclass model's probability per class). */
  outputs: Record<string, number>;
  model: string;
  modelVersion: string;
  inferenceTimeMs: number;
  /** Filled by encode: the prediction and the record that carries it to the predictions topic. */
  prediction: Prediction | undefined;
  output: OutgoingRecord | undefined;
  error: RecordError | undefined;
}

const NONE: string[] = [];
// Enrich replaces it for every item it scores; shared so an event in flight costs one object less.
const NO_FEATURES: Record<string, number> = Object.freeze({}) as Record<string, number>;
const NO_OUTPUTS: Record<string, number> = Object.freeze({}) as Record<string, number>;

export function newScoringItem(
  consumed: ConsumedRecord,
  event: EventRecord,
  eventId: string,
  key: string,
  eventTime: number,
): ScoringItem {
  return {
    consumed,
    event,
    eventId,
    key,
    eventTime,
    features: NO_FEATURES,
    missing: NONE,
    stale: NONE,
    row: undefined,
    score: Number.NaN,
    label: null,
    outputs: NO_OUTPUTS,
    model: '',
    modelVersion: '',
    inferenceTimeMs: 0,
    prediction: undefined,
    output: undefined,
    error: undefined,
  };
}
