import type { Logger } from '../core/logger.ts';
import type { PipelineStatsSampler } from './pipeline-stats.ts';

/**
 * Prints one line every `intervalMs` from the latest one-second sample: events/s in and out,
 * p50/p99 latency from ingest and from the events' own time (a backlog waiting in Kafka shows in
 * the second), dead letters, consumer lag, in-flight records against their bound,
 * and the mean batch against the batch size in use (the latency-budget controller's, when set). Operators read it
 * in `npm start`; the same numbers are on the live `stats` channel and `/metrics`.
 */
export function startStatusLine(stats: PipelineStatsSampler, intervalMs: number, logger: Logger): () => void {
  if (intervalMs <= 0) return () => {};
  const timer = setInterval(() => {
    const s = stats.latest;
    if (!s) return;
    const line =
      `in ${s.eventsInPerSec.toFixed(0)}/s  out ${s.eventsOutPerSec.toFixed(0)}/s  ` +
      `p50 ${s.p50Ms.toFixed(1)}ms  p99 ${s.p99Ms.toFixed(1)}ms  ` +
      `from event time p50 ${formatWait(s.eventTimeP50Ms)} p99 ${formatWait(s.eventTimeP99Ms)}  ` +
      `dead letters ${s.deadLetters}  lag ${s.lagTotal}  in-flight ${s.inFlight}/${s.maxInFlight}  ` +
      `batch ${s.batchSize.toFixed(0)}/${s.maxBatchSize}${s.paused ? ' PAUSED' : ''}`;
    logger.info(
      {
        eventsPerSec: Math.round(s.eventsInPerSec),
        predictionsPerSec: Math.round(s.eventsOutPerSec),
        p50Ms: s.p50Ms,
        p99Ms: s.p99Ms,
        eventTimeP50Ms: s.eventTimeP50Ms,
        eventTimeP99Ms: s.eventTimeP99Ms,
        deadLetters: s.deadLetters,
        lag: s.lagTotal,
        inFlight: s.inFlight,
        maxInFlight: s.maxInFlight,
        batchSize: s.batchSize,
        maxBatchSize: s.maxBatchSize,
      },
      line,
    );
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** ms below 10 s, else seconds, minutes or hours: a backlog's wait reads at a glance. */
function formatWait(ms: number): string {
  if (ms < 10_000) return `${ms.toFixed(0)}ms`;
  if (ms < 600_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms < 36_000_000) return `${(ms / 60_000).toFixed(1)}min`;
  return `${(ms / 3_600_000).toFixed(1)}h`;
}
