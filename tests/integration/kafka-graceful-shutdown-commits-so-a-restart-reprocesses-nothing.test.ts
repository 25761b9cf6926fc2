import { afterAll, describe, expect, it } from 'vitest';
import type { Transport } from '../../streams/index.ts';
import { closeSharedScorer, generatedRecords, waitFor } from '../support/embedded-harness.ts';
import {
  decodePredictions,
  KAFKA_CLIENTS,
  kafkaConfig,
  openTransport,
  produceAll,
  readTopic,
  startKafkaTopology,
  uniqueNames,
} from '../support/kafka-pipeline.ts';
import type { OffsetInspection } from '../support/scored-offsets.ts';
import { waitForAsync } from '../support/wait-for.ts';

afterAll(closeSharedScorer);

describe.each(KAFKA_CLIENTS)('graceful shutdown with the %s client', (client) => {
  it('commits what was delivered, so the next instance of the group reprocesses nothing', async () => {
    const names = uniqueNames(`stop-${client}`);
    const config = kafkaConfig(client, names, { batch: { maxDelayMs: 50 } });
    const transport = (await openTransport(config)) as Transport & OffsetInspection;

    const first = await startKafkaTopology(config, transport);
    await produceAll(
      transport,
      names.topics.events,
      generatedRecords(5000, 31).map((e) => e.record),
    );
    await waitFor(() => first.totals.delivered >= 5000, 60_000, 'the first 5000 predictions');
    expect((await first.stop(10_000)).drained).toBe(true);

    await produceAll(
      transport,
      names.topics.events,
      generatedRecords(2000, 32).map((e) => e.record),
    );
    const second = await startKafkaTopology(config, transport);
    await waitFor(() => second.totals.delivered >= 2000, 60_000, 'the next 2000 predictions');
    // Committed through the end of the log means the second run has processed every record it was
    // going to: had it started anywhere before the first run's commits, it would have consumed more
    // than 2000 by then. A fixed wait only guessed how long such re-reading would take.
    const end = await transport.endOffsets(names.topics.events);
    await waitForAsync(
      async () =>
        (await transport.committedOffsets(names.groupId, names.topics.events)).every(
          (offset, p) => offset === end[p],
        ),
      60_000,
      'the second run to commit through the end of the log',
    );
    await second.stop(10_000);

    expect(second.totals.consumed).toBe(2000);
    const predictions = decodePredictions(await readTopic(transport, names.topics.predictions, 7000, 60_000));
    expect(predictions).toHaveLength(7000);
    expect(new Set(predictions.map((p) => p.event_id)).size).toBe(7000);
    await transport.close();
  }, 180_000);
});
