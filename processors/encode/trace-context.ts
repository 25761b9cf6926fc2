/**
 * W3C Trace Context (https://www.w3.org/TR/trace-context/): which `traceparent` an output record
 * carries on. An invalid one is ignored, as the spec says, rather than copied verbatim; a valid
 * one of a later version is carried on as version 00 of its first four fields, the only version
 * Sluice knows, which also bounds its size.
 */

const DASH = 0x2d;
const ZERO = 0x30;
const VERSION_00_LENGTH = 55;

const IS_LOWER_HEX = new Uint8Array(256);
for (const c of '0123456789abcdef') IS_LOWER_HEX[c.charCodeAt(0)] = 1;

function isHex(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (IS_LOWER_HEX[bytes[i]!] === 0) return false;
  return true;
}

function isAllZero(bytes: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (bytes[i] !== ZERO) return false;
  return true;
}

/** The traceparent to propagate from `value`, or null when `value` is not a valid traceparent. */
export function propagatedTraceparent(value: Buffer): Buffer | null {
  if (value.length < VERSION_00_LENGTH) return null;
  if (!isHex(value, 0, 2) || value[2] !== DASH) return null;
  if (value[0] === 0x66 && value[1] === 0x66) return null; // version ff is forbidden
  const version00 = value[0] === ZERO && value[1] === ZERO;
  if (version00 ? value.length !== VERSION_00_LENGTH : value.length > VERSION_00_LENGTH && value[55] !== DASH)
    return null;
  if (!isHex(value, 3, 35) || value[35] !== DASH) return null; // trace-id
  if (!isHex(value, 36, 52) || value[52] !== DASH) return null; // parent-id
  if (!isHex(value, 53, 55)) return null; // trace-flags
  if (isAllZero(value, 3, 35) || isAllZero(value, 36, 52)) return null;
  if (version00) return value;
  const carried = Buffer.from(value.subarray(0, VERSION_00_LENGTH));
  carried[0] = ZERO;
  carried[1] = ZERO;
  return carried;
}
