import type { PipelineItem, Tap } from '../../streams/pipeline/index.ts';

/** A best-effort live feed (the WebSocket server). It never applies backpressure to the pipeline. */
export interface LiveFeed {
  publishBatch(channel: string, items: readonly unknown[]): void;
  /** Lets a caller skip building a payload nobody will receive. */
  hasSubscribers(channel: string): boolean;
}

/**
 * A tap that publishes what `select` takes from each delivered item on a live channel. Every
 * batch is published, subscribers or not, so the channel's `seq` counts every delivered item.
 */
export function liveFeedTap<T extends PipelineItem>(
  feed: LiveFeed,
  channel: string,
  select: (item: T) => unknown,
): Tap<T> {
  return {
    name: `live:${channel}`,
    observe(items) {
      const payload = new Array<unknown>(items.length);
      for (let i = 0; i < items.length; i++) payload[i] = select(items[i]!);
      feed.publishBatch(channel, payload);
    },
  };
}
