import {
  codecs,
  type DeadLetter,
  frameWithSchemaId,
  type SchemaRegistryClient,
} from '../../schemas/index.ts';
import type { OutgoingRecord } from '../../streams/index.ts';
import type { FailedRecord, SinkContext } from '../../streams/pipeline/index.ts';
import { deadLetterRecord, toDeadLetter } from './dead-letter.ts';
import { assertDeadLettersFit } from './dead-letter-room.ts';
import { TraceContextFilter } from './trace-context-filter.ts';

/** A dead letter as the live feed shows it: everything but the original bytes, with the header names. */
export type LiveDeadLetter = Omit<DeadLetter, 'original_key' | 'original_value' | 'original_headers'> & {
  original_header_names: string[];
};

/** Settings of the dead letters a topology writes. */
export interface DeadLetterEncoderOptions {
  /** `deadLetters.maxOriginalBytes`: how much of the original a dead letter keeps whole. */
  maxOriginalBytes: number;
  /** With a registry, dead letters are framed in the Confluent wire format under `<topic>-value`. */
  schemaRegistry?: SchemaRegistryClient | undefined;
}

/**
 * What a dead letter holds (see dead-letter.ts) and its Kafka record. At open it checks that the
 * DLQ topic and the producer can take the largest dead letter (a start error otherwise) and, with
 * a registry, registers the schema.
 */
export function deadLetterEncoder(options: DeadLetterEncoderOptions) {
  let schemaId: number | undefined;
  let trace: TraceContextFilter | undefined;
  return {
    async open(context: SinkContext, topic: string): Promise<void> {
      await assertDeadLettersFit(context.transport, topic, options.maxOriginalBytes);
      trace = new TraceContextFilter(context.metrics);
      if (options.schemaRegistry)
        schemaId = await options.schemaRegistry.register(`${topic}-value`, codecs.deadLetter.type.schema());
    },
    encode(failed: readonly FailedRecord[]): { records: OutgoingRecord[]; letters: LiveDeadLetter[] } {
      const now = Date.now();
      const records: OutgoingRecord[] = [];
      const letters: LiveDeadLetter[] = [];
      for (const { consumed, error } of failed) {
        const letter = toDeadLetter(consumed.record, error, now, options.maxOriginalBytes);
        const record = deadLetterRecord(letter, consumed.record, trace!.of(consumed.record.headers));
        if (schemaId !== undefined && record.value) record.value = frameWithSchemaId(schemaId, record.value);
        records.push(record);
        const { original_key: _k, original_value: _v, original_headers: headers, ...rest } = letter;
        letters.push({ ...rest, original_header_names: headers.map((h) => h.name) });
      }
      return { records, letters };
    },
  };
}
