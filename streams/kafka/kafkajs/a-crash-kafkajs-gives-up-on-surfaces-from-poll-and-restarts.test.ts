import { type EachBatchPayload, Kafka } from 'kafkajs';
import { afterAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../../core/logger.ts';
import {
  confluentTestConfig,
  openKafkajsTransport,
  RecordingListener,
  uniqueName,
} from '../../../tests/support/kafka-harness.ts';
import type { InputRecord } from '../../types.ts';
import { ConnectionHealth } from '../connection-health.ts';
import { kafkajsClientConfig, kafkajsConsumerConfig } from './client-options.ts';
import { KafkajsConsumer } from './kafkajs-consumer.ts';

const config = confluentTestConfig({ client: 'kafkajs' });
const kafka = new Kafka(kafkajsClientConfig(config, silentLogger));
let closeConsumer: (() => Promise<void>) | undefined;
afterAll(() => closeConsumer?.());

/** kafkajs whose first eachBatch call hits a bug (a TypeError), which kafkajs never restarts from. */
function kafkaWithOneBuggyBatch(): Kafka {
  const buggy = Object.create(kafka) as Kafka;
  buggy.consumer = (consumerConfig) => {
    const consumer = kafka.consumer(consumerConfig);
    const run = consumer.run.bind(consumer);
    let thrown = false;
    consumer.run = (options) =>
      run({
        ...options,
        eachBatch: async (payload: EachBatchPayload) => {
          if (!thrown) {
            thrown = true;
            throw new TypeError('a bug in eachBatch');
          }
          await options?.eachBatch?.(payload);
        },
      });
    return consumer;
  };
  return buggy;
}

describe('a kafkajs consumer crash that kafkajs does not restart from', () => {
  it('fails poll with the crash until Sluice restarted the consumer, then consumes every record', async () => {
    const transport = await openKafkajsTransport();
    const topic = uniqueName('kafkajs-crash');
    await transport.ensureTopics([{ topic, partitions: 2 }]);
    const producer = await transport.createProducer();
    await producer.send(
      topic,
      Array.from({ length: 50 }, (_, i) => ({ key: null, value: Buffer.from(String(i)), partition: i % 2 })),
    );
    await producer.close();
    await transport.close();

    const health = new ConnectionHealth(silentLogger);
    const consumer = new KafkajsConsumer({
      kafka: kafkaWithOneBuggyBatch(),
      config: kafkajsConsumerConfig(config, uniqueName('kafkajs-crash-group')),
      name: 'crash-test',
      fromBeginning: true,
      listener: new RecordingListener(),
      health,
      logger: silentLogger,
      queueLimit: 1000,
      closeTimeoutMs: 10_000,
      onClose: () => {},
    });
    closeConsumer = () => consumer.close();
    await consumer.connect();
    await consumer.subscribe([topic]);

    const records: InputRecord[] = [];
    // The restarted consumer fetches again from the uncommitted start, so a batch delivered before
    // the crash comes twice: wait for 50 distinct records, not 50 deliveries.
    const distinct = new Set<string>();
    const failures: unknown[] = [];
    let reachableAtFirstFailure: boolean | undefined;
    const deadline = Date.now() + 30_000;
    while (distinct.size < 50 && Date.now() < deadline) {
      try {
        for (const record of await consumer.poll(100, 100)) {
          records.push(record);
          distinct.add(`${record.partition}:${record.offset}`);
        }
      } catch (error) {
        failures.push(error);
        reachableAtFirstFailure ??= health.reachable;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    expect(failures.length).toBeGreaterThan(0);
    expect(reachableAtFirstFailure).toBe(false);
    expect(failures[0]).toMatchObject({ code: 'SLUICE_TRANSPORT_UNAVAILABLE', retriable: true });
    expect(String(failures[0])).toMatch(/a bug in eachBatch/);
    expect(new Set(records.map((r) => `${r.partition}:${r.offset}`)).size).toBe(50);
    expect(records.every((r) => Number(r.value!.toString()) % 2 === r.partition)).toBe(true);
    expect(health.reachable).toBe(true);
  }, 60_000);
});
