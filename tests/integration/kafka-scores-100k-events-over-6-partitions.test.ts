import { afterAll, describe, expect, it } from 'vitest';
import { closeSharedScorer, generatedRecords, waitFor } from '../support/embedded-harness.ts';
import {
  decodePredictions,
  firstKeyOrderViolation,
  KAFKA_CLIENTS,
  kafkaConfig,
  openTransport,
  produceAll,
  readTopic,
  startKafkaTopology,
  uniqueNames,
} from '../support/kafka-pipeline.ts';

afterAll(closeSharedScorer);

const EVENTS = 100_000;

describe.each(KAFKA_CLIENTS)('on a real Kafka broker with the %s client', (client) => {
  it('turns 100,000 events over 6 partitions into one prediction per event_id, in per-key order', async () => {
    const names = uniqueNames(`100k-${client}`);
    const config = kafkaConfig(client, names);
    const transport = await openTransport(config);
    const topology = await startKafkaTopology(config, transport);
    const events = generatedRecords(EVENTS, 21, 2000);
    await produceAll(
      transport,
      names.topics.events,
      events.map((e) => e.record),
    );

    await waitFor(() => topology.totals.delivered >= EVENTS, 120_000, `${EVENTS} predictions`);
    await topology.stop(10_000);

    const predictions = decodePredictions(
      await readTopic(transport, names.topics.predictions, EVENTS, 60_000),
    );
    const ids = new Set(predictions.map((p) => p.event_id));
    expect(ids.size).toBe(EVENTS);
    expect(predictions.length).toBe(EVENTS);
    expect(
      firstKeyOrderViolation(predictions, new Map(events.map((e, i) => [e.eventId, i]))),
    ).toBeUndefined();
    await transport.close();
  }, 240_000);
});
