import type { RecordHeaders } from './types.ts';

/**
 * Shared by every header-less record, frozen so that code mutating a consumed record's headers
 * fails loudly instead of corrupting other records.
 */
export const NO_HEADERS: RecordHeaders = Object.freeze(Object.create(null)) as RecordHeaders;

/**
 * An empty header map with no prototype. Header names are input data: on a plain object a header
 * named `__proto__` would replace the prototype and names such as `constructor` or `toString`
 * would read as inherited functions. Every adapter builds its headers through this.
 */
export function emptyHeaders(): RecordHeaders {
  return Object.create(null) as RecordHeaders;
}

/** A header value as the engine sees it (raw bytes); a string, as clients may decode them, is UTF-8. */
export function headerBytes(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  if (value === null || value === undefined) return Buffer.alloc(0);
  throw new TypeError(`header value of type ${typeof value} is not bytes`);
}
