import { afterEach, describe, expect, it, vi } from 'vitest';
import { settledNow } from '../../tests/support/settled-now.ts';
import type { TopicPartition } from '../types.ts';
import { EmbeddedTransport } from './index.ts';

const ids = (tps: TopicPartition[]) => tps.map((tp) => tp.partition).sort((a, b) => a - b);

describe('session timeout', () => {
  // A fake clock (Date and timers): a session runs out exactly when the test advances past it.
  afterEach(() => {
    vi.useRealTimers();
  });

  it('frees the partitions of an owner that stops polling, and fences its commits', async () => {
    vi.useFakeTimers();
    const transport = new EmbeddedTransport({ sessionTimeoutMs: 100 });
    await transport.ensureTopics([{ topic: 't', partitions: 4 }]);
    const producer = await transport.createProducer();
    await producer.send(
      't',
      [0, 1, 2, 3].map((partition) => ({ key: null, value: null, partition })),
    );

    const revokedFromSilent: number[][] = [];
    let commitInRevoke: unknown;
    const silent = await transport.createConsumer({
      groupId: 'g',
      clientId: 'a',
      rebalance: {
        onAssigned: () => {},
        onRevoked: async (tps) => {
          revokedFromSilent.push(ids(tps));
          commitInRevoke = await silent
            .commit([{ topic: 't', partition: 0, offset: 1 }])
            .catch((e: unknown) => e);
        },
      },
    });
    const live = await transport.createConsumer({
      groupId: 'g',
      clientId: 'b',
      rebalance: { onAssigned: () => {}, onRevoked: () => {} },
    });
    await silent.subscribe(['t']);
    expect(await silent.poll(100, 0)).toHaveLength(4);

    await live.subscribe(['t']);
    const polled = live.poll(100, 5_000);
    // a holds what b's target needs ([2, 3]) and stays silent: b waits until a's session runs out.
    await vi.advanceTimersByTimeAsync(99);
    expect(await settledNow(polled)).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await settledNow(polled)).toBe(true);
    const got = await polled;
    // Evicted, so b's target becomes every partition, not just [2, 3].
    expect(ids(live.assignment())).toEqual([0, 1, 2, 3]);
    expect(got.map((r) => r.partition).sort()).toEqual([0, 1, 2, 3]);
    expect(transport.groupOwnership('g')).toEqual({
      [live.memberId]: ids(live.assignment()).map((partition) => ({ topic: 't', partition })),
    });

    // The evicted member cannot commit what it lost.
    await expect(silent.commit([{ topic: 't', partition: 2, offset: 1 }])).rejects.toMatchObject({
      code: 'SLUICE_COMMIT_REJECTED',
    });

    // Its next poll reports the loss through onRevoked (commits there are refused too) and rejoins.
    expect(await silent.poll(100, 0)).toEqual([]);
    expect(revokedFromSilent).toEqual([[0, 1, 2, 3]]);
    expect(commitInRevoke).toMatchObject({ code: 'SLUICE_COMMIT_REJECTED' });
    expect(transport.committedOffsets('g', 't')).toEqual([null, null, null, null]);
    await live.poll(100, 0);
    await silent.poll(100, 0);
    expect(ids(silent.assignment())).toEqual([0, 1]);
    expect(ids(live.assignment())).toEqual([2, 3]);
    await transport.close();
  });

  it('does not evict an idle owner that blocks nobody', async () => {
    vi.useFakeTimers();
    const transport = new EmbeddedTransport({ sessionTimeoutMs: 30 });
    await transport.ensureTopics([{ topic: 't', partitions: 2 }]);
    const idle = await transport.createConsumer({
      groupId: 'g',
      rebalance: { onAssigned: () => {}, onRevoked: () => {} },
    });
    await idle.subscribe(['t']);
    await idle.poll(1, 0);
    await vi.advanceTimersByTimeAsync(80);
    await idle.commit([{ topic: 't', partition: 1, offset: 0 }]);
    expect(transport.committedOffsets('g', 't')).toEqual([null, 0]);
    expect(ids(idle.assignment())).toEqual([0, 1]);
    await transport.close();
  });
});
