import type { RecordError } from '../core/errors.ts';
import type { Prediction, TransactionEvent } from '../schemas/index.ts';
import type { ConsumedRecord, OutgoingRecord } from '../streams/index.ts';

/**
 * One event on its way through decode → enrich → infer → encode. Stages fill in fields; a stage
 * that fails the record sets `error`, and the engine routes it to the dead-letter sink and keeps
 * it away from later stages, so one bad record never aborts its batch.
 */
export interface ScoringItem {
  consumed: ConsumedRecord;
  event: TransactionEvent;
  /** Store features after policy (defaults applied), filled by enrich. */
  features: Record<string, number>;
  missing: string[];
  stale: string[];
  /** Filled by infer when the batch is scored: the score and the model (and version) that gave it. */
  score: number;
  /** 1 at or above the scoring model's decision threshold, else 0. */
  label: number;
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

export function newScoringItem(consumed: ConsumedRecord, event: TransactionEvent): ScoringItem {
  return {
    consumed,
    event,
    features: NO_FEATURES,
    missing: NONE,
    stale: NONE,
    score: Number.NaN,
    label: 0,
    model: '',
    modelVersion: '',
    inferenceTimeMs: 0,
    prediction: undefined,
    output: undefined,
    error: undefined,
  };
}
