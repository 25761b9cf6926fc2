/** TypeScript views of the `.avsc` records. The `.avsc` files are the contract; these mirror them. */

/**
 * An input event of whatever `.avsc` the event contract names (config key `events`): its fields
 * are that schema's. The stages read the id, key and time the contract names from the scoring item.
 */
export type EventRecord = object;

export type Channel = 'POS' | 'ONLINE' | 'ATM';

/** A decoded, validated input event (schemas/transaction-event.avsc). */
export interface TransactionEvent {
  event_id: string;
  key: string;
  event_time: number;
  amount: number;
  merchant_category: string;
  country: string;
  channel: Channel;
}

/** One scored event (schemas/prediction.avsc). */
export interface Prediction {
  event_id: string;
  key: string;
  model: string;
  model_version: string;
  score: number;
  /** null for a regressor (schemas/prediction.avsc). */
  label: number | null;
  features_missing: string[];
  features_stale: string[];
  event_time: number;
  ingest_time: number;
  inference_time: number;
  latency_ms: number;
  source_partition: number;
  source_offset: number;
  /** Other named outputs (multiclass probabilities by class); {} when the model has none. */
  outputs: Record<string, number>;
}

export type DeadLetterStage = 'decode' | 'validate' | 'enrich' | 'infer';

/** One header of a dead letter's original record. */
export interface OriginalHeader {
  name: string;
  value: Buffer;
}

/** An input record that could not be scored (schemas/dead-letter.avsc). */
export interface DeadLetter {
  original_key: Buffer | null;
  original_value: Buffer | null;
  source_topic: string;
  source_partition: number;
  source_offset: number;
  stage: DeadLetterStage;
  error_class: string;
  message: string;
  failed_at: number;
  original_headers: OriginalHeader[];
  original_headers_dropped: number;
  original_truncated: boolean;
  original_key_size: number | null;
  original_value_size: number | null;
  original_key_sha256: string | null;
  original_value_sha256: string | null;
}

export interface PartitionCoverage {
  topic: string;
  partition: number;
  from_offset: number;
  to_offset: number;
}

/** One column's drift in a window (schemas/drift-report.avsc ColumnDrift). */
export interface ColumnDrift {
  kind: 'numeric' | 'categorical';
  count: number;
  metrics: Record<string, number>;
  ks_method: string | null;
  thresholds: Record<string, number>;
  drifted: boolean;
  severity: 'none' | 'warning' | 'drift';
}

export interface PerformanceEstimateRecord {
  predicted_positive_rate: number;
  expected_precision: number;
  expected_recall: number;
  expected_prevalence: number;
  reference_predicted_positive_rate: number;
  reference_expected_precision: number;
}

/** Drift of one window against the reference profile (schemas/drift-report.avsc, version 2). */
export interface DriftReport {
  window_start: number;
  window_end: number;
  count: number;
  model_version: string;
  decided: boolean;
  partial: boolean;
  coverage: PartitionCoverage[];
  columns: Record<string, ColumnDrift>;
  score: ColumnDrift | null;
  share_drifted: number;
  drifted: boolean;
  estimate: PerformanceEstimateRecord | null;
}
