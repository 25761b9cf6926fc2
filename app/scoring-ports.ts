import type { TransactionEvent } from '../schemas/index.ts';

/** The model as the topology sees it: an async batch scorer (the inference pool implements it). */
export interface Scorer {
  readonly model: string;
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

/** A best-effort live feed (the WebSocket server). It never applies backpressure to the pipeline. */
export interface LiveFeed {
  publishBatch(channel: string, items: readonly unknown[]): void;
  /** Lets the topology skip building a payload nobody will receive. */
  hasSubscribers(channel: string): boolean;
}
