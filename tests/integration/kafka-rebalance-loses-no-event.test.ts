import { setTimeout as sleep } from 'node:timers/promises';
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

describe.each(KAFKA_CLIENTS)('rebalance with the %s client', (client) => {
  it('loses no event when a second instance joins the group mid-stream and then leaves', async () => {
    const names = uniqueNames(`rebalance-${client}`);
    const config = kafkaConfig(client, names, { batch: { maxDelayMs: 5 } });
    const transportA = await openTransport(config);
    const transportB = await openTransport(config);
    const events = generatedRecords(30_000, 41, 1000);
    const records = events.map((e) => e.record);

    const a = await startKafkaTopology(config, transportA);
    await produceAll(transportA, names.topics.events, records.slice(0, 10_000));
    await waitFor(() => a.totals.delivered >= 2000, 60_000, 'instance A to be scoring');

    // A scores faster than a group rebalances, so events keep trickling in until B has taken
    // partitions and scored some of them.
    const b = await startKafkaTopology(config, transportB);
    const producer = await transportA.createProducer();
    let next = 10_000;
    while (b.totals.delivered === 0 && next < 25_000) {
      await producer.send(names.topics.events, records.slice(next, next + 100));
      next += 100;
      await sleep(200);
    }
    expect(b.totals.delivered).toBeGreaterThan(0);
    await b.stop(10_000);

    await producer.send(names.topics.events, records.slice(next));
    await producer.close();
    const predictions = decodePredictions(
      await readTopic(transportA, names.topics.predictions, events.length, 90_000),
    );
    await a.stop(10_000);

    const scored = new Set(predictions.map((p) => p.event_id));
    const lost = events.filter((e) => !scored.has(e.eventId));
    expect(lost.map((e) => e.eventId).slice(0, 5)).toEqual([]);
    expect(a.totals.delivered + b.totals.delivered).toBeGreaterThanOrEqual(events.length);
    await transportA.close();
    await transportB.close();
  }, 240_000);
});
