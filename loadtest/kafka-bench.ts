import { performance } from 'node:perf_hooks';
import { configSchema } from '../app/config/index.ts';
import { preciseNowMs } from '../core/clock.ts';
import { silentLogger } from '../core/logger.ts';
import { MemoryFeatureStore } from '../processors/enrich/index.ts';
import type { InferencePool } from '../processors/infer/index.ts';
import type { OutgoingRecord, Transport } from '../streams/index.ts';
import { createKafkaTransport } from '../streams/kafka/index.ts';
import { timedScoringTopology } from './first-record-clock.ts';

export type KafkaClientName = 'confluent' | 'platformatic' | 'kafkajs';

export function names(label: string) {
  const suffix = `${label}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  return {
    events: `bench-events-${suffix}`,
    out: `bench-out-${suffix}`,
    dlq: `bench-dlq-${suffix}`,
    drift: `bench-drift-${suffix}`,
    group: `bench-${suffix}`,
  };
}

export async function fill(transport: Transport, topic: string, records: OutgoingRecord[]): Promise<void> {
  const producer = await transport.createProducer();
  for (let i = 0; i < records.length; i += 10_000) await producer.send(topic, records.slice(i, i + 10_000));
  await producer.close();
}

/**
 * The client on its own: poll a backlog and produce every record straight to another topic through
 * the same adapter, with none of the pipeline. Sends are pipelined (up to RAW_WINDOW polls in flight)
 * and offsets are committed in poll order once their records are delivered: the fastest correct
 * at-least-once pass-through the client allows, so the ratio to it is not flattered.
 */
const RAW_WINDOW = 8;

export async function measurePassThrough(
  brokers: string[],
  client: KafkaClientName,
  records: OutgoingRecord[],
): Promise<number> {
  const config = configSchema.parse({ transport: { kafka: { brokers, client } } }).transport.kafka;
  const transport = await createKafkaTransport(config, silentLogger);
  const n = names(`raw-${client}`);
  await transport.ensureTopics([
    { topic: n.events, partitions: 6 },
    { topic: n.out, partitions: 6 },
  ]);
  await fill(transport, n.events, records);
  const producer = await transport.createProducer();
  const consumer = await transport.createConsumer({
    groupId: n.group,
    fromBeginning: true,
    rebalance: { onAssigned: () => {}, onRevoked: () => {} },
  });
  await consumer.subscribe([n.events]);
  let moved = 0;
  let started = 0;
  const window: Array<Promise<void>> = [];
  let committed: Promise<void> = Promise.resolve();
  while (moved < records.length) {
    const batch = await consumer.poll(2000, 100);
    if (batch.length === 0) continue;
    if (started === 0) started = performance.now();
    const delivered = producer.send(
      n.out,
      batch.map((r) => ({ key: r.key, value: r.value, partition: r.partition })),
    );
    const next = new Map<number, number>();
    for (const r of batch) next.set(r.partition, r.offset + 1);
    const offsets = [...next].map(([partition, offset]) => ({ topic: n.events, partition, offset }));
    committed = Promise.all([committed, delivered]).then(() => consumer.commit(offsets));
    window.push(committed);
    if (window.length >= RAW_WINDOW) await window.shift();
    moved += batch.length;
  }
  await Promise.all(window);
  const rate = moved / ((performance.now() - started) / 1000);
  await consumer.close();
  await producer.close();
  await transport.close();
  return rate;
}

/** Sluice end to end on the broker: the backlog drained by the scoring topology. */
export async function measureSluice(
  brokers: string[],
  client: KafkaClientName,
  records: OutgoingRecord[],
  scorer: InferencePool,
): Promise<{ eventsPerSecond: number; p50Ms: number; p99Ms: number }> {
  const n = names(`sluice-${client}`);
  const config = configSchema.parse({
    transport: { kind: 'kafka', kafka: { brokers, client } },
    topics: { events: n.events, predictions: n.out, deadLetters: n.dlq, drift: n.drift, partitions: 6 },
    consumer: { groupId: n.group, maxPollRecords: 2000 },
  });
  const transport = await createKafkaTransport(config.transport.kafka, silentLogger);
  await transport.ensureTopics([{ topic: n.events, partitions: 6 }]);
  await fill(transport, n.events, records);
  const { topology, firstRecordAtMs } = timedScoringTopology({
    transport,
    config,
    featureStore: await MemoryFeatureStore.fromJsonl(config.features.seedFile),
    scorer,
    logger: silentLogger,
  });
  await topology.start();
  while (topology.totals.delivered < records.length) await new Promise((r) => setTimeout(r, 5));
  const seconds = (preciseNowMs() - firstRecordAtMs()) / 1000;
  const latency = topology.latency.overall();
  await topology.stop(10_000);
  await transport.close();
  return { eventsPerSecond: records.length / seconds, p50Ms: latency.p50, p99Ms: latency.p99 };
}
