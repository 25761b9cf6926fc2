import { RecordError } from '../../../core/errors.ts';
import type { RecordStage } from '../../../streams/pipeline/index.ts';
import { decodePartial } from '../tap/partial-message.ts';
import type { PartialItem } from './drift-report-sink.ts';

/** The aggregator's decode stage: a partials-topic record to its partial, or a dead letter that says what is wrong. */
export function partialDecodeStage(): RecordStage<PartialItem> {
  return {
    id: 'decode',
    process(consumed) {
      const partial = decodePartial(consumed.record.value);
      if (typeof partial === 'string')
        return new RecordError('decode', 'SLUICE_DRIFT_PARTIAL_INVALID', partial);
      return { consumed, partial, error: undefined };
    },
  };
}
