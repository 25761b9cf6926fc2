import { describe, expect, it } from 'vitest';
import type { InputRecord, OutgoingRecord } from '../../streams/index.ts';
import { independentAdmin } from '../support/independent-kafka.ts';
import {
  KAFKA_CLIENTS,
  kafkaConfig,
  openTransport,
  produceAll,
  uniqueNames,
} from '../support/kafka-pipeline.ts';

const PER_PARTITION = 100;
const COMMITTED = 10;
const DELETED_UP_TO = 50;
const LATER = 5;
const SETTLE_MS = 2_000;
const DEADLINE_MS = 60_000;

const records = (partition: number, count: number, tag: string): OutgoingRecord[] =>
  Array.from({ length: count }, (_, i) => ({ key: `k${i}`, value: Buffer.from(`${tag}${i}`), partition }));

// The group committed offset 10 on both partitions; retention (here DeleteRecords) then removed
// partition 0 below offset 50, so its committed offset is out of range. With auto.offset.reset
// latest, partition 0 starts at its end, and partition 1 still starts at its committed offset.
describe.each(KAFKA_CLIENTS)('offsets out of range with the %s client', (client) => {
  it('resets only the partition whose committed offset retention removed', async () => {
    const names = uniqueNames(`range-${client}`);
    const topic = names.topics.events;
    const transport = await openTransport(kafkaConfig(client, names));
    const admin = independentAdmin();
    try {
      await transport.ensureTopics([{ topic, partitions: 2 }]);
      await produceAll(transport, topic, [
        ...records(0, PER_PARTITION, 'a'),
        ...records(1, PER_PARTITION, 'b'),
      ]);
      await admin.connect();
      await admin.setOffsets({
        groupId: names.groupId,
        topic,
        partitions: [0, 1].map((partition) => ({ partition, offset: String(COMMITTED) })),
      });
      await admin.deleteTopicRecords({
        topic,
        partitions: [{ partition: 0, offset: String(DELETED_UP_TO) }],
      });

      const consumer = await transport.createConsumer({
        groupId: names.groupId,
        fromBeginning: false,
        rebalance: { onAssigned: () => {}, onRevoked: () => {} },
      });
      await consumer.subscribe([topic]);
      const seen: InputRecord[] = [];
      const started = Date.now();
      const pollUntil = async (done: () => boolean) => {
        while (!done() && Date.now() - started < DEADLINE_MS) seen.push(...(await consumer.poll(1000, 100)));
      };
      await pollUntil(() => seen.some((r) => r.partition === 1 && r.offset === PER_PARTITION - 1));
      const settled = Date.now();
      await pollUntil(() => Date.now() - settled > SETTLE_MS);
      await produceAll(transport, topic, records(0, LATER, 'later'));
      await pollUntil(() => seen.some((r) => r.partition === 0 && r.offset === PER_PARTITION + LATER - 1));
      await consumer.close();

      const offsets = (partition: number) =>
        seen.filter((r) => r.partition === partition).map((r) => r.offset);
      const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
      expect(offsets(1), 'partition 1 starts at its committed offset').toEqual(
        range(COMMITTED, PER_PARTITION),
      );
      expect(offsets(0), 'partition 0 starts at its end').toEqual(
        range(PER_PARTITION, PER_PARTITION + LATER),
      );
    } finally {
      await admin.disconnect();
      await transport.close();
    }
  }, 120_000);
});
