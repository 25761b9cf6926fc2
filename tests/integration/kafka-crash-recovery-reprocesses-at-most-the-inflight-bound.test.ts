import { afterAll, describe, expect, it } from 'vitest';
import { closeSharedScorer } from '../support/embedded-harness.ts';
import { KAFKA_CLIENTS, uniqueNames } from '../support/kafka-pipeline.ts';
import { runKilledMidStream } from '../support/kill-mid-stream.ts';

afterAll(closeSharedScorer);

const MAX_IN_FLIGHT = 3000;

describe.each(KAFKA_CLIENTS)('crash recovery with the %s client', (client) => {
  it('after SIGKILL at a random point and a restart, every event_id has a prediction and duplicates stay within the in-flight bound', async () => {
    const run = await runKilledMidStream({
      client,
      names: uniqueNames(`crash-${client}`),
      events: 30_000,
      seed: 61,
      env: {
        SLUICE_CONSUMER__MAX_IN_FLIGHT: String(MAX_IN_FLIGHT),
        SLUICE_CONSUMER__COMMIT_INTERVAL_MS: '2',
      },
    });
    expect(run.visibleAtKill, 'the first instance should have scored part of the stream').toBeGreaterThan(0);
    const scored = new Set(run.predictions.map((p) => p.event_id));
    expect(run.eventIds.filter((id) => !scored.has(id)).slice(0, 5)).toEqual([]);
    expect(run.predictions.length - scored.size).toBeLessThanOrEqual(MAX_IN_FLIGHT);
  }, 300_000);
});
