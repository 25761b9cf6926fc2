import { describe, expect, it } from 'vitest';
import type { ConsumerClient, TopicPartition } from '../types.ts';
import { EmbeddedTransport } from './index.ts';

const quiet = { onAssigned: (_: TopicPartition[]) => {}, onRevoked: (_: TopicPartition[]) => {} };

describe('close during a rebalance', () => {
  it('waits for the running onRevoked, whose commit still counts, then leaves', async () => {
    const transport = new EmbeddedTransport();
    await transport.ensureTopics([{ topic: 't', partitions: 2 }]);
    let revokeStarted!: () => void;
    const revoking = new Promise<void>((resolve) => (revokeStarted = resolve));
    let finishRevoke!: () => void;
    const revokeMayFinish = new Promise<void>((resolve) => (finishRevoke = resolve));
    let commitError: unknown = 'none';
    let first!: ConsumerClient;
    first = await transport.createConsumer({
      groupId: 'g',
      clientId: 'a',
      rebalance: {
        onAssigned: () => {},
        onRevoked: async () => {
          revokeStarted();
          await revokeMayFinish;
          commitError = await first
            .commit([{ topic: 't', partition: 1, offset: 0 }])
            .catch((e: unknown) => e);
        },
      },
    });
    await first.subscribe(['t']);
    await first.poll(1, 0);
    const second = await transport.createConsumer({ groupId: 'g', clientId: 'b', rebalance: quiet });
    await second.subscribe(['t']);

    const polled = first.poll(1, 10_000);
    await revoking;
    let closed = false;
    const closing = first.close().then(() => (closed = true));
    // Everything close could finish without the revoke has run by the next macrotask.
    await new Promise((r) => setImmediate(r));
    expect(closed).toBe(false);
    finishRevoke();
    await closing;
    expect(await polled).toEqual([]);
    expect(commitError).toBeUndefined();
    expect(transport.committedOffsets('g', 't')).toEqual([null, 0]);
    await expect(first.commit([{ topic: 't', partition: 0, offset: 0 }])).rejects.toMatchObject({
      code: 'SLUICE_TRANSPORT_CLOSED',
    });
    await second.poll(1, 0);
    expect(second.assignment().map((tp) => tp.partition)).toEqual([0, 1]);
    await transport.close();
  });
});
