import { afterAll, describe, expect, it } from 'vitest';
import {
  codecs,
  type DeadLetter,
  frameWithSchemaId,
  type Prediction,
  SchemaRegistryClient,
  unframe,
} from '../../schemas/index.ts';
import type { OutgoingRecord } from '../../streams/index.ts';
import { closeSharedScorer, generatedRecords, waitFor } from '../support/embedded-harness.ts';
import {
  DEFAULT_KAFKA_CLIENT,
  kafkaConfig,
  openTransport,
  produceAll,
  readTopic,
  startKafkaTopology,
  uniqueNames,
} from '../support/kafka-pipeline.ts';
import { startStandInRegistry } from '../support/stand-in-schema-registry.ts';

afterAll(closeSharedScorer);

function bodyOf(framed: Buffer): Buffer {
  const frame = unframe(framed);
  if (!frame.ok) throw new Error('expected a Confluent wire-format frame');
  return frame.body;
}

describe.each([DEFAULT_KAFKA_CLIENT])('the Confluent wire format on Kafka with the %s client', (client) => {
  it('dead-letters non-Avro bytes, a wrong magic byte and an unknown schema id with their original bytes, keeps the partition flowing, and carries traceparent onto predictions', async () => {
    const registry = await startStandInRegistry();
    const eventSchemaId = registry.register(codecs.event.type.schema());
    const names = uniqueNames(`wire-${client}`);
    const config = kafkaConfig(client, names, { topics: { partitions: 1 } });
    const transport = await openTransport(config);
    const topology = await startKafkaTopology(config, transport, {
      schemaRegistry: new SchemaRegistryClient({ url: registry.url }),
    });
    try {
      const valid: OutgoingRecord[] = generatedRecords(300, 57).map((e, i) => ({
        key: e.record.key,
        value: frameWithSchemaId(eventSchemaId, e.record.value as Buffer),
        headers: { traceparent: `00-${(i + 1).toString(16).padStart(32, '0')}-00f067aa0ba902b7-01` },
      }));
      const pills: OutgoingRecord[] = [
        { key: 'user-000001', value: frameWithSchemaId(eventSchemaId, Buffer.from('not avro at all')) },
        {
          key: 'user-000001',
          value: Buffer.concat([Buffer.from([1]), (valid[0]!.value as Buffer).subarray(1)]),
        },
        { key: 'user-000001', value: frameWithSchemaId(9999, bodyOf(valid[0]!.value as Buffer)) },
      ];
      await produceAll(transport, names.topics.events, [
        ...valid.slice(0, 150),
        ...pills,
        ...valid.slice(150),
      ]);
      await waitFor(
        () => topology.totals.delivered >= 300 && topology.totals.deadLetters >= 3,
        60_000,
        'every record handled',
      );

      const letters = await readTopic(transport, names.topics.deadLetters, 3, 30_000);
      expect(letters).toHaveLength(3);
      const classes = letters.map((record, i) => {
        const letter = codecs.deadLetter.type.fromBuffer(bodyOf(record.value!)) as DeadLetter;
        expect(letter.original_value).toEqual(pills[i]!.value);
        expect(record.headers['sluice-error-reason']?.toString()).toBe(letter.message);
        return record.headers['sluice-error-class']?.toString();
      });
      expect(classes).toEqual([
        'SLUICE_DECODE_NOT_AVRO',
        'SLUICE_DECODE_BAD_MAGIC',
        'SLUICE_DECODE_UNKNOWN_SCHEMA_ID',
      ]);

      const predictions = await readTopic(transport, names.topics.predictions, 300, 30_000);
      expect(predictions).toHaveLength(300);
      const sentTrace = new Map(
        generatedRecords(300, 57).map((e, i) => [e.eventId, valid[i]!.headers!.traceparent]),
      );
      for (const record of predictions) {
        const prediction = codecs.prediction.type.fromBuffer(bodyOf(record.value!)) as Prediction;
        expect(record.headers.traceparent?.toString()).toBe(sentTrace.get(prediction.event_id));
      }
    } finally {
      await topology.stop(10_000);
      await transport.close();
      await registry.close();
    }
  }, 120_000);
});
