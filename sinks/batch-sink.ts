import type { DurableSink, PipelineItem } from '../streams/pipeline/index.ts';

/**
 * A destination written in whole batches (the Redis prediction store). `write` resolves only once
 * the destination has durably accepted every item; it rejects with a retriable error while the
 * destination is unreachable, and the engine retries.
 */
export interface BatchSink<T> {
  /** Stable id for logs and the `sink` metric label. */
  readonly name: string;
  write(items: T[]): Promise<void>;
}

/**
 * A batch sink as a topology's durable sink, fed what `select` takes from each delivered item.
 * `ordered`: a batch is written once the one before is confirmed (a latest-per-key store).
 */
export function durableSink<T extends PipelineItem, V>(
  sink: BatchSink<V>,
  select: (item: T) => V,
  options: { ordered?: boolean } = {},
): DurableSink<T> {
  return {
    name: sink.name,
    ordered: options.ordered ?? false,
    write(items) {
      const values = new Array<V>(items.length);
      for (let i = 0; i < items.length; i++) values[i] = select(items[i]!);
      return sink.write(values);
    },
  };
}
