import fc from 'fast-check';
import { Registry } from 'prom-client';
import { afterAll, describe, expect, it } from 'vitest';
import { codecs, type DeadLetter, type Prediction } from '../../schemas/index.ts';
import type { OutgoingRecord } from '../../streams/index.ts';
import { closeSharedScorer, generatedRecords, waitFor } from '../support/embedded-harness.ts';
import {
  KAFKA_CLIENTS,
  kafkaConfig,
  openTransport,
  produceAll,
  readTopic,
  startKafkaTopology,
  uniqueNames,
} from '../support/kafka-pipeline.ts';
import { type OffsetInspection, ScoredOffsets, watchCommits } from '../support/scored-offsets.ts';

afterAll(closeSharedScorer);

const PARTITIONS = 3;
const PER_PARTITION = 300;
const VALID_TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

/** Header names that break code which keys plain objects by input: every Object.prototype property, and the empty name. */
const HOSTILE_NAMES = [...Object.getOwnPropertyNames(Object.prototype), ''];

type Header = [string, Buffer];

/** Generated headers: hostile names, arbitrary bytes (mostly not UTF-8), sometimes 200 of them. */
const headerLists = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.array(
      fc.tuple(
        fc.oneof(fc.constantFrom(...HOSTILE_NAMES), fc.string({ maxLength: 12 })),
        fc.uint8Array({ maxLength: 40 }),
      ),
      { maxLength: 8 },
    ),
  },
  {
    weight: 1,
    arbitrary: fc.constant(
      Array.from({ length: 200 }, (_, i): [string, Uint8Array] => [
        HOSTILE_NAMES[i % HOSTILE_NAMES.length]! + i,
        new Uint8Array([0xff, i & 0xff]),
      ]),
    ),
  },
  { weight: 1, arbitrary: fc.constant([['traceparent', Buffer.alloc(400, 0x47)] as [string, Uint8Array]]) },
  {
    weight: 1,
    arbitrary: fc.constant([['traceparent', Buffer.from(VALID_TRACEPARENT)] as [string, Uint8Array]]),
  },
);

/** A header map as a producer sends it: no prototype, so `__proto__` is a name like any other. */
function headerObject(list: readonly Header[]): Record<string, Buffer> {
  const out = Object.create(null) as Record<string, Buffer>;
  for (const [name, value] of list) out[name] = value;
  return out;
}

describe.each(KAFKA_CLIENTS)('hostile headers on Kafka with the %s client', (client) => {
  it('never lose an event: every valid one is scored exactly once, poison pills keep their headers, and no commit passes an unscored record', async () => {
    const names = uniqueNames(`hostile-${client}`);
    const config = kafkaConfig(client, names, { topics: { partitions: PARTITIONS } });
    const transport = (await openTransport(config)) as Awaited<ReturnType<typeof openTransport>> &
      OffsetInspection;
    const scored = new ScoredOffsets();
    const registry = new Registry();
    const topology = await startKafkaTopology(config, transport, { predictionStore: scored, registry });

    const headerSamples = fc.sample(headerLists, { numRuns: PARTITIONS * PER_PARTITION, seed: 20261201 });
    const events = generatedRecords(PARTITIONS * PER_PARTITION, 91);
    // Explicit partitions on a fresh topic: record i of a partition gets offset i, so the test knows
    // which offsets hold valid events without reading the topic back.
    const records: OutgoingRecord[] = [];
    const poison = new Map<string, Header[]>();
    const validIds = new Set<string>();
    let invalidTraceparents = 0;
    events.forEach((event, i) => {
      const partition = i % PARTITIONS;
      const offset = Math.floor(i / PARTITIONS);
      const headers = headerSamples[i]!.map(([name, value]): Header => [name, Buffer.from(value)]);
      const isPoison = offset % 37 === 5;
      if (isPoison) poison.set(`${partition}@${offset}`, headers);
      else validIds.add(event.eventId);
      // Predictions and dead letters alike carry a traceparent only when it is valid.
      const traceparent = headers.filter(([name]) => name === 'traceparent').at(-1)?.[1];
      if (traceparent && traceparent.toString() !== VALID_TRACEPARENT) invalidTraceparents++;
      records.push({
        key: event.record.key,
        value: isPoison ? Buffer.from([0xde, 0xad, partition, offset & 0xff]) : event.record.value,
        headers: headerObject(headers),
        partition,
      });
    });
    const watch = watchCommits(
      async () => transport.committedOffsets(names.groupId, names.topics.events),
      scored,
      (partition, offset) => !poison.has(`${partition}@${offset}`),
    );
    try {
      await produceAll(transport, names.topics.events, records, 500);
      await waitFor(
        () => topology.totals.delivered + topology.totals.deadLetters >= records.length,
        90_000,
        'every record handled',
      );
      await topology.stop(10_000);
      expect(await watch.stop(), 'a commit passed an unscored record').toBeUndefined();

      expect(scored.eventIds.size).toBe(validIds.size);
      for (const id of validIds) expect(scored.eventIds.get(id), id).toBe(1);
      expect(await transport.committedOffsets(names.groupId, names.topics.events)).toEqual(
        await transport.endOffsets(names.topics.events),
      );

      const letters = await readTopic(transport, names.topics.deadLetters, poison.size, 30_000);
      expect(letters).toHaveLength(poison.size);
      for (const record of letters) {
        const letter = codecs.deadLetter.type.fromBuffer(record.value!) as DeadLetter;
        const sent = poison.get(`${letter.source_partition}@${letter.source_offset}`)!;
        // One header per name, the last value of a repeated one (compared by name: a header map
        // lists integer-like names first, as JavaScript orders object keys).
        const expected = new Map<string, Buffer>();
        for (const [name, value] of sent) expected.set(name, value);
        const byName = (a: [string, Buffer], b: [string, Buffer]) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);
        expect(letter.original_headers.map((h): [string, Buffer] => [h.name, h.value]).sort(byName)).toEqual(
          [...expected].sort(byName),
        );
      }

      const predictions = await readTopic(transport, names.topics.predictions, validIds.size, 30_000);
      for (const record of predictions) {
        const prediction = codecs.prediction.type.fromBuffer(record.value!) as Prediction;
        const carried = record.headers.traceparent?.toString();
        // Only a valid traceparent is carried on; garbage is dropped.
        if (carried !== undefined) expect(carried, prediction.event_id).toBe(VALID_TRACEPARENT);
      }
      const metric = await registry.getSingleMetric('sluice_invalid_traceparent_total')?.get();
      expect(metric?.values[0]?.value).toBe(invalidTraceparents);
    } finally {
      await watch.stop();
      await topology.stop(1000);
      await transport.close();
    }
  }, 180_000);
});
