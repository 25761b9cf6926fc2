import { RecordError } from '../../core/errors.ts';
import type { TransactionEvent } from '../../schemas/index.ts';
import { codecs } from '../../schemas/index.ts';
import type { InputRecord } from '../../streams/index.ts';
import type { DecodeConfig } from './decode-config.ts';

function where(record: InputRecord): string {
  return `${record.topic}/${record.partition}@${record.offset}`;
}

/**
 * The `decode` stage: Avro bytes to a validated TransactionEvent. Called once per consumed record
 * on the hot path (`nowMs` lets the caller read the clock once per poll). Returns a RecordError instead of throwing, so one bad record never aborts its
 * batch; the caller routes it to the dead-letter topic.
 */
export function createEventDecoder(
  config: DecodeConfig,
): (record: InputRecord, nowMs?: number) => TransactionEvent | RecordError {
  const maxEventAgeMs = config.maxEventAgeDays * 86_400_000;

  return function decodeEvent(record, nowMs = Date.now()) {
    const bytes = record.value;
    if (bytes === null || bytes.length === 0) {
      return new RecordError(
        'decode',
        'SLUICE_DECODE_EMPTY',
        `empty value at ${where(record)}; expected a TransactionEvent`,
      );
    }
    if (bytes.length > config.maxMessageBytes) {
      return new RecordError(
        'decode',
        'SLUICE_DECODE_OVERSIZED',
        `value of ${bytes.length} bytes at ${where(record)} exceeds decode.maxMessageBytes=${config.maxMessageBytes}`,
      );
    }
    const decoded = codecs.event.decode(bytes);
    if (!decoded.ok) {
      const code =
        decoded.reason === 'trailing-bytes' ? 'SLUICE_DECODE_SCHEMA_MISMATCH' : 'SLUICE_DECODE_NOT_AVRO';
      const hint =
        decoded.reason === 'trailing-bytes'
          ? 'written with a different schema than schemas/transaction-event.avsc?'
          : 'not Avro binary of schemas/transaction-event.avsc';
      return new RecordError('decode', code, `value at ${where(record)} is ${hint} (${decoded.message})`);
    }
    return validateEvent(decoded.value, record, config, maxEventAgeMs, nowMs);
  };
}

function validateEvent(
  event: TransactionEvent,
  record: InputRecord,
  config: DecodeConfig,
  maxEventAgeMs: number,
  now: number,
): TransactionEvent | RecordError {
  // Field by field rather than a keyed loop: this runs per event and keyed access is megamorphic.
  const badString =
    checkString(event.event_id, 'event_id', record, config) ??
    checkString(event.key, 'key', record, config) ??
    checkString(event.merchant_category, 'merchant_category', record, config) ??
    checkString(event.country, 'country', record, config);
  if (badString) return badString;
  if (!Number.isFinite(event.amount)) {
    return new RecordError(
      'validate',
      'SLUICE_VALIDATE_NOT_FINITE',
      `field "amount" is ${event.amount} at ${where(record)}`,
      {
        subject: 'amount',
      },
    );
  }
  if (event.amount < 0 || event.amount > config.maxAmount) {
    return new RecordError(
      'validate',
      'SLUICE_VALIDATE_OUT_OF_RANGE',
      `field "amount"=${event.amount} at ${where(record)} is outside [0, decode.maxAmount=${config.maxAmount}]`,
      { subject: 'amount' },
    );
  }
  if (event.event_time < now - maxEventAgeMs || event.event_time > now + config.maxClockSkewMs) {
    return new RecordError(
      'validate',
      'SLUICE_VALIDATE_OUT_OF_RANGE',
      `field "event_time"=${event.event_time} at ${where(record)} is more than decode.maxEventAgeDays in the past or decode.maxClockSkewMs in the future`,
      { subject: 'event_time' },
    );
  }
  return event;
}

function checkString(
  value: string,
  field: string,
  record: InputRecord,
  config: DecodeConfig,
): RecordError | undefined {
  if (value.length === 0) {
    return new RecordError(
      'validate',
      'SLUICE_VALIDATE_MISSING_FIELD',
      `field "${field}" is empty at ${where(record)}`,
      {
        subject: field,
      },
    );
  }
  if (value.length > config.maxStringLength) {
    return new RecordError(
      'validate',
      'SLUICE_VALIDATE_OUT_OF_RANGE',
      `field "${field}" has ${value.length} characters at ${where(record)}; decode.maxStringLength=${config.maxStringLength}`,
      { subject: field },
    );
  }
  return undefined;
}
