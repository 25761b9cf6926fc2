import { afterEach, describe, expect, it } from 'vitest';
import { startTestServer } from '../../tests/support/live-server-harness.ts';
import type { LiveServer } from './live-server.ts';

describe('publishing on an unconfigured channel', () => {
  let server: LiveServer | undefined;
  afterEach(async () => server?.close());

  it('throws SLUICE_LIVE_CHANNEL_UNKNOWN naming websocket.channels, not a topic error', async () => {
    server = await startTestServer({ channels: ['predictions'], filterableChannels: [] });
    expect(() => server!.publish('deadletters', {})).toThrow(
      expect.objectContaining({ code: 'SLUICE_LIVE_CHANNEL_UNKNOWN', subject: 'websocket.channels' }),
    );
    expect(() => server!.publishBatch('deadletters', [{}])).toThrow(/websocket\.channels/);
    // A configured channel still publishes.
    expect(() => server!.publish('predictions', {})).not.toThrow();
  });
});
