import type { Producer } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { independentAdmin, independentTransactionalProducer } from '../support/independent-kafka.ts';
import {
  KAFKA_CLIENTS,
  kafkaConfig,
  openTransport,
  readTopic,
  uniqueNames,
} from '../support/kafka-pipeline.ts';

// Large enough that no fetch (at most 1 MiB a partition) holds an aborted transaction together with
// its abort marker: a reader has to judge its records before it sees how the transaction ended.
const ABORTED_PER_PRODUCER = 12_000;
const COMMITTED_PER_PRODUCER = 3_000;
const SEND_CHUNK = 1_000;
const VALUE = Buffer.alloc(150, 'x');

/**
 * Two transactional producers (kafkajs, independent of the adapter under test) write one partition
 * in interleaved chunks: an aborted transaction of one beside a committed one of the other, then
 * the other way round, then a small committed one each. Returns the values a read_committed
 * reader must see and those it must not.
 */
async function writeInterleavedTransactions(
  topic: string,
): Promise<{ visible: string[]; aborted: Set<string> }> {
  const admin = independentAdmin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producers: Producer[] = ['a', 'b'].map((id) => independentTransactionalProducer(`${topic}-${id}`));
  await Promise.all(producers.map((p) => p.connect()));
  const visible: string[] = [];
  const aborted = new Set<string>();
  try {
    const rounds: Array<{ count: number; aborts: [boolean, boolean] }> = [
      { count: ABORTED_PER_PRODUCER, aborts: [true, false] },
      { count: ABORTED_PER_PRODUCER, aborts: [false, true] },
      { count: COMMITTED_PER_PRODUCER, aborts: [false, false] },
    ];
    for (const [round, { count, aborts }] of rounds.entries()) {
      const transactions = await Promise.all(producers.map((p) => p.transaction()));
      for (let from = 0; from < count; from += SEND_CHUNK) {
        for (const [i, transaction] of transactions.entries()) {
          const values = Array.from({ length: Math.min(SEND_CHUNK, count - from) }, (_, k) => {
            return `${round}-${i}-${from + k}`;
          });
          await transaction.send({
            topic,
            messages: values.map((v) => ({ key: v, value: Buffer.concat([Buffer.from(`${v}|`), VALUE]) })),
          });
          for (const v of values) aborts[i] ? aborted.add(v) : visible.push(v);
        }
      }
      for (const [i, transaction] of transactions.entries()) {
        if (aborts[i]) await transaction.abort();
        else await transaction.commit();
      }
    }
  } finally {
    await Promise.all(producers.map((p) => p.disconnect()));
  }
  return { visible, aborted };
}

describe.each(KAFKA_CLIENTS)('read_committed with the %s client', (client) => {
  it('shows every committed record once and no aborted one, however the fetches split the transactions', async () => {
    const names = uniqueNames(`aborted-${client}`);
    const topic = names.topics.events;
    const { visible, aborted } = await writeInterleavedTransactions(topic);
    const transport = await openTransport(kafkaConfig(client, names));
    try {
      const records = await readTopic(transport, topic, visible.length, 120_000);
      const seen = records.map((r) => r.value!.toString().split('|')[0]!);
      expect(seen.filter((v) => aborted.has(v)).slice(0, 5), 'records of aborted transactions').toEqual([]);
      expect(seen.length - new Set(seen).size, 'records seen twice').toBe(0);
      expect(new Set(seen)).toEqual(new Set(visible));
    } finally {
      await transport.close();
    }
  }, 180_000);
});
