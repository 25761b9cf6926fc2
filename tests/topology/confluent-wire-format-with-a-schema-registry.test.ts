import avro from 'avsc';
import { afterAll, describe, expect, it } from 'vitest';
import {
  codecs,
  type DeadLetter,
  frameWithSchemaId,
  SchemaRegistryClient,
  unframe,
} from '../../schemas/index.ts';
import type { OutgoingRecord } from '../../streams/index.ts';
import {
  closeSharedScorer,
  generatedRecords,
  startEmbeddedTopology,
  waitFor,
} from '../support/embedded-harness.ts';
import { startStandInRegistry } from '../support/stand-in-schema-registry.ts';

afterAll(closeSharedScorer);

describe('with a schema registry', () => {
  it('reads framed events by writer schema, dead-letters bad magic, unknown ids and incompatible writers, and frames its outputs', async () => {
    const registry = await startStandInRegistry();
    const eventId = registry.register(codecs.event.type.schema());
    // An evolved producer: one extra field the reader ignores.
    const evolvedSchema = {
      ...(codecs.event.type.schema() as { fields: object[] }),
      fields: [
        ...(codecs.event.type.schema() as { fields: object[] }).fields,
        { name: 'device', type: 'string', default: '' },
      ],
    };
    const evolved = avro.Type.forSchema(evolvedSchema as avro.Schema);
    const evolvedId = registry.register(evolvedSchema);
    const noAmountSchema = {
      type: 'record',
      name: 'TransactionEvent',
      fields: [
        { name: 'event_id', type: 'string' },
        { name: 'key', type: 'string' },
      ],
    };
    const noAmountId = registry.register(noAmountSchema);

    const { transport, topology } = await startEmbeddedTopology({
      config: { topics: { partitions: 2 } },
      schemaRegistry: new SchemaRegistryClient({ url: registry.url }),
    });
    const events = generatedRecords(200, 71);
    const framed: OutgoingRecord[] = events.map((e, i) => {
      const body =
        i % 2 === 0
          ? e.record.value!
          : evolved.toBuffer({ ...(codecs.event.type.fromBuffer(e.record.value!) as object), device: 'ios' });
      return { key: e.record.key, value: frameWithSchemaId(i % 2 === 0 ? eventId : evolvedId, body) };
    });
    const bad: OutgoingRecord[] = [
      { key: 'k', value: Buffer.concat([Buffer.from([1]), events[0]!.record.value!]) },
      { key: 'k', value: frameWithSchemaId(9999, events[0]!.record.value!) },
      {
        key: 'k',
        value: frameWithSchemaId(
          noAmountId,
          avro.Type.forSchema(noAmountSchema as avro.Schema).toBuffer({ event_id: 'x', key: 'k' }),
        ),
      },
    ];
    const producer = await transport.createProducer();
    await producer.send('events', [...framed, ...bad]);
    await waitFor(
      () => topology.totals.delivered + topology.totals.deadLetters >= 203,
      20_000,
      'every record handled',
    );
    await topology.stop(5000);

    expect(topology.totals.delivered).toBe(200);
    const predictions = transport.readAll('predictions').map((r) => unframe(r.value!));
    expect(predictions.every((p) => p.ok)).toBe(true);
    const letters = transport.readAll('events.dlq').map((r) => {
      const frame = unframe(r.value!);
      if (!frame.ok) throw new Error('dead letter not framed');
      return codecs.deadLetter.type.fromBuffer(frame.body) as DeadLetter;
    });
    expect(letters.map((l) => l.error_class).sort()).toEqual(
      ['SLUICE_DECODE_BAD_MAGIC', 'SLUICE_DECODE_SCHEMA_MISMATCH', 'SLUICE_DECODE_UNKNOWN_SCHEMA_ID'].sort(),
    );
    expect(letters.find((l) => l.error_class === 'SLUICE_DECODE_UNKNOWN_SCHEMA_ID')!.message).toContain(
      '9999',
    );
    // Each writer id was looked up once, however many records carried it.
    expect(registry.lookups()).toBeLessThanOrEqual(4);
    await registry.close();
  });
});
