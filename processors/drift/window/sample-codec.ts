import type { SampledEvent } from './bottom-k.ts';

/**
 * A window's sample as a partial carries it: the ids in sample order, and every event's numeric
 * values as one base64 string of little-endian doubles, row-major (one row of `width` values per
 * id, NaN when missing). Doubles travel exactly, and the text is a third of the size of the same
 * numbers in JSON, which cost a replica and the aggregator milliseconds per window to print, parse
 * and check value by value.
 */
export interface EncodedSample {
  ids: string[];
  values: string;
}

export function encodeSample(events: readonly SampledEvent[], width: number): EncodedSample {
  const bytes = Buffer.allocUnsafe(events.length * width * 8);
  let at = 0;
  for (const event of events)
    for (let c = 0; c < width; c++, at += 8) bytes.writeDoubleLE(event.values[c]!, at);
  return { ids: events.map((e) => e.id), values: bytes.toString('base64') };
}

/**
 * The row-major values of an encoded sample of `width` columns, or a RangeError naming what is
 * wrong: a length that is not one row per id, or a value that is infinite (a sampled value is
 * finite, or NaN when missing).
 */
export function decodeSampleValues(sample: EncodedSample, width: number): Float64Array {
  const bytes = Buffer.from(sample.values, 'base64');
  const expected = sample.ids.length * width * 8;
  if (bytes.length !== expected || bytes.toString('base64') !== sample.values)
    throw new RangeError(
      `sample values: ${bytes.length} bytes of base64 where ${sample.ids.length} events of ${width} columns need ${expected}`,
    );
  const values = new Float64Array(sample.ids.length * width);
  for (let i = 0; i < values.length; i++) {
    const v = bytes.readDoubleLE(i * 8);
    if (v === Number.POSITIVE_INFINITY || v === Number.NEGATIVE_INFINITY)
      throw new RangeError(
        `sample values: event ${sample.ids[Math.floor(i / width)]} has an infinite value in column ${i % width}`,
      );
    values[i] = v;
  }
  return values;
}
