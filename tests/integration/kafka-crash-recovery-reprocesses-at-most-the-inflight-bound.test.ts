import { afterAll, describe, expect, it } from 'vitest';
import { startCli } from '../support/cli-process.ts';
import { closeSharedScorer, generatedRecords, waitFor } from '../support/embedded-harness.ts';
import {
  decodePredictions,
  KAFKA_CLIENTS,
  kafkaBrokers,
  kafkaConfig,
  openTransport,
  produceAll,
  producePaced,
  readTopic,
  uniqueNames,
} from '../support/kafka-pipeline.ts';

afterAll(closeSharedScorer);

const EVENTS = 30_000;
const MAX_IN_FLIGHT = 3000;

describe.each(KAFKA_CLIENTS)('crash recovery with the %s client', (client) => {
  it('after SIGKILL at a random point and a restart, every event_id has a prediction and duplicates stay within the in-flight bound', async () => {
    const names = uniqueNames(`crash-${client}`);
    const config = kafkaConfig(client, names);
    const transport = await openTransport(config);
    await transport.ensureTopics(Object.values(names.topics).map((topic) => ({ topic, partitions: 6 })));
    const events = generatedRecords(EVENTS, 61, 1000);
    const records = events.map((e) => e.record);
    await produceAll(transport, names.topics.events, records.slice(0, EVENTS / 2));

    const env = {
      KAFKA_BROKERS: kafkaBrokers().join(','),
      SLUICE_PORT: '0',
      SLUICE_STATUS__INTERVAL_MS: '0',
      SLUICE_TRANSPORT__KAFKA__CLIENT: client,
      SLUICE_TOPICS__EVENTS: names.topics.events,
      SLUICE_TOPICS__PREDICTIONS: names.topics.predictions,
      SLUICE_TOPICS__DEAD_LETTERS: names.topics.deadLetters,
      SLUICE_TOPICS__DRIFT: names.topics.drift,
      SLUICE_TOPICS__PARTITIONS: '6',
      SLUICE_CONSUMER__GROUP_ID: names.groupId,
      SLUICE_CONSUMER__MAX_IN_FLIGHT: String(MAX_IN_FLIGHT),
      SLUICE_CONSUMER__COMMIT_INTERVAL_MS: '2',
    };

    const first = startCli(['start'], env);
    await waitFor(() => /"partitions assigned"/.test(first.output()), 60_000, 'the first instance to join');
    // The second half arrives while the first instance runs; it is killed at a random moment of that.
    const tail = producePaced(transport, names.topics.events, records.slice(EVENTS / 2), 10_000);
    await new Promise((r) => setTimeout(r, 300 + Math.random() * 1000));
    first.child.kill('SIGKILL');
    await first.exited;
    const scoredAtKill = (await readTopic(transport, names.topics.predictions, 1, 2000)).length;
    expect(scoredAtKill, 'the first instance should have scored part of the stream').toBeGreaterThan(0);
    await tail;

    const second = startCli(['start'], env);
    let predictions = decodePredictions(
      await readTopic(transport, names.topics.predictions, EVENTS, 120_000),
    );
    const wanted = new Set(events.map((e) => e.eventId));
    const waitUntil = Date.now() + 60_000;
    while (new Set(predictions.map((p) => p.event_id)).size < wanted.size && Date.now() < waitUntil) {
      predictions = decodePredictions(await readTopic(transport, names.topics.predictions, EVENTS, 10_000));
    }
    second.child.kill('SIGTERM');
    expect(await second.exited, second.output().slice(-2000)).toBe(0);

    const scored = new Set(predictions.map((p) => p.event_id));
    const missing = [...wanted].filter((id) => !scored.has(id));
    expect(missing.slice(0, 5)).toEqual([]);
    const duplicates = predictions.length - scored.size;
    expect(duplicates).toBeLessThanOrEqual(MAX_IN_FLIGHT);
    await transport.close();
  }, 300_000);
});
