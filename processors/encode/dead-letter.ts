import { createHash } from 'node:crypto';
import type { RecordError } from '../../core/errors.ts';
import type { DeadLetter, DeadLetterStage, OriginalHeader } from '../../schemas/index.ts';
import { codecs } from '../../schemas/index.ts';
import type { InputRecord, OutgoingRecord } from '../../streams/index.ts';

/**
 * Bytes a dead letter's Kafka record may take beyond the original bytes it keeps: its envelope
 * (topic, code, message, digests), its own headers and its key. A dead letter is therefore never
 * larger than `deadLetters.maxOriginalBytes` plus this, which is what the DLQ topic and the
 * producer must accept.
 */
export const DEAD_LETTER_OVERHEAD_BYTES = 16 * 1024;

/** A dead letter is keyed by the original key up to this size, by the key's SHA-256 beyond it. */
const KEY_AS_IS_MAX_BYTES = 1024;
const MESSAGE_MAX_CHARS = 1000;
/** Avro framing of one kept header (two length varints), counted against the cap. */
const HEADER_FRAMING_BYTES = 10;

const DEAD_LETTER_STAGES = new Set<string>(['decode', 'validate', 'enrich', 'infer']);

function sha256(bytes: Buffer): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The dead letter of a record some stage failed. The original key, value and headers are kept
 * whole while together they fit `maxOriginalBytes`; beyond it the key keeps at most a quarter of
 * the cap, the headers (whole, in order) at most a quarter, and the value the rest, and the sizes
 * and SHA-256 digests of what was cut say what the original was.
 */
export function toDeadLetter(
  input: InputRecord,
  error: RecordError,
  failedAtMs: number,
  maxOriginalBytes: number,
): DeadLetter {
  const stage = (DEAD_LETTER_STAGES.has(error.stage) ? error.stage : 'infer') as DeadLetterStage;
  const { key, value } = input;
  const headers: OriginalHeader[] = [];
  let headerBytes = 0;
  for (const name of Object.keys(input.headers)) {
    const headerValue = input.headers[name]!;
    headers.push({ name, value: headerValue });
    headerBytes += Buffer.byteLength(name) + headerValue.length + HEADER_FRAMING_BYTES;
  }
  const keyLength = key?.length ?? 0;
  const valueLength = value?.length ?? 0;
  let keptKey = key;
  let keptValue = value;
  let keptHeaders = headers;
  let dropped = 0;
  const truncated = keyLength + valueLength + headerBytes > maxOriginalBytes;
  if (truncated) {
    const quarter = Math.floor(maxOriginalBytes / 4);
    if (key && keyLength > quarter) keptKey = key.subarray(0, quarter);
    let used = 0;
    keptHeaders = [];
    for (const header of headers) {
      const cost = Buffer.byteLength(header.name) + header.value.length + HEADER_FRAMING_BYTES;
      if (used + cost > quarter) break;
      used += cost;
      keptHeaders.push(header);
    }
    dropped = headers.length - keptHeaders.length;
    const valueRoom = maxOriginalBytes - (keptKey?.length ?? 0) - used;
    if (value && valueLength > valueRoom) keptValue = value.subarray(0, valueRoom);
  }
  return {
    original_key: keptKey,
    original_value: keptValue,
    source_topic: input.topic,
    source_partition: input.partition,
    source_offset: input.offset,
    stage,
    error_class: error.code,
    message:
      error.message.length > MESSAGE_MAX_CHARS
        ? `${error.message.slice(0, MESSAGE_MAX_CHARS)}…`
        : error.message,
    failed_at: failedAtMs,
    original_headers: keptHeaders,
    original_headers_dropped: dropped,
    original_truncated: truncated,
    original_key_size: key ? keyLength : null,
    original_value_size: value ? valueLength : null,
    original_key_sha256: key && keptKey !== key ? sha256(key) : null,
    original_value_sha256: value && keptValue !== value ? sha256(value) : null,
  };
}

/**
 * The Kafka record of a dead letter. Headers repeat the reason so a dead-letter consumer can
 * triage without decoding the body; `traceparent` is the input's, already validated.
 */
export function deadLetterRecord(
  letter: DeadLetter,
  input: InputRecord,
  traceparent: Buffer | undefined,
): OutgoingRecord {
  const headers: Record<string, Buffer | string> = {
    'sluice-error-stage': letter.stage,
    'sluice-error-class': letter.error_class,
    'sluice-error-reason': letter.message,
  };
  if (traceparent) headers.traceparent = traceparent;
  const key = input.key && input.key.length > KEY_AS_IS_MAX_BYTES ? sha256(input.key) : input.key;
  return { key, value: codecs.deadLetter.encode(letter), headers };
}
