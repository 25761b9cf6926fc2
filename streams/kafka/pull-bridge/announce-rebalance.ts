import type { RebalanceListener } from '../../types.ts';
import type { MemberState } from './member-state.ts';

/**
 * Tells the engine about membership changes, from inside `poll`: `onRevoked` for everything owned
 * before (kafkajs is eager), then `onAssigned` for the new assignment, as often as events require.
 * A listener that throws still lets the change happen; the first error is rethrown at the end.
 * `afterStep` runs after each call (the feeder may be holding kafkajs's rejoin until a revoke ends).
 */
export async function announceRebalance(
  state: MemberState,
  listener: RebalanceListener,
  afterStep: () => void,
): Promise<void> {
  let failure: { error: unknown } | undefined;
  for (;;) {
    const revoked = state.startRevoke();
    if (revoked !== null) {
      try {
        if (revoked.length > 0) await listener.onRevoked(revoked);
      } catch (error) {
        failure ??= { error };
      } finally {
        state.finishRevoke();
        afterStep();
      }
      continue;
    }
    const assigned = state.startAssign();
    if (assigned === null) break;
    try {
      if (assigned.length > 0) await listener.onAssigned(assigned);
    } catch (error) {
      failure ??= { error };
    } finally {
      afterStep();
    }
  }
  if (failure) throw failure.error;
}
