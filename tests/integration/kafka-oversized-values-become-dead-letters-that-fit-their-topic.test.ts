import { createHash } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.ts';
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
import type { OffsetInspection } from '../support/scored-offsets.ts';

afterAll(closeSharedScorer);

const MiB = 1024 * 1024;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.each(KAFKA_CLIENTS)('oversized values on Kafka with the %s client', (client) => {
  it('become dead letters cut to the cap that the DLQ topic accepts, and the partition keeps committing', async () => {
    const names = uniqueNames(`oversized-${client}`);
    const config = kafkaConfig(client, names, { topics: { partitions: 1 } });
    // The input topic allows 4 MiB records; the DLQ topic is left to Sluice (broker defaults otherwise).
    const producerConfig = kafkaConfig('confluent', names);
    producerConfig.transport.kafka.rdkafka = { 'message.max.bytes': 5 * MiB };
    const big = await openTransport(producerConfig);
    await big.ensureTopics([
      { topic: names.topics.events, partitions: 1, configs: { 'max.message.bytes': String(4 * MiB) } },
    ]);
    const transport = (await openTransport(config)) as Awaited<ReturnType<typeof openTransport>> &
      OffsetInspection;
    const topology = await startKafkaTopology(config, transport);
    try {
      const key = generatedRecords(1, 3, 1)[0]!.key;
      const valid = generatedRecords(200, 3, 1).map((e) => e.record);
      const huge: OutgoingRecord[] = [
        { key, value: Buffer.alloc(2 * MiB, 0x61) },
        { key, value: Buffer.alloc(1_020_000, 0x62) },
      ];
      await produceAll(
        big,
        names.topics.events,
        [...valid.slice(0, 100), huge[0]!, ...valid.slice(100, 150), huge[1]!, ...valid.slice(150)],
        1,
      );
      await waitFor(
        () => topology.totals.delivered >= 200 && topology.totals.deadLetters >= 2,
        60_000,
        'every record handled',
      );
      await topology.stop(10_000);
      expect(await transport.committedOffsets(names.groupId, names.topics.events)).toEqual(
        await transport.endOffsets(names.topics.events),
      );

      const letters = (await readTopic(transport, names.topics.deadLetters, 2, 30_000)).map(
        (r) => codecs.deadLetter.type.fromBuffer(r.value!) as DeadLetter,
      );
      expect(letters).toHaveLength(2);
      letters.forEach((letter, i) => {
        const original = huge[i]!.value!;
        expect(letter.error_class).toBe('SLUICE_DECODE_OVERSIZED');
        expect(letter.original_truncated).toBe(true);
        expect(letter.original_value_size).toBe(original.length);
        expect(letter.original_value_sha256).toBe(sha256(original));
        expect(letter.original_value!.length).toBeLessThanOrEqual(config.deadLetters.maxOriginalBytes);
        expect(original.subarray(0, letter.original_value!.length)).toEqual(letter.original_value);
      });
      // Sluice created the DLQ topic with room for the largest dead letter.
      const dlq = await transport.describeTopicConfigs(names.topics.deadLetters);
      expect(Number(dlq['max.message.bytes'])).toBeGreaterThanOrEqual(
        config.deadLetters.maxOriginalBytes + 16 * 1024,
      );
    } finally {
      await topology.stop(1000);
      await transport.close();
      await big.close();
    }
  }, 120_000);

  it('refuses to start, naming the key, when an existing DLQ topic cannot take the largest dead letter', async () => {
    const names = uniqueNames(`dlq-small-${client}`);
    const config = kafkaConfig(client, names, { deadLetters: { maxOriginalBytes: 512 * 1024 } });
    const transport = await openTransport(config);
    try {
      await transport.ensureTopics([
        {
          topic: names.topics.deadLetters,
          partitions: 6,
          configs: { 'max.message.bytes': String(256 * 1024) },
        },
      ]);
      const started = startKafkaTopology(config, transport);
      await expect(started).rejects.toBeInstanceOf(ConfigError);
      await expect(started).rejects.toMatchObject({
        subject: 'deadLetters.maxOriginalBytes',
        message: expect.stringContaining(`topic "${names.topics.deadLetters}" accepts at most 262144`),
      });
    } finally {
      await transport.close();
    }
  }, 60_000);
});
