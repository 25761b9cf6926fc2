import { afterAll, describe, expect, it } from 'vitest';
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

afterAll(closeSharedScorer);

describe.each(KAFKA_CLIENTS)('graceful shutdown with the %s client', (client) => {
  it('commits what was delivered, so the next instance of the group reprocesses nothing', async () => {
    const names = uniqueNames(`stop-${client}`);
    const config = kafkaConfig(client, names, { batch: { maxDelayMs: 50 } });
    const transport = await openTransport(config);

    const first = await startKafkaTopology(config, transport);
    await produceAll(
      transport,
      names.topics.events,
      generatedRecords(5000, 31).map((e) => e.record),
    );
    await waitFor(() => first.totals.predictions >= 5000, 60_000, 'the first 5000 predictions');
    expect((await first.stop(10_000)).drained).toBe(true);

    await produceAll(
      transport,
      names.topics.events,
      generatedRecords(2000, 32).map((e) => e.record),
    );
    const second = await startKafkaTopology(config, transport);
    await waitFor(() => second.totals.predictions >= 2000, 60_000, 'the next 2000 predictions');
    await new Promise((r) => setTimeout(r, 1500));
    await second.stop(10_000);

    expect(second.totals.consumed).toBe(2000);
    const predictions = decodePredictions(await readTopic(transport, names.topics.predictions, 7000, 60_000));
    expect(predictions).toHaveLength(7000);
    expect(new Set(predictions.map((p) => p.event_id)).size).toBe(7000);
    await transport.close();
  }, 180_000);
});
