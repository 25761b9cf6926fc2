import type { EventRecord } from '../../schemas/index.ts';
import type { ModelOutput } from './model-manifest.ts';

/** The model as the infer stage sees it: an async batch scorer (the inference pool implements it). */
export interface Scorer {
  readonly model: string;
  /** The version that scores the next batch; it may change between batches (a model swap). */
  readonly version: string;
  /** Scores at or above it get label 1 (binary classifiers). */
  readonly decisionThreshold: number;
  /** What `infer`'s values mean; absent: a binary classifier at `decisionThreshold`. */
  readonly outputKind?: ModelOutput | undefined;
  /**
   * Per row of a row-major [rows × width] matrix: one score (the positive-class probability, or a
   * regressor's value), or for a multiclass model one probability per class (rows × classes).
   */
  infer(features: Float32Array, rows: number): Promise<Float32Array>;
}

/** Turns an event plus its store features into the model's input row. */
export interface FeatureVector {
  readonly width: number;
  write(event: EventRecord, features: Record<string, number>, out: Float32Array, offset: number): void;
}
