import { describe, expect, it } from 'vitest';
import type { InputRecord, TopicPartitionOffset } from '../types.ts';
import { EmbeddedTransport } from './index.ts';

const PARTITIONS = 6;
const KEYS = 50;
const TOTAL = 20_000;
const BATCH = 100;

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function nextOffsets(records: InputRecord[]): TopicPartitionOffset[] {
  const last = new Map<number, number>();
  for (const r of records) last.set(r.partition, r.offset);
  return [...last].map(([partition, offset]) => ({ topic: 'in', partition, offset: offset + 1 }));
}

describe('a group of members with concurrent producing', () => {
  it('consumes every record exactly once, in per-partition and per-key order, across joins and a leave', async () => {
    const transport = new EmbeddedTransport();
    await transport.ensureTopics([{ topic: 'in', partitions: PARTITIONS }]);
    const producer = await transport.createProducer();
    const consumed: Array<{ member: string; partition: number; offset: number; key: string; seq: number }> =
      [];
    const revokes: Record<string, number> = {};
    let produced = 0;
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };

    // An engine-like member: process a batch, commit it, poll again. Nothing is in flight at a
    // revoke (the commit precedes the next poll), so a hand-over must lose and repeat nothing.
    async function member(name: string, stop: () => boolean): Promise<void> {
      revokes[name] = 0;
      const consumer = await transport.createConsumer({
        groupId: 'g',
        clientId: name,
        rebalance: {
          onAssigned: () => {},
          onRevoked: async () => {
            revokes[name]!++;
            await sleep(1);
          },
        },
      });
      await consumer.subscribe(['in']);
      while (!stop()) {
        const records = await consumer.poll(1 + Math.floor(random() * 300), 5);
        for (const r of records) {
          const [key, seq] = r.value!.toString().split('#');
          consumed.push({
            member: name,
            partition: r.partition,
            offset: r.offset,
            key: key!,
            seq: Number(seq),
          });
        }
        // "Processing" takes a while; the batch is committed only after it.
        if (random() < 0.5) await sleep(1);
        if (records.length > 0) await consumer.commit(nextOffsets(records));
      }
      await consumer.close();
    }

    const seqByKey = new Array<number>(KEYS).fill(0);
    const produce = (async () => {
      while (produced < TOTAL) {
        const batch = Array.from({ length: BATCH }, () => {
          const k = Math.floor(random() * KEYS);
          const seq = seqByKey[k]!++;
          return { key: `user-${k}`, value: Buffer.from(`user-${k}#${seq}`) };
        });
        await producer.send('in', batch);
        produced += BATCH;
        await sleep(random() < 0.5 ? 0 : 1);
      }
    })();
    const allRead = () => produced === TOTAL && consumed.length >= TOTAL;
    const whenProduced = async (count: number) => {
      while (produced < count) await sleep(1);
    };

    await Promise.all([
      produce,
      member('m1', allRead),
      whenProduced(TOTAL / 4).then(() => member('m2', () => produced >= (TOTAL * 3) / 4 || allRead())),
      whenProduced(TOTAL / 2).then(() => member('m3', allRead)),
    ]);

    expect(consumed).toHaveLength(TOTAL);
    const seen = new Set(consumed.map((c) => `${c.partition}:${c.offset}`));
    expect(seen.size).toBe(TOTAL);
    // Per partition, in the global order of consumption, offsets run 0, 1, 2, … without a gap or repeat.
    for (let p = 0; p < PARTITIONS; p++) {
      const offsets = consumed.filter((c) => c.partition === p).map((c) => c.offset);
      expect(offsets).toEqual(offsets.map((_, i) => i));
    }
    // Per key, sequence numbers arrive 0, 1, 2, … whichever member consumed them.
    const byKey = new Map<string, number[]>();
    for (const c of consumed) {
      const seqs = byKey.get(c.key) ?? [];
      seqs.push(c.seq);
      byKey.set(c.key, seqs);
    }
    for (const seqs of byKey.values()) expect(seqs).toEqual(seqs.map((_, i) => i));
    // Everyone took part and partitions really moved.
    for (const name of ['m1', 'm2', 'm3']) expect(consumed.some((c) => c.member === name)).toBe(true);
    expect(revokes.m1).toBeGreaterThan(0);
    expect(transport.committedOffsets('g', 'in')).toEqual(transport.endOffsets('in'));
    await transport.close();
  });
});
