/**
 * The raw consume→produce pass-through of @platformatic/kafka, the pure-TypeScript client the
 * Kafka performance issue asks to measure before an adapter is written: the same work as
 * kafka-bench.ts's measurePassThrough (a fresh group drains the backlog, every record is produced
 * to another topic, offsets are committed in poll order once their records are delivered, up to 8
 * batches in flight), with none of the pipeline. Sluice does not use this client yet.
 */
import { performance } from 'node:perf_hooks';
import { Consumer, type Message, Producer } from '@platformatic/kafka';
import { configSchema } from '../app/config/index.ts';
import { silentLogger } from '../core/logger.ts';
import type { OutgoingRecord } from '../streams/index.ts';
import { createKafkaTransport } from '../streams/kafka/index.ts';
import { fill, names } from './kafka-bench.ts';

const WINDOW = 8;
const SEND_CHUNK = 2000;

export async function measurePlatformaticPassThrough(
  brokers: string[],
  records: OutgoingRecord[],
): Promise<number> {
  const setup = await createKafkaTransport(
    configSchema.parse({ transport: { kafka: { brokers } } }).transport.kafka,
    silentLogger,
  );
  const n = names('raw-platformatic');
  await setup.ensureTopics([
    { topic: n.events, partitions: 6 },
    { topic: n.out, partitions: 6 },
  ]);
  await fill(setup, n.events, records);
  await setup.close();

  const producer = new Producer({
    clientId: `${n.group}-p`,
    bootstrapBrokers: brokers,
    idempotent: true,
    acks: -1,
  });
  const consumer = new Consumer({ clientId: `${n.group}-c`, groupId: n.group, bootstrapBrokers: brokers });
  const stream = await consumer.consume({
    topics: [n.events],
    mode: 'committed',
    fallbackMode: 'earliest',
    autocommit: false,
    maxWaitTime: 100,
  });
  let moved = 0;
  let started = 0;
  let pending: Message[] = [];
  let scheduled = false;
  const window: Array<Promise<void>> = [];
  let committed: Promise<void> = Promise.resolve();
  let lastSend: Promise<unknown> = Promise.resolve();
  let finish: (() => void) | undefined;
  const done = new Promise<void>((resolve) => {
    finish = resolve;
  });
  const flush = async () => {
    scheduled = false;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    // The client sends a call's records to a partition as one record batch and does not split it,
    // so a call must stay under the broker's message.max.bytes (1 MiB): ≤ 2,000 records of ~200 B.
    // One send in flight at a time: with idempotence on, concurrent sends to a partition came back
    // OUT_OF_ORDER_SEQUENCE_NUMBER from the broker (1.35.0), so they are chained.
    for (let i = 0; i < batch.length; i += SEND_CHUNK) {
      const messages = batch
        .slice(i, i + SEND_CHUNK)
        .map((m) => ({ topic: n.out, key: m.key, value: m.value, partition: m.partition }));
      lastSend = lastSend.then(() => producer.send({ messages }));
    }
    const delivered = lastSend;
    const next = new Map<number, bigint>();
    for (const m of batch) next.set(m.partition, m.offset + 1n);
    const offsets = [...next].map(([partition, offset]) => ({
      topic: n.events,
      partition,
      offset,
      leaderEpoch: -1,
    }));
    committed = Promise.all([committed, delivered]).then(() => consumer.commit({ offsets }));
    window.push(committed);
    moved += batch.length;
    if (window.length >= WINDOW) {
      stream.pause();
      await window.shift();
      stream.resume();
    }
    if (moved >= records.length) finish?.();
  };
  stream.on('data', (message: Message) => {
    if (started === 0) started = performance.now();
    pending.push(message);
    if (!scheduled) {
      scheduled = true;
      setImmediate(() => void flush());
    }
  });
  await done;
  await Promise.all(window);
  const rate = moved / ((performance.now() - started) / 1000);
  await stream.close();
  await consumer.close();
  await producer.close();
  return rate;
}
