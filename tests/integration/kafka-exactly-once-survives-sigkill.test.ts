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

const EVENTS = 20_000;

// readTopic's consumers read with isolation read_committed (both adapters' default), so aborted or
// still-open transactions of the killed instance are invisible to them.
describe.each(KAFKA_CLIENTS)('exactly-once delivery with the %s client', (client) => {
  it('after SIGKILL mid-stream and a restart, a read_committed reader sees every event_id exactly once', async () => {
    const names = uniqueNames(`eos-${client}`);
    const config = kafkaConfig(client, names);
    const transport = await openTransport(config);
    await transport.ensureTopics(Object.values(names.topics).map((topic) => ({ topic, partitions: 6 })));
    const events = generatedRecords(EVENTS, 71, 1000);
    const records = events.map((e) => e.record);
    await produceAll(transport, names.topics.events, records.slice(0, EVENTS / 2));

    const env = {
      KAFKA_BROKERS: kafkaBrokers().join(','),
      SLUICE_PORT: '0',
      SLUICE_STATUS__INTERVAL_MS: '0',
      SLUICE_DELIVERY: 'exactly-once',
      SLUICE_TRANSPORT__KAFKA__CLIENT: client,
      SLUICE_TRANSPORT__KAFKA__TRANSACTIONAL_ID: `${names.groupId}-instance-0`,
      SLUICE_TOPICS__EVENTS: names.topics.events,
      SLUICE_TOPICS__PREDICTIONS: names.topics.predictions,
      SLUICE_TOPICS__DEAD_LETTERS: names.topics.deadLetters,
      SLUICE_TOPICS__DRIFT: names.topics.drift,
      SLUICE_TOPICS__PARTITIONS: '6',
      SLUICE_CONSUMER__GROUP_ID: names.groupId,
      SLUICE_CONSUMER__MAX_IN_FLIGHT: '2000',
      SLUICE_CONSUMER__COMMIT_INTERVAL_MS: '100',
    };

    const first = startCli(['start'], env);
    await waitFor(() => /"partitions assigned"/.test(first.output()), 60_000, 'the first instance to join');
    // The second half arrives while the first instance runs; it is killed at a random moment of that.
    const tail = producePaced(transport, names.topics.events, records.slice(EVENTS / 2), 10_000);
    await new Promise((r) => setTimeout(r, 300 + Math.random() * 600));
    first.child.kill('SIGKILL');
    await first.exited;
    await tail;
    const committedAtKill = (await readTopic(transport, names.topics.predictions, 1, 2000)).length;
    expect(committedAtKill, 'the first instance should have committed part of the stream').toBeGreaterThan(0);
    expect(committedAtKill, 'the kill should land mid-stream').toBeLessThan(EVENTS);

    const second = startCli(['start'], env);
    let predictions = decodePredictions(
      await readTopic(transport, names.topics.predictions, EVENTS, 120_000),
    );
    const waitUntil = Date.now() + 60_000;
    while (predictions.length < EVENTS && Date.now() < waitUntil) {
      predictions = decodePredictions(await readTopic(transport, names.topics.predictions, EVENTS, 10_000));
    }
    second.child.kill('SIGTERM');
    expect(await second.exited, second.output().slice(-2000)).toBe(0);

    const counts = new Map<string, number>();
    for (const p of predictions) counts.set(p.event_id, (counts.get(p.event_id) ?? 0) + 1);
    const missing = events.filter((e) => !counts.has(e.eventId)).map((e) => e.eventId);
    const duplicated = [...counts].filter(([, n]) => n > 1).map(([id]) => id);
    expect(missing.slice(0, 5)).toEqual([]);
    expect(duplicated.slice(0, 5)).toEqual([]);
    expect(predictions).toHaveLength(EVENTS);
    await transport.close();
  }, 300_000);
});
