import type { RecordHeaders } from '../types.ts';

/**
 * Shared by every header-less consumed record, frozen as in the embedded transport: code that
 * mutates a consumed record's headers fails loudly instead of corrupting other records.
 */
export const NO_HEADERS: RecordHeaders = Object.freeze({}) as RecordHeaders;

/** A header value as the engine sees it (raw bytes); a string, as clients may decode them, is UTF-8. */
export function headerBytes(value: Buffer | string): Buffer {
  return typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
}
