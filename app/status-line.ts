import type { Logger } from '../core/logger.ts';
import type { ScoringTopology } from './scoring-topology.ts';

/**
 * Prints one line every `intervalMs`: events/s in and out, p50/p99 end-to-end latency, dead letters,
 * in-flight records. Operators read it in `npm start`; the same numbers are on `/metrics`.
 */
export function startStatusLine(topology: ScoringTopology, intervalMs: number, logger: Logger): () => void {
  if (intervalMs <= 0) return () => {};
  let last = { ...topology.totals, at: Date.now() };
  const timer = setInterval(() => {
    const now = Date.now();
    const totals = topology.totals;
    const seconds = (now - last.at) / 1000;
    const latency = topology.latency.takeInterval();
    const inRate = (totals.consumed - last.consumed) / seconds;
    const outRate = (totals.delivered - last.delivered) / seconds;
    const deadLetters = totals.deadLetters - last.deadLetters;
    const line =
      `in ${inRate.toFixed(0)}/s  out ${outRate.toFixed(0)}/s  ` +
      `p50 ${latency.p50.toFixed(1)}ms  p99 ${latency.p99.toFixed(1)}ms  ` +
      `dead letters +${deadLetters} (${totals.deadLetters} total)  in-flight ${topology.gate.count}${topology.paused ? ' PAUSED' : ''}`;
    logger.info(
      {
        eventsPerSec: Math.round(inRate),
        predictionsPerSec: Math.round(outRate),
        p50Ms: latency.p50,
        p99Ms: latency.p99,
        deadLetters: totals.deadLetters,
        inFlight: topology.gate.count,
      },
      line,
    );
    last = { ...totals, at: now };
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
