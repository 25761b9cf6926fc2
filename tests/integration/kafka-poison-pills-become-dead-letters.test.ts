import { afterAll, describe, expect, it } from 'vitest';
import { codecs, type DeadLetter } from '../../schemas/index.ts';
import type { OutgoingRecord } from '../../streams/index.ts';
import { closeSharedScorer, generatedRecords, waitFor } from '../support/embedded-harness.ts';
import {
  KAFKA_CLIENTS,
  kafkaConfig,
  openTransport,
  produceAll,
  readTopic,
  startKafkaTopology,
  uniqueNames,
} from '../support/kafka-pipeline.ts';

afterAll(closeSharedScorer);

describe.each(KAFKA_CLIENTS)('poison pills on Kafka with the %s client', (client) => {
  it('go to the dead-letter topic with the original bytes and a reason header, and the partition keeps flowing', async () => {
    const names = uniqueNames(`poison-${client}`);
    const config = kafkaConfig(client, names, { topics: { partitions: 1 } });
    const transport = await openTransport(config);
    const topology = await startKafkaTopology(config, transport);

    const pills: OutgoingRecord[] = [
      { key: 'user-000001', value: Buffer.from('this is not avro at all') },
      { key: 'user-000001', value: Buffer.from([0xff, 0xfe, 0xfd]) },
      { key: 'user-000001', value: Buffer.alloc(100_000, 1) },
    ];
    const valid = generatedRecords(300, 51).map((e) => e.record);
    await produceAll(transport, names.topics.events, [...valid.slice(0, 100), ...pills, ...valid.slice(100)]);

    await waitFor(
      () => topology.totals.delivered >= 300 && topology.totals.deadLetters >= 3,
      60_000,
      'all records handled',
    );
    await topology.stop(10_000);

    const letters = await readTopic(transport, names.topics.deadLetters, 3, 30_000);
    expect(letters).toHaveLength(3);
    letters.forEach((record, i) => {
      const letter = codecs.deadLetter.type.fromBuffer(record.value!) as DeadLetter;
      expect(letter.original_value).toEqual(pills[i]!.value);
      expect(letter.source_topic).toBe(names.topics.events);
      expect(record.headers['sluice-error-reason']?.toString()).toBe(letter.message);
      expect(record.headers['sluice-error-class']?.toString()).toMatch(/^SLUICE_DECODE_/);
    });
    await transport.close();
  }, 120_000);
});
