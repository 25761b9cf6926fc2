import { describe, expect, it } from 'vitest';
import { type RunningTopology, Topologies } from './topologies.ts';

function running(name: string, transactionalId?: string): RunningTopology {
  return {
    declaration: { name },
    totals: { consumed: 0, delivered: 0, deadLetters: 0, batches: 0 },
    transactionalId,
    start: async () => undefined,
    stop: async () => ({ drained: true }),
    isConsuming: () => true,
  };
}

describe('Topologies', () => {
  it('refuses two topologies with one name', () => {
    expect(() => new Topologies([running('scoring'), running('scoring')])).toThrow(
      'two topologies are named "scoring"',
    );
  });

  it('refuses two exactly-once topologies with one transactional id, which would fence each other', () => {
    expect(() => new Topologies([running('scoring', 'sluice-a'), running('drift', 'sluice-a')])).toThrow(
      'topologies "scoring" and "drift" share the transactional id "sluice-a"',
    );
    expect(
      () => new Topologies([running('scoring', 'sluice-a'), running('drift', 'drift-a'), running('x')]),
    ).not.toThrow();
  });

  it('starts and stops in feed order, and stops the started ones when a later one fails to start', async () => {
    const calls: string[] = [];
    const topology = (name: string, failStart = false): RunningTopology => ({
      ...running(name),
      start: async () => {
        calls.push(`start ${name}`);
        if (failStart) throw new Error(`${name} cannot start`);
      },
      stop: async () => {
        calls.push(`stop ${name}`);
        return { drained: true };
      },
    });
    const ok = new Topologies([topology('a'), topology('b')]);
    await ok.start();
    await ok.stop(1000);
    expect(calls).toEqual(['start a', 'start b', 'stop a', 'stop b']);

    calls.length = 0;
    const failing = new Topologies([topology('a'), topology('b'), topology('c', true)]);
    await expect(failing.start()).rejects.toThrow('c cannot start');
    expect(calls).toEqual(['start a', 'start b', 'start c', 'stop a', 'stop b']);
  });
});
