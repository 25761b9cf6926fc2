import { afterEach, describe, expect, it, vi } from 'vitest';
import { settledNow } from '../../tests/support/settled-now.ts';
import type { RebalanceListener, TopicPartition } from '../types.ts';
import { EmbeddedTransport } from './index.ts';

type Event = [kind: 'assigned' | 'revoked', partitions: number[]];

function recorder(beforeRevoke?: (tps: TopicPartition[]) => Promise<void>): {
  events: Event[];
  rebalance: RebalanceListener;
} {
  const events: Event[] = [];
  const ids = (tps: TopicPartition[]) => tps.map((tp) => tp.partition).sort((a, b) => a - b);
  return {
    events,
    rebalance: {
      onAssigned: (tps) => void events.push(['assigned', ids(tps)]),
      onRevoked: async (tps) => {
        await beforeRevoke?.(tps);
        events.push(['revoked', ids(tps)]);
      },
    },
  };
}

const partitions = (tps: TopicPartition[]) => tps.map((tp) => tp.partition).sort((a, b) => a - b);

describe('rebalance', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('hands a partition to a joining member only after its owner ran onRevoked (cooperative)', async () => {
    const transport = new EmbeddedTransport();
    await transport.ensureTopics([{ topic: 't', partitions: 4 }]);
    const producer = await transport.createProducer();
    await producer.send(
      't',
      [0, 1, 2, 3].map((partition) => ({ key: null, value: null, partition })),
    );
    // c1 finished partition 2 and commits it while revoking; partition 3 it abandons uncommitted.
    const one = recorder(() => c1.commit([{ topic: 't', partition: 2, offset: 1 }]));
    const two = recorder();
    const c1 = await transport.createConsumer({ groupId: 'g', clientId: 'one', rebalance: one.rebalance });
    const c2 = await transport.createConsumer({ groupId: 'g', clientId: 'two', rebalance: two.rebalance });
    await c1.subscribe(['t']);
    expect((await c1.poll(100, 0)).map((r) => r.partition).sort()).toEqual([0, 1, 2, 3]);
    expect(one.events).toEqual([['assigned', [0, 1, 2, 3]]]);

    await c2.subscribe(['t']);
    // c1 has not polled since: partitions 2 and 3 are still its own, c2 gets nothing yet.
    expect(await c2.poll(100, 30)).toEqual([]);
    expect(c2.assignment()).toEqual([]);
    expect(two.events).toEqual([]);

    await producer.send('t', [{ key: null, value: null, partition: 3 }]);
    // The owner's poll revokes only the moved partitions and keeps fetching the rest.
    expect(await c1.poll(100, 0)).toEqual([]);
    expect(one.events).toEqual([
      ['assigned', [0, 1, 2, 3]],
      ['revoked', [2, 3]],
    ]);
    expect(partitions(c1.assignment())).toEqual([0, 1]);

    const got = await c2.poll(100, 0);
    expect(two.events).toEqual([['assigned', [2, 3]]]);
    // Partition 2 resumes after c1's commit in onRevoked; partition 3 from the start (never committed).
    expect(transport.committedOffsets('g', 't')).toEqual([null, null, 1, null]);
    expect(got.map((r) => [r.partition, r.offset])).toEqual([
      [3, 0],
      [3, 1],
    ]);
    // Too late now: c1 no longer owns partition 3.
    await expect(c1.commit([{ topic: 't', partition: 3, offset: 2 }])).rejects.toMatchObject({
      code: 'SLUICE_COMMIT_REJECTED',
      subject: 't[3]',
    });
    expect(transport.groupOwnership('g')).toEqual({
      [c1.memberId]: [0, 1].map((partition) => ({ topic: 't', partition })),
      [c2.memberId]: [2, 3].map((partition) => ({ topic: 't', partition })),
    });
    await transport.close();
  });

  it('wakes a member waiting in poll as soon as the previous owner releases', async () => {
    // A fake clock: c2's 5 s wait cannot run out, so only c1's release can end it.
    vi.useFakeTimers();
    const transport = new EmbeddedTransport();
    await transport.ensureTopics([{ topic: 't', partitions: 2 }]);
    const producer = await transport.createProducer();
    await producer.send('t', [{ key: null, value: null, partition: 1 }]);
    const c1 = await transport.createConsumer({
      groupId: 'g',
      clientId: 'a',
      rebalance: recorder().rebalance,
    });
    const c2 = await transport.createConsumer({
      groupId: 'g',
      clientId: 'b',
      rebalance: recorder().rebalance,
    });
    await c1.subscribe(['t']);
    await c1.poll(100, 0);
    await c2.subscribe(['t']);
    const waiting = c2.poll(100, 5_000);
    await vi.advanceTimersByTimeAsync(20);
    expect(await settledNow(waiting)).toBe(false);
    // c1's next poll runs its onRevoked and releases partition 1.
    await c1.poll(100, 0);
    expect(await settledNow(waiting)).toBe(true);
    expect((await waiting).map((r) => r.partition)).toEqual([1]);
    await transport.close();
  });

  it('gives a leaving member’s partitions to the others at once', async () => {
    const transport = new EmbeddedTransport();
    await transport.ensureTopics([{ topic: 't', partitions: 6 }]);
    const a = recorder();
    const c1 = await transport.createConsumer({ groupId: 'g', clientId: 'a', rebalance: a.rebalance });
    const c2 = await transport.createConsumer({
      groupId: 'g',
      clientId: 'b',
      rebalance: recorder().rebalance,
    });
    const c3 = await transport.createConsumer({
      groupId: 'g',
      clientId: 'c',
      rebalance: recorder().rebalance,
    });
    for (const c of [c1, c2, c3]) await c.subscribe(['t']);
    for (const c of [c1, c2, c3]) await c.poll(1, 0);
    // Range assignor, members sorted by id: a=[0,1], b=[2,3], c=[4,5].
    expect([c1, c2, c3].map((c) => partitions(c.assignment()))).toEqual([
      [0, 1],
      [2, 3],
      [4, 5],
    ]);
    await c2.close();
    await c1.poll(1, 0);
    await c3.poll(1, 0);
    expect(partitions(c1.assignment())).toEqual([0, 1, 2]);
    expect(partitions(c3.assignment())).toEqual([3, 4, 5]);
    // c1 kept 0 and 1 throughout: cooperative, nothing of its own was revoked.
    expect(a.events).toEqual([
      ['assigned', [0, 1]],
      ['assigned', [2]],
    ]);
    await transport.close();
  });

  it('never lets two members of a group fetch one partition, under churn and concurrent produce', async () => {
    const transport = new EmbeddedTransport();
    await transport.ensureTopics([{ topic: 't', partitions: 8 }]);
    const producer = await transport.createProducer();
    const holder = new Map<number, string>();
    const violations: string[] = [];
    let fetched = 0;

    async function member(name: string, rounds: number) {
      const consumer = await transport.createConsumer({
        groupId: 'g',
        clientId: name,
        rebalance: {
          onAssigned: (tps) => {
            for (const { partition } of tps) {
              if (holder.has(partition))
                violations.push(`${name} assigned ${partition} held by ${holder.get(partition)}`);
              holder.set(partition, name);
            }
          },
          onRevoked: async (tps) => {
            await new Promise((r) => setTimeout(r, 2));
            for (const { partition } of tps) {
              if (holder.get(partition) !== name)
                violations.push(`${name} revoked ${partition} it did not hold`);
              holder.delete(partition);
            }
          },
        },
      });
      await consumer.subscribe(['t']);
      for (let i = 0; i < rounds; i++) {
        for (const r of await consumer.poll(50, 5)) {
          fetched++;
          if (holder.get(r.partition) !== name)
            violations.push(`${name} fetched ${r.partition} held by ${holder.get(r.partition)}`);
        }
      }
      for (const tp of consumer.assignment()) holder.delete(tp.partition);
      await consumer.close();
    }

    let producing = true;
    const produce = (async () => {
      for (let i = 0; producing; i++) {
        await producer.send(
          't',
          Array.from({ length: 20 }, (_, k) => ({ key: `k${i}-${k}`, value: null })),
        );
        await new Promise((r) => setTimeout(r, 1));
      }
    })();
    await Promise.all([
      member('a', 120),
      (async () => {
        await new Promise((r) => setTimeout(r, 30));
        await member('b', 40);
      })(),
      (async () => {
        await new Promise((r) => setTimeout(r, 60));
        await member('c', 60);
      })(),
    ]);
    producing = false;
    await produce;
    expect(violations).toEqual([]);
    expect(fetched).toBeGreaterThan(0);
    await transport.close();
  });
});
