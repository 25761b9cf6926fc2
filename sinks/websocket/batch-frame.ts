/**
 * Frames for batch subscriptions (`"batch": true`): the messages of one fan-out that pass the
 * subscriber's filter, as one JSON array of the same message objects a plain subscription gets one
 * frame each. Both ends pay per frame, not per byte: uWS framing and a call into native code here,
 * a message event and a parse at the client. A dashboard at a few hundred messages a second, or
 * a thousand of them on one host, is where that cost shows (README "Live feed benchmark").
 */
import type { SubscriberFilter } from './subscriber-filter.ts';
import { matchesFilter } from './subscriber-filter.ts';

const OPEN = 0x5b;
const COMMA = 0x2c;
const CLOSE = 0x5d;

/** One frame and how many messages it carries. */
export interface BatchFrame {
  readonly bytes: Uint8Array;
  readonly count: number;
}

/**
 * The frame of `items[from…]` that pass `filter` (all when null); null when none does.
 * `encodeAt(i)` gives item i's message bytes, or null when it cannot be serialized (left out).
 */
export function buildBatchFrame(
  items: readonly unknown[],
  from: number,
  filter: SubscriberFilter | null,
  encodeAt: (i: number) => Uint8Array | null,
): BatchFrame | null {
  const parts: Uint8Array[] = [];
  let bytes = 0;
  for (let i = from; i < items.length; i++) {
    if (filter !== null && !matchesFilter(filter, items[i])) continue;
    const part = encodeAt(i);
    if (part === null) continue;
    parts.push(part);
    bytes += part.length;
  }
  if (parts.length === 0) return null;
  return { bytes: joinFrame(parts, bytes), count: parts.length };
}

/** `[part,part,…]` in one buffer; `bytes` is the parts' total length. */
export function joinFrame(parts: readonly Uint8Array[], bytes: number): Uint8Array {
  const frame = Buffer.allocUnsafe(bytes + parts.length + 1);
  frame[0] = OPEN;
  let at = 1;
  for (let p = 0; p < parts.length; p++) {
    if (p > 0) frame[at++] = COMMA;
    frame.set(parts[p]!, at);
    at += parts[p]!.length;
  }
  frame[at] = CLOSE;
  return frame;
}
