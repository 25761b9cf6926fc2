import type { RecordHeaders } from '../../streams/index.ts';
import type { BoundCounter, StageMetrics } from '../../streams/pipeline/index.ts';
import { propagatedTraceparent } from './trace-context.ts';

/** Which traceparent an output carries on from its input; an invalid one is counted and dropped. */
export class TraceContextFilter {
  readonly #invalid: BoundCounter<never>;

  constructor(metrics: StageMetrics) {
    this.#invalid = metrics.counter(
      'sluice_invalid_traceparent_total',
      'Input records whose traceparent header was not valid W3C Trace Context; it was ignored, not carried on',
    );
  }

  of(headers: RecordHeaders): Buffer | undefined {
    const value = headers.traceparent;
    if (value === undefined) return undefined;
    const carried = propagatedTraceparent(value);
    if (carried) return carried;
    this.#invalid.inc();
    return undefined;
  }
}
