import type { RecordError } from '../core/errors.ts';
import type { TransactionEvent } from '../schemas/index.ts';
import type { ConsumedRecord } from '../streams/index.ts';

/**
 * One event on its way through batch → enrich → infer. Stages fill in fields; a stage that fails
 * the record sets `error`, and later stages skip it, so one bad record never aborts its batch.
 */
export interface ScoringItem {
  consumed: ConsumedRecord;
  event: TransactionEvent;
  /** Store features after policy (defaults applied), filled by enrich. */
  features: Record<string, number>;
  missing: string[];
  stale: string[];
  score: number;
  inferenceTimeMs: number;
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
    inferenceTimeMs: 0,
    error: undefined,
  };
}
