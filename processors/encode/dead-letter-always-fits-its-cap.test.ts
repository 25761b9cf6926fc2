import { createHash } from 'node:crypto';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { RecordError } from '../../core/errors.ts';
import { codecs, type DeadLetter } from '../../schemas/index.ts';
import type { InputRecord, OutgoingRecord } from '../../streams/index.ts';
import { emptyHeaders } from '../../streams/record-headers.ts';
import { DEAD_LETTER_OVERHEAD_BYTES, deadLetterRecord, toDeadLetter } from './dead-letter.ts';

const CAP = 64 * 1024;
const MiB = 1024 * 1024;
const error = new RecordError('decode', 'SLUICE_DECODE_OVERSIZED', 'value too large — ☃'.repeat(200));

// Headers as name/value pairs: an object literal cannot hold a header named __proto__.
function input(parts: {
  key?: Buffer | null;
  value?: Buffer | null;
  headers?: Array<[string, Buffer]>;
  topic?: string;
}): InputRecord {
  const headers = emptyHeaders();
  for (const [name, value] of parts.headers ?? []) headers[name] = value;
  return {
    topic: parts.topic ?? 'events',
    partition: 3,
    offset: 12_345,
    key: parts.key === undefined ? Buffer.from('user-1') : parts.key,
    value: parts.value === undefined ? Buffer.from('v') : parts.value,
    headers,
    timestampMs: 0,
  };
}

/** What a Kafka broker counts for one record: key, value, headers, plus generous framing. */
function recordBytes(record: OutgoingRecord): number {
  let bytes = 100 + (record.key?.length ?? 0) + (record.value?.length ?? 0);
  for (const [name, value] of Object.entries(record.headers ?? {}))
    bytes += 10 + Buffer.byteLength(name) + Buffer.byteLength(value);
  return bytes;
}

function letterOf(record: InputRecord): { letter: DeadLetter; bytes: number } {
  const letter = toDeadLetter(record, error, 1, CAP);
  const out = deadLetterRecord(letter, record, undefined);
  return { letter: codecs.deadLetter.type.fromBuffer(out.value!) as DeadLetter, bytes: recordBytes(out) };
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const bytesOf = (n: number, fill: number) => Buffer.alloc(n, fill);

describe('a dead letter always fits its cap plus the documented envelope', () => {
  it('keeps a small original whole, headers included, and says it is not truncated', () => {
    const headers: Array<[string, Buffer]> = [
      ['traceparent', Buffer.from('x')],
      ['__proto__', Buffer.from('p')],
      ['', Buffer.from('e')],
    ];
    const { letter } = letterOf(input({ headers }));
    expect(letter.original_truncated).toBe(false);
    expect(letter.original_value).toEqual(Buffer.from('v'));
    expect(letter.original_key).toEqual(Buffer.from('user-1'));
    expect(letter.original_headers.map((h) => h.name)).toEqual(['traceparent', '__proto__', '']);
    expect(letter.original_value_size).toBe(1);
    expect(letter.original_value_sha256).toBeNull();
  });

  const hostile: Array<[string, InputRecord]> = [
    ['a 2 MiB value', input({ value: bytesOf(2 * MiB, 1) })],
    ['a 2 MiB key', input({ key: bytesOf(2 * MiB, 2) })],
    ['a 2 MiB header', input({ headers: [['big', bytesOf(2 * MiB, 3)]] })],
    [
      '100,000 small headers',
      input({
        headers: Array.from({ length: 100_000 }, (_, i): [string, Buffer] => [`h${i}`, Buffer.alloc(0)]),
      }),
    ],
    [
      'everything large at once',
      input({
        key: bytesOf(MiB, 4),
        value: bytesOf(MiB, 5),
        headers: [['a', bytesOf(MiB, 6)]],
        topic: 't'.repeat(249),
      }),
    ],
  ];
  for (const [what, record] of hostile) {
    it(`cuts ${what} to the cap, with the sizes and digests of the original`, () => {
      const { letter, bytes } = letterOf(record);
      expect(bytes).toBeLessThanOrEqual(CAP + DEAD_LETTER_OVERHEAD_BYTES);
      expect(letter.original_truncated).toBe(true);
      expect(letter.original_key_size).toBe(record.key!.length);
      expect(letter.original_value_size).toBe(record.value!.length);
      const keptKey = letter.original_key!;
      const keptValue = letter.original_value!;
      expect(record.key!.subarray(0, keptKey.length)).toEqual(keptKey);
      expect(record.value!.subarray(0, keptValue.length)).toEqual(keptValue);
      expect(letter.original_key_sha256).toBe(
        keptKey.length < record.key!.length ? sha256(record.key!) : null,
      );
      expect(letter.original_value_sha256).toBe(
        keptValue.length < record.value!.length ? sha256(record.value!) : null,
      );
      expect(letter.original_headers.length + letter.original_headers_dropped).toBe(
        Object.keys(record.headers).length,
      );
      expect(letter.message.length).toBeLessThanOrEqual(1001);
    });
  }

  it('keys the dead letter by the original key, or by its digest when that is over 1 KiB', () => {
    const small = input({});
    expect(deadLetterRecord(toDeadLetter(small, error, 1, CAP), small, undefined).key).toEqual(
      Buffer.from('user-1'),
    );
    const large = input({ key: bytesOf(4096, 7) });
    expect(deadLetterRecord(toDeadLetter(large, error, 1, CAP), large, undefined).key).toBe(
      sha256(large.key!),
    );
  });

  it('reads a dead letter written with the schema before the cap: the new fields take their defaults', () => {
    const before = avro.Type.forSchema({
      type: 'record',
      name: 'DeadLetter',
      namespace: 'sluice.deadletters',
      fields: [
        { name: 'original_key', type: ['null', 'bytes'], default: null },
        { name: 'original_value', type: ['null', 'bytes'], default: null },
        { name: 'source_topic', type: 'string' },
        { name: 'source_partition', type: 'int' },
        { name: 'source_offset', type: 'long' },
        {
          name: 'stage',
          type: { type: 'enum', name: 'Stage', symbols: ['decode', 'validate', 'enrich', 'infer'] },
        },
        { name: 'error_class', type: 'string' },
        { name: 'message', type: 'string' },
        { name: 'failed_at', type: 'long' },
      ],
    });
    const old = before.toBuffer({
      original_key: Buffer.from('k'),
      original_value: Buffer.from('v'),
      source_topic: 'events',
      source_partition: 1,
      source_offset: 2,
      stage: 'decode',
      error_class: 'SLUICE_DECODE_EMPTY',
      message: 'm',
      failed_at: 3,
    });
    const read = codecs.deadLetter.type.fromBuffer(
      old,
      codecs.deadLetter.type.createResolver(before),
    ) as DeadLetter;
    expect(read.original_value).toEqual(Buffer.from('v'));
    expect(read.original_truncated).toBe(false);
    expect(read.original_headers).toEqual([]);
    expect(read.original_value_size).toBeNull();
  });
});
