import type { LiveFeed } from '../../../sinks/websocket/live-feed-tap.ts';

/**
 * Publishes drift reports or alerts on a live channel, subscribers or not, so the channel's `seq`
 * counts every one. A deployment whose `websocket.channels` leaves the channel out has nobody who
 * could subscribe to it: the publish is refused, and that is not an error.
 */
export function publishLive(
  feed: LiveFeed | undefined,
  channel: 'drift' | 'alerts',
  items: readonly unknown[],
): void {
  if (!feed) return;
  try {
    feed.publishBatch(channel, items);
  } catch {
    // SLUICE_LIVE_CHANNEL_UNKNOWN: the channel is not configured.
  }
}
