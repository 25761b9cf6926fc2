import { performance } from 'node:perf_hooks';

/** Epoch milliseconds with sub-millisecond precision, for latencies measured inside one process. */
export function preciseNowMs(): number {
  return performance.timeOrigin + performance.now();
}
