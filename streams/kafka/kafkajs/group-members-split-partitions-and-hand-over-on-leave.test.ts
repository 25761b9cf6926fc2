import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  nextOffsets,
  openKafkajsTransport,
  RecordingListener,
  uniqueName,
} from '../../../tests/support/kafka-harness.ts';
import type { ConsumerClient, InputRecord, OutgoingRecord, TopicPartition } from '../../types.ts';
import type { KafkajsTransport } from './index.ts';

const PARTITIONS = 6;
let transport: KafkajsTransport;

beforeAll(async () => {
  transport = await openKafkajsTransport();
});
afterAll(() => transport?.close());

/**
 * A group member as the engine drives one: polls in a loop, treats a record as processed once
 * polled, commits after each poll, and commits what it processed of revoked partitions in
 * `onRevoked`, as the consumer loop does.
 */
class Member {
  readonly records: InputRecord[] = [];
  readonly listener: RecordingListener;
  consumer!: ConsumerClient;
  #running = true;
  #loop: Promise<void> = Promise.resolve();

  constructor() {
    this.listener = new RecordingListener((revoked) => this.#commit(this.#of(revoked)));
  }

  async start(groupId: string, topic: string): Promise<this> {
    this.consumer = await transport.createConsumer({ groupId, rebalance: this.listener });
    await this.consumer.subscribe([topic]);
    this.#loop = this.#run();
    return this;
  }

  owned(): number[] {
    return this.consumer
      .assignment()
      .map((tp) => tp.partition)
      .sort((a, b) => a - b);
  }

  /** Stops polling, commits everything processed, leaves the group. */
  async leave(): Promise<void> {
    this.#running = false;
    await this.#loop;
    await this.#commit(this.#of(this.consumer.assignment()));
    await this.consumer.close();
  }

  async #run(): Promise<void> {
    while (this.#running) {
      const batch = await this.consumer.poll(500, 50);
      this.records.push(...batch);
      if (batch.length > 0) await this.#commit(this.#of(this.consumer.assignment()));
    }
  }

  #of(partitions: readonly TopicPartition[]): InputRecord[] {
    const wanted = new Set(partitions.map((tp) => tp.partition));
    return this.records.filter((r) => wanted.has(r.partition));
  }

  async #commit(records: InputRecord[]): Promise<void> {
    // Rejected while the group rebalances; the next owner then re-reads, which the test allows.
    await this.consumer.commit(nextOffsets(records)).catch(() => undefined);
  }
}

async function until(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function batchOf(from: number, count: number): OutgoingRecord[] {
  return Array.from({ length: count }, (_, i) => ({
    key: null,
    value: Buffer.from(String(from + i)),
    partition: (from + i) % PARTITIONS,
  }));
}

describe('two kafkajs consumers in one group', () => {
  it('split the partitions, and the one leaving hands its partitions over without losing a record', async () => {
    const topic = uniqueName('kafkajs-split');
    const groupId = uniqueName('kafkajs-split-group');
    await transport.ensureTopics([{ topic, partitions: PARTITIONS }]);
    const producer = await transport.createProducer();
    await producer.send(topic, batchOf(0, 600));

    const a = await new Member().start(groupId, topic);
    await until(() => a.owned().length === PARTITIONS, 20_000, 'A to own every partition');
    await until(() => a.records.length >= 600, 20_000, 'A to read the first 600 records');

    const b = await new Member().start(groupId, topic);
    await until(
      () =>
        a.owned().length > 0 && b.owned().length > 0 && a.owned().length + b.owned().length === PARTITIONS,
      30_000,
      'A and B to split the partitions',
    );
    expect(new Set([...a.owned(), ...b.owned()]).size).toBe(PARTITIONS);
    // kafkajs is eager: A gave up everything, then got its share back.
    expect(a.listener.revoked[0]?.partitions).toHaveLength(PARTITIONS);
    expect(a.listener.assigned.length).toBeGreaterThanOrEqual(2);
    expect(a.listener.assigned.at(-1)!.at).toBeGreaterThanOrEqual(a.listener.revoked[0]!.finishedAt);

    await producer.send(topic, batchOf(600, 600));
    await until(() => a.records.length + b.records.length >= 1200, 20_000, 'the next 600 records');
    const bOwned = b.owned();
    await b.leave();

    await until(() => a.owned().length === PARTITIONS, 30_000, 'A to take back every partition');
    const lastAssigned = a.listener.assigned.at(-1)!.partitions.map((tp) => tp.partition);
    expect(lastAssigned).toEqual(expect.arrayContaining(bOwned));
    expect(a.listener.revoked.length).toBeGreaterThanOrEqual(2);

    await producer.send(topic, batchOf(1200, 600));
    await until(
      () => new Set([...a.records, ...b.records].map((r) => r.value!.toString())).size >= 1800,
      20_000,
      'every record, read by one member or the other',
    );
    await a.leave();
    await producer.close();

    // Every offset of every partition was read by one member or the other, none by both out of order.
    const seen = new Map<number, Set<number>>();
    for (const r of [...a.records, ...b.records]) {
      const set = seen.get(r.partition) ?? new Set<number>();
      set.add(r.offset);
      seen.set(r.partition, set);
    }
    for (let p = 0; p < PARTITIONS; p++) {
      expect([...(seen.get(p) ?? [])].sort((x, y) => x - y)).toEqual(
        Array.from({ length: 300 }, (_, i) => i),
      );
    }
    const committed = await transport.committedOffsets(groupId, topic);
    expect(committed).toEqual(new Array(PARTITIONS).fill(300));
  }, 90_000);
});
