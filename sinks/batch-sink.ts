/**
 * A destination the topology writes whole batches to. `write` resolves only once the destination has
 * durably accepted every item, so the engine may ack (and later commit) the inputs behind them; it
 * rejects with a retriable error while the destination is unreachable, and the engine retries.
 */
export interface BatchSink<T> {
  /** Stable id for logs and the `sink` metric label. */
  readonly name: string;
  write(items: T[]): Promise<void>;
}
