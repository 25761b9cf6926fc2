import { describe, expect, it } from 'vitest';
import {
  type BatchingDecision,
  LatencyBudgetController,
  type LatencyBudgetLimits,
  type LatencyObservation,
} from './latency-budget-controller.ts';

/**
 * A pipeline on paper: a batch of b costs 2 ms + 10 µs per event and `concurrent` batches run at
 * once, so it can score capacity(b) = concurrent × b / service(b) events a second. In a backlog the
 * in-flight bound is full and, by Little's law, a record waits inFlight / capacity before its
 * batch's own service time. Below capacity, batches close on a 5 ms delay holding what arrived.
 */
const serviceMs = (b: number) => 2 + 0.01 * b;
const capacity = (d: BatchingDecision) =>
  ((d.concurrentBatches * d.batchSize) / serviceMs(d.batchSize)) * 1000;

function simulate(d: BatchingDecision, arrivalsPerSec: number | 'backlog'): LatencyObservation {
  const cap = capacity(d);
  if (arrivalsPerSec === 'backlog' || arrivalsPerSec >= cap) {
    const p99Ms = (d.maxInFlight / cap) * 1000 + serviceMs(d.batchSize);
    return { p99Ms, meanBatchFill: d.batchSize, fullShare: 1, deliveredPerSec: cap };
  }
  const fill = Math.min(d.batchSize, Math.max(1, arrivalsPerSec * 0.005));
  return {
    p99Ms: 5 + serviceMs(fill) * 1.5,
    meanBatchFill: fill,
    fullShare: fill >= d.batchSize ? 1 : 0,
    deliveredPerSec: arrivalsPerSec,
  };
}

/** The largest batch whose backlog p99 fits `budgetMs`, at the controller's depth of three batches. */
function largestWithinBudget(l: LatencyBudgetLimits): number {
  let best = l.minBatchSize;
  for (let b = l.minBatchSize; b <= l.maxBatchSize; b++) {
    const probe = {
      batchSize: b,
      concurrentBatches: 2,
      maxInFlight: Math.min(3 * b, l.maxInFlight),
      reason: 'hold' as const,
    };
    if (simulate(probe, 'backlog').p99Ms! <= l.budgetMs) best = b;
  }
  return best;
}

const limits: LatencyBudgetLimits = {
  budgetMs: 40,
  minBatchSize: 16,
  maxBatchSize: 4096,
  maxInFlight: 5000,
  minConcurrentBatches: 1,
  maxConcurrentBatches: 4,
};

/** Runs `steps` intervals and returns every decision, checking the limits at each. */
function run(
  controller: LatencyBudgetController,
  steps: number,
  load: number | 'backlog',
): BatchingDecision[] {
  const decisions: BatchingDecision[] = [];
  for (let i = 0; i < steps; i++) {
    const d = controller.observe(simulate(controller.decision, load));
    expect(d.batchSize).toBeGreaterThanOrEqual(limits.minBatchSize);
    expect(d.batchSize).toBeLessThanOrEqual(limits.maxBatchSize);
    expect(d.maxInFlight).toBeLessThanOrEqual(limits.maxInFlight);
    expect(d.maxInFlight).toBeGreaterThanOrEqual(d.batchSize);
    expect(d.concurrentBatches).toBeGreaterThanOrEqual(limits.minConcurrentBatches);
    expect(d.concurrentBatches).toBeLessThanOrEqual(limits.maxConcurrentBatches);
    decisions.push(d);
  }
  return decisions;
}

describe('LatencyBudgetController on a simulated pipeline', () => {
  const largest = largestWithinBudget(limits);

  it('drains a backlog at close to the largest batch whose p99 fits the budget, and stays there', () => {
    const controller = new LatencyBudgetController(limits);
    const decisions = run(controller, 200, 'backlog');
    const settled = decisions.slice(-100);
    for (const d of settled) {
      expect(d.batchSize).toBeLessThanOrEqual(largest);
      expect(d.batchSize).toBeGreaterThanOrEqual(largest * 0.75);
    }
    const overBudget = settled.filter((d) => simulate(d, 'backlog').p99Ms! > limits.budgetMs);
    expect(overBudget).toHaveLength(0);
    expect(decisions.some((d) => d.reason === 'grow')).toBe(true);
  });

  it('shrinks when the load drops to a trickle, and grows back when the backlog returns', () => {
    const controller = new LatencyBudgetController(limits);
    run(controller, 150, 'backlog');
    const large = controller.decision.batchSize;
    const light = run(controller, 20, 2000);
    expect(light.some((d) => d.reason === 'light-load')).toBe(true);
    expect(controller.decision.batchSize).toBeLessThanOrEqual(
      Math.max(limits.minBatchSize, 2 * 2000 * 0.005),
    );
    expect(controller.decision.maxInFlight).toBeLessThan(large);
    run(controller, 150, 'backlog');
    expect(controller.decision.batchSize).toBeGreaterThanOrEqual(largest * 0.75);
  });

  it('shrinks at once when a step change makes the current batch too slow, and never leaves its limits', () => {
    const tight = { ...limits, budgetMs: 8, maxInFlight: 600 };
    const controller = new LatencyBudgetController(tight, 4096);
    expect(controller.decision.batchSize).toBeLessThanOrEqual(600);
    expect(controller.decision.maxInFlight).toBeLessThanOrEqual(600);
    // The first interval with traffic is warm-up; the next one acts.
    expect(controller.observe(simulate(controller.decision, 'backlog')).reason).toBe('start');
    expect(controller.observe(simulate(controller.decision, 'backlog')).reason).toBe('over-budget');
    for (let i = 0; i < 100; i++) {
      const d = controller.observe(simulate(controller.decision, 'backlog'));
      expect(d.maxInFlight).toBeLessThanOrEqual(600);
      expect(d.batchSize).toBeGreaterThanOrEqual(tight.minBatchSize);
    }
    expect(controller.decision.batchSize).toBeLessThanOrEqual(largestWithinBudget(tight));
    expect(simulate(controller.decision, 'backlog').p99Ms).toBeLessThanOrEqual(tight.budgetMs);
  });

  it('refuses limits that contradict each other', () => {
    expect(() => new LatencyBudgetController({ ...limits, minBatchSize: 5000 })).toThrow(/minBatchSize 5000/);
  });
});
