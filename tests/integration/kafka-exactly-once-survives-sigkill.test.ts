import { afterAll, describe, expect, it } from 'vitest';
import { closeSharedScorer } from '../support/embedded-harness.ts';
import { KAFKA_CLIENTS, uniqueNames } from '../support/kafka-pipeline.ts';
import { runKilledMidStream } from '../support/kill-mid-stream.ts';

afterAll(closeSharedScorer);

const EVENTS = 20_000;

// readTopic's consumers read with isolation read_committed (both adapters' default), so aborted or
// still-open transactions of the killed instance are invisible to them.
describe.each(KAFKA_CLIENTS)('exactly-once delivery with the %s client', (client) => {
  it('after SIGKILL mid-stream and a restart, a read_committed reader sees every event_id exactly once', async () => {
    const names = uniqueNames(`eos-${client}`);
    const run = await runKilledMidStream({
      client,
      names,
      events: EVENTS,
      seed: 71,
      env: {
        SLUICE_DELIVERY: 'exactly-once',
        SLUICE_TRANSPORT__KAFKA__TRANSACTIONAL_ID: `${names.groupId}-instance-0`,
        SLUICE_CONSUMER__MAX_IN_FLIGHT: '2000',
        SLUICE_CONSUMER__COMMIT_INTERVAL_MS: '100',
      },
    });
    expect(run.visibleAtKill, 'the first instance should have committed part of the stream').toBeGreaterThan(
      0,
    );
    expect(run.visibleAtKill, 'the kill should land mid-stream').toBeLessThan(EVENTS);
    const counts = new Map<string, number>();
    for (const p of run.predictions) counts.set(p.event_id, (counts.get(p.event_id) ?? 0) + 1);
    expect(run.eventIds.filter((id) => !counts.has(id)).slice(0, 5)).toEqual([]);
    expect([...counts].filter(([, n]) => n > 1).slice(0, 5)).toEqual([]);
    expect(run.predictions).toHaveLength(EVENTS);
  }, 300_000);
});
