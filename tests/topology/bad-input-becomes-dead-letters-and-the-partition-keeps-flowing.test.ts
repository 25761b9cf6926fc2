import avro from 'avsc';
import { afterAll, describe, expect, it } from 'vitest';
import { codecs } from '../../schemas/index.ts';
import type { OutgoingRecord } from '../../streams/index.ts';
import {
  closeSharedScorer,
  generatedRecords,
  readDeadLetters,
  readPredictions,
  startEmbeddedTopology,
  waitFor,
} from '../support/embedded-harness.ts';
import { eventSchemaWithout } from '../support/event-schema-without.ts';

afterAll(closeSharedScorer);

function badRecords(KEY: string): Array<{ name: string; record: OutgoingRecord; code: string }> {
  const valid = {
    event_id: 'bad',
    key: KEY,
    event_time: Date.now(),
    amount: 10,
    merchant_category: 'grocery',
    country: 'US',
    channel: 'POS' as const,
  };
  const otherSchema = avro.Type.forSchema({
    type: 'record',
    name: 'Click',
    fields: [
      { name: 'url', type: 'string' },
      { name: 'ms', type: 'long' },
    ],
  });
  const noAmount = eventSchemaWithout('amount');
  const { amount: _a, ...withoutAmount } = valid;
  return [
    {
      name: 'not Avro',
      record: { key: KEY, value: Buffer.from('definitely not avro \u0000\u00ff') },
      code: 'SLUICE_DECODE_',
    },
    {
      name: 'wrong schema',
      record: { key: KEY, value: otherSchema.toBuffer({ url: 'https://example.test/', ms: 5 }) },
      code: 'SLUICE_DECODE_',
    },
    {
      name: 'NaN',
      record: { key: KEY, value: codecs.event.encode({ ...valid, amount: Number.NaN }) },
      code: 'SLUICE_VALIDATE_NOT_FINITE',
    },
    {
      name: 'Infinity',
      record: { key: KEY, value: codecs.event.encode({ ...valid, amount: Number.POSITIVE_INFINITY }) },
      code: 'SLUICE_VALIDATE_NOT_FINITE',
    },
    {
      name: 'missing field',
      record: { key: KEY, value: noAmount.toBuffer(withoutAmount) },
      code: 'SLUICE_DECODE_',
    },
    {
      name: 'empty field',
      record: { key: KEY, value: codecs.event.encode({ ...valid, event_id: '' }) },
      code: 'SLUICE_VALIDATE_MISSING_FIELD',
    },
    {
      name: 'oversized',
      record: { key: KEY, value: Buffer.alloc(200_000, 7) },
      code: 'SLUICE_DECODE_OVERSIZED',
    },
    { name: 'null value', record: { key: KEY, value: null }, code: 'SLUICE_DECODE_EMPTY' },
    {
      // Same key bytes, so it lands on the same partition, but the event names another entity.
      name: 'key disagreeing with the event',
      record: { key: KEY, value: codecs.event.encode({ ...valid, key: `${KEY}-other` }) },
      code: 'SLUICE_VALIDATE_KEY_MISMATCH',
    },
    {
      name: 'a string that is not UTF-8',
      record: { key: KEY, value: withRawCountry(valid, Buffer.from([0x55, 0xc3])) },
      code: 'SLUICE_VALIDATE_NOT_UTF8',
    },
  ];
}

/** The event with bytes of our choosing in `country`: a producer that does not write UTF-8. */
function withRawCountry(event: Record<string, unknown>, country: Buffer): Buffer {
  const schema = codecs.event.type.schema() as { fields: Array<{ name: string; type: unknown }> };
  const raw = avro.Type.forSchema({
    ...schema,
    fields: schema.fields.map((f) => (f.name === 'country' ? { ...f, type: 'bytes' } : f)),
  } as avro.Schema);
  return raw.toBuffer({ ...event, country });
}

describe('bad input', () => {
  it('becomes dead letters with reasons while every valid event around it is scored', async () => {
    const { transport, topology } = await startEmbeddedTopology({ config: { topics: { partitions: 2 } } });
    // One user, hence one key and one partition: the bad records sit between valid ones.
    const generated = generatedRecords(400, 11, 1);
    const valid = generated.map((e) => e.record);
    const bad = badRecords(generated[0]!.key);
    const mixed: OutgoingRecord[] = [];
    const step = Math.floor(valid.length / bad.length);
    valid.forEach((record, i) => {
      mixed.push(record);
      if (i % step === step >> 1 && bad[(i / step) | 0]) mixed.push(bad[(i / step) | 0]!.record);
    });
    const producer = await transport.createProducer();
    await producer.send('events', mixed);

    await waitFor(
      () => topology.totals.delivered + topology.totals.deadLetters >= mixed.length,
      20_000,
      'every record handled',
    );
    await topology.stop(5000);

    expect(readPredictions(transport)).toHaveLength(valid.length);
    const letters = readDeadLetters(transport);
    expect(letters).toHaveLength(bad.length);
    letters.forEach(({ letter, headers }, i) => {
      const expected = bad[i]!;
      expect(letter.error_class, expected.name).toContain(expected.code);
      expect(letter.source_topic).toBe('events');
      expect(letter.message.length).toBeGreaterThan(10);
      expect(headers['sluice-error-class']).toBe(letter.error_class);
      expect(headers['sluice-error-reason']).toBe(letter.message);
      expect(letter.original_value ?? null).toEqual(expected.record.value);
    });
    // The partition was committed through its end: nothing is stuck behind a poison pill.
    expect(transport.committedOffsets('sluice', 'events').map((o) => o ?? 0)).toEqual(
      transport.endOffsets('events'),
    );
  });
});
