import type { TransactionEvent } from '../../schemas/index.ts';

/** The model as the infer stage sees it: an async batch scorer (the inference pool implements it). */
export interface Scorer {
  readonly model: string;
  /** The version that scores the next batch; it may change between batches (a model swap). */
  readonly version: string;
  /** Scores at or above it get label 1. */
  readonly decisionThreshold: number;
  /** Positive-class probability per row of a row-major [rows × width] matrix. */
  infer(features: Float32Array, rows: number): Promise<Float32Array>;
}

/** Turns an event plus its store features into the model's input row. */
export interface FeatureVector {
  readonly width: number;
  write(event: TransactionEvent, features: Record<string, number>, out: Float32Array, offset: number): void;
}
