import { describe, expect, it } from 'vitest';
import { PartitionProgress } from './partition-progress.ts';

describe('PartitionProgress commits only the fully acked prefix', () => {
  it('holds the watermark at the first unacked offset when acks arrive out of order', () => {
    let released = 0;
    const progress = new PartitionProgress('events', 0, (n) => {
      released += n;
    });
    const tickets = [10, 11, 12, 13].map((offset) => progress.track(offset));
    progress.ack(tickets[2]!);
    progress.ack(tickets[1]!);
    expect(progress.takeCommit()).toBeUndefined();
    progress.ack(tickets[0]!);
    expect(progress.takeCommit()).toEqual({ topic: 'events', partition: 0, offset: 13 });
    progress.markCommitted(13);
    expect(progress.takeCommit()).toBeUndefined();
    progress.ack(tickets[3]!);
    expect(progress.takeCommit()?.offset).toBe(14);
    expect(released).toBe(4);
    expect(progress.pending).toBe(0);
  });

  it('ignores a second ack of the same record', () => {
    let released = 0;
    const progress = new PartitionProgress('events', 1, (n) => {
      released += n;
    });
    const ticket = progress.track(0);
    progress.ack(ticket);
    progress.ack(ticket);
    expect(released).toBe(1);
  });

  it('keeps offsets with gaps (compacted or transactional logs) and grows past its initial capacity', () => {
    const progress = new PartitionProgress('events', 2, () => {});
    const tickets: number[] = [];
    for (let i = 0; i < 5000; i++) tickets.push(progress.track(i * 3));
    for (let i = tickets.length - 1; i >= 1; i--) progress.ack(tickets[i]!);
    expect(progress.takeCommit()).toBeUndefined();
    progress.ack(tickets[0]!);
    expect(progress.takeCommit()?.offset).toBe(4999 * 3 + 1);
  });

  it('commits nothing once detached by a revoke, but still releases in-flight slots', () => {
    let released = 0;
    const progress = new PartitionProgress('events', 3, (n) => {
      released += n;
    });
    const ticket = progress.track(7);
    progress.detached = true;
    progress.ack(ticket);
    expect(released).toBe(1);
    expect(progress.takeCommit()).toBeUndefined();
  });
});
