import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import avro from 'avsc';
import { describe, expect, it, onTestFinished } from 'vitest';
import { unframe } from '../../schemas/index.ts';
import { startCli } from '../support/cli-process.ts';
import {
  openConfluentTransport,
  pollUntil,
  RecordingListener,
  requireKafkaBrokers,
  uniqueName,
} from '../support/kafka-harness.ts';
import { startStandInRegistry } from '../support/stand-in-schema-registry.ts';

describe('sluice produce with a schema registry', () => {
  it('publishes the good rows of a CSV in the Confluent wire format, keyed by the key field, and names the bad ones', async () => {
    const brokers = requireKafkaBrokers().join(',');
    const registry = await startStandInRegistry();
    onTestFinished(() => registry.close());
    const topic = uniqueName('produce-csv');
    const csv = join(mkdtempSync(join(tmpdir(), 'sluice-produce-')), 'readings.csv');
    writeFileSync(
      csv,
      [
        'reading_id,device_id,event_time,temperature_c,vibration_mm_s,pressure_kpa,site',
        'r1,dev-0001,1796083200000,61.5,2.25,840,plant-a',
        'r2,"dev-0002",1796083201000,59,1.5,810.5,"plant, b"',
        'r3,dev-0001,1796083202000,warm,1.5,800,plant-a',
        'r4,dev-0003,1796083203000,70',
        'r5,dev-0001,1796083204000,62,2,845,plant-a',
      ].join('\n'),
    );
    const cli = startCli(
      [
        'produce',
        '--schema',
        'models/sensor/sensor-reading.avsc',
        '--topic',
        topic,
        '--key-field',
        'device_id',
        csv,
      ],
      { KAFKA_BROKERS: brokers, SLUICE_SCHEMA_REGISTRY__URL: registry.url },
    );
    onTestFinished(() => {
      if (cli.child.exitCode === null) cli.child.kill('SIGKILL');
    });
    expect(await cli.exited, cli.output()).toBe(0);
    const output = cli.output();
    expect(output).toContain(`bad line: ${csv}:4: field "temperature_c": "warm" is not a double`);
    expect(output).toContain(`bad line: ${csv}:5: expected 7 columns`);
    expect(output).toContain(
      `published 3 events to "${topic}" (Confluent wire format, keyed by device_id); 2 bad lines skipped`,
    );

    const transport = await openConfluentTransport();
    try {
      const consumer = await transport.createConsumer({
        groupId: uniqueName('produce-reader'),
        rebalance: new RecordingListener(),
        fromBeginning: true,
      });
      await consumer.subscribe([topic]);
      const records = await pollUntil(consumer, (r) => r.length >= 3, 30_000, 'the 3 published readings');
      await consumer.close();
      const type = avro.Type.forSchema(JSON.parse(readFileSync('models/sensor/sensor-reading.avsc', 'utf8')));
      const readings = records
        .map((r) => {
          const framed = unframe(r.value!);
          if (!framed.ok) throw new Error(framed.message);
          expect(framed.schemaId).toBe(1);
          return { key: r.key?.toString(), reading: type.fromBuffer(framed.body) as Record<string, unknown> };
        })
        .sort((a, b) => String(a.reading.reading_id).localeCompare(String(b.reading.reading_id)));
      expect(readings.map((r) => [r.key, r.reading.reading_id, r.reading.site])).toEqual([
        ['dev-0001', 'r1', 'plant-a'],
        ['dev-0002', 'r2', 'plant, b'],
        ['dev-0001', 'r5', 'plant-a'],
      ]);
      expect(readings[1]!.reading.pressure_kpa).toBe(810.5);
    } finally {
      await transport.close();
    }
  }, 60_000);
});
