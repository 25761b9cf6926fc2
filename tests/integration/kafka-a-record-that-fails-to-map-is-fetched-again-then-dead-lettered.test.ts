import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import { codecs, type DeadLetter } from '../../schemas/index.ts';
import type { InputRecord, OutgoingRecord, Transport } from '../../streams/index.ts';
import { ConfluentTransport } from '../../streams/kafka/confluent/index.ts';
import { toInputRecord as fromRdMessage } from '../../streams/kafka/confluent/record-mapping.ts';
import { KafkajsTransport } from '../../streams/kafka/kafkajs/index.ts';
import { toInputRecord as fromKafkajsMessage } from '../../streams/kafka/kafkajs/record-conversion.ts';
import { PlatformaticTransport } from '../../streams/kafka/platformatic/index.ts';
import { toInputRecord as fromPlatformaticRecord } from '../../streams/kafka/platformatic/record-mapping.ts';
import { closeSharedScorer, generatedRecords, waitFor } from '../support/embedded-harness.ts';
import {
  KAFKA_CLIENTS,
  type KafkaClient,
  kafkaConfig,
  produceAll,
  readTopic,
  startKafkaTopology,
  uniqueNames,
} from '../support/kafka-pipeline.ts';
import { type OffsetInspection, ScoredOffsets, watchCommits } from '../support/scored-offsets.ts';

afterAll(closeSharedScorer);

const PARTITIONS = 3;
const PER_PARTITION = 200;
/** Fails to map on every attempt: must end as a dead letter. */
const ALWAYS = { partition: 0, offset: 10 };
/** Fails twice, then maps: must be scored once, not skipped. */
const TWICE = { partition: 1, offset: 20 };

/** A mapping that throws for the chosen records, as a malformed message would make it. */
function failingMapping(): {
  attempts: Map<string, number>;
  map: (record: () => InputRecord, partition: number, offset: number) => InputRecord;
} {
  const attempts = new Map<string, number>();
  return {
    attempts,
    map(record, partition, offset) {
      const id = `${partition}@${offset}`;
      const seen = (attempts.get(id) ?? 0) + 1;
      const always = partition === ALWAYS.partition && offset === ALWAYS.offset;
      const twice = partition === TWICE.partition && offset === TWICE.offset;
      if (always || twice) attempts.set(id, seen);
      if (always || (twice && seen <= 2)) throw new TypeError(`cannot read the headers of ${id}`);
      return record();
    },
  };
}

async function transportFor(
  client: KafkaClient,
  config: ReturnType<typeof kafkaConfig>,
  mapping: ReturnType<typeof failingMapping>,
): Promise<Transport & OffsetInspection> {
  if (client === 'confluent') {
    return new ConfluentTransport(config.transport.kafka, silentLogger, {
      mapRecord: (message) => mapping.map(() => fromRdMessage(message), message.partition, message.offset),
    }).open();
  }
  if (client === 'platformatic') {
    return new PlatformaticTransport(config.transport.kafka, silentLogger, {
      mapRecord: (topic, partition, batch, record) =>
        mapping.map(() => fromPlatformaticRecord(topic, partition, batch, record), partition, record.offset),
    });
  }
  return new KafkajsTransport(config.transport.kafka, silentLogger, {
    mapRecord: (topic, partition, message) =>
      mapping.map(() => fromKafkajsMessage(topic, partition, message), partition, Number(message.offset)),
  });
}

describe.each(KAFKA_CLIENTS)('a record the %s adapter fails to map', (client) => {
  it('is fetched again, and after three failures dead-lettered with its bytes: nothing is skipped and no commit passes it', async () => {
    const names = uniqueNames(`unmappable-${client}`);
    const config = kafkaConfig(client, names, { topics: { partitions: PARTITIONS } });
    const mapping = failingMapping();
    const transport = await transportFor(client, config, mapping);
    const scored = new ScoredOffsets();
    const topology = await startKafkaTopology(config, transport, { predictionStore: scored });
    const events = generatedRecords(PARTITIONS * PER_PARTITION, 93);
    // Explicit partitions on a fresh topic: record i of a partition gets offset i.
    const records: OutgoingRecord[] = events.map((e, i) => ({ ...e.record, partition: i % PARTITIONS }));
    const isAlways = (partition: number, offset: number) =>
      partition === ALWAYS.partition && offset === ALWAYS.offset;
    const watch = watchCommits(
      async () => transport.committedOffsets(names.groupId, names.topics.events),
      scored,
      (partition, offset) => !isAlways(partition, offset),
    );
    try {
      await produceAll(transport, names.topics.events, records, 100);
      await waitFor(
        () => topology.totals.delivered + topology.totals.deadLetters >= records.length,
        60_000,
        'every record handled',
      );
      await topology.stop(10_000);
      expect(await watch.stop(), 'a commit passed an unscored record').toBeUndefined();

      expect(mapping.attempts.get(`${ALWAYS.partition}@${ALWAYS.offset}`)).toBe(3);
      expect(mapping.attempts.get(`${TWICE.partition}@${TWICE.offset}`)).toBe(3);
      expect(scored.eventIds.size).toBe(records.length - 1);
      for (const [id, count] of scored.eventIds) expect(count, id).toBe(1);
      expect(await transport.committedOffsets(names.groupId, names.topics.events)).toEqual(
        await transport.endOffsets(names.topics.events),
      );

      const [letter] = (await readTopic(transport, names.topics.deadLetters, 1, 30_000)).map(
        (r) => codecs.deadLetter.type.fromBuffer(r.value!) as DeadLetter,
      );
      expect(letter?.error_class).toBe('SLUICE_DECODE_UNREADABLE_RECORD');
      expect(letter?.source_partition).toBe(ALWAYS.partition);
      expect(letter?.source_offset).toBe(ALWAYS.offset);
      const original = records[ALWAYS.offset * PARTITIONS + ALWAYS.partition]!;
      expect(letter?.original_value).toEqual(original.value);
      expect(letter?.original_key?.toString()).toBe(original.key);
      expect(letter?.message).toContain('cannot read the headers');
    } finally {
      await watch.stop();
      await topology.stop(1000);
      await transport.close();
    }
  }, 120_000);
});
