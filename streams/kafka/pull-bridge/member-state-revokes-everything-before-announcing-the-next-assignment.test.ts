import { describe, expect, it } from 'vitest';
import { MemberState } from './member-state.ts';

const tp = (partition: number) => ({ topic: 't', partition });

/** What a poll would tell the engine now: the revoke first, then the assignment. */
function announce(state: MemberState): { revoked: number[] | null; assigned: number[] | null } {
  const revoked = state.startRevoke();
  if (revoked) state.finishRevoke();
  const assigned = state.startAssign();
  return {
    revoked: revoked ? revoked.map((p) => p.partition) : null,
    assigned: assigned ? assigned.map((p) => p.partition) : null,
  };
}

describe('MemberState', () => {
  it('announces the first assignment, then on a rebalance revokes everything before the next one', () => {
    const state = new MemberState();
    state.joined([tp(0), tp(1), tp(2)]);
    expect(announce(state)).toEqual({ revoked: null, assigned: [0, 1, 2] });

    expect(state.rebalanceDetected()).toBe(true);
    expect(state.rebalanceDetected()).toBe(false);
    expect(state.accepting).toBe(false);
    expect(announce(state)).toEqual({ revoked: [0, 1, 2], assigned: null });
    state.joined([tp(1)]);
    expect(announce(state)).toEqual({ revoked: null, assigned: [1] });
  });

  it('revokes before assigning when kafkajs rejoined without a rebalance event first', () => {
    const state = new MemberState();
    state.joined([tp(0), tp(1)]);
    announce(state);
    state.joined([tp(0)]);
    expect(announce(state)).toEqual({ revoked: [0, 1], assigned: [0] });
  });

  it('refuses commits of partitions that moved once kafkajs rejoined, but not of those it keeps', () => {
    const state = new MemberState();
    expect(state.commitRefusal(tp(0))).toMatch(/not in the group/);
    state.joined([tp(0), tp(1)]);
    announce(state);
    expect(state.commitRefusal(tp(0))).toBeNull();
    expect(state.commitRefusal(tp(5))).toMatch(/not assigned/);

    // The old generation's coordinator still accepts commits while the group prepares to rebalance.
    state.rebalanceDetected();
    expect(state.commitRefusal(tp(1))).toBeNull();
    // kafkajs rejoined before the engine's onRevoked ran: commits go out under the new generation.
    state.joined([tp(0)]);
    expect(state.commitRefusal(tp(0))).toBeNull();
    expect(state.commitRefusal(tp(1))).toMatch(/moved to another member/);
  });

  it('loses everything on a crash and refuses commits until kafkajs joins again', () => {
    const state = new MemberState();
    state.joined([tp(0)]);
    announce(state);
    state.crashed();
    expect(state.commitRefusal(tp(0))).toMatch(/not in the group/);
    expect(announce(state)).toEqual({ revoked: [0], assigned: null });
    state.joined([tp(0), tp(1)]);
    expect(announce(state)).toEqual({ revoked: null, assigned: [0, 1] });
  });

  it('hands out only announced, unpaused partitions and knows when all are paused', () => {
    const state = new MemberState();
    state.joined([tp(0), tp(1)]);
    expect(state.readable('t', 0)).toBe(false);
    announce(state);
    expect(state.pause([tp(0)]).map((p) => p.partition)).toEqual([0]);
    expect(state.pause([tp(0)])).toEqual([]);
    expect(state.readable('t', 0)).toBe(false);
    expect(state.readable('t', 1)).toBe(true);
    expect(state.allPaused()).toBe(false);
    state.pause([tp(1)]);
    expect(state.allPaused()).toBe(true);
    expect(state.resume([tp(0), tp(1), tp(7)]).map((p) => p.partition)).toEqual([0, 1]);
  });
});
