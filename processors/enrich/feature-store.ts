/** What a store knows about one entity. A field it lacks is simply absent from `values`. */
export interface FeatureRow {
  values: Record<string, number>;
  /** When the row was last written, epoch ms; drives staleness. */
  updatedAtMs?: number;
  /** Fields stored with a value that is not of their declared type; absent from `values`. */
  wrongType?: string[];
}

/**
 * The online feature store the enrich stage reads. `getMany` is called once per micro-batch and
 * must cost one round trip; it returns one entry per key, in order, `undefined` for unknown keys.
 * It throws only for infrastructure failure.
 */
export interface FeatureStore {
  readonly kind: string;
  getMany(keys: readonly string[]): Promise<Array<FeatureRow | undefined>>;
  /** False while the store is known to be unreachable (its breaker open); stores that cannot tell leave it out. */
  isAvailable?(): boolean;
  close(): Promise<void>;
}
