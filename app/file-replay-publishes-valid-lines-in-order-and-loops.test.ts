import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { silentLogger } from '../core/logger.ts';
import { eventsConfigSchema, loadEventContract } from '../processors/decode/index.ts';
import { EmbeddedTransport } from '../streams/embedded/index.ts';
import { waitFor } from '../tests/support/wait-for.ts';
import { FileEventSource } from './file-event-source.ts';

const sensor = (parseYaml(readFileSync('models/sensor/sluice.yaml', 'utf8')) as { events: unknown }).events;
const contract = loadEventContract(eventsConfigSchema.parse(sensor));

describe('the file replay (generator.file)', () => {
  it('publishes the valid lines in file order, keyed by the key field, skips bad ones, and loops up to maxEvents', async () => {
    const lines = readFileSync('models/sensor/events.jsonl', 'utf8').trim().split('\n').slice(0, 5);
    const file = join(mkdtempSync(join(tmpdir(), 'sluice-replay-')), 'readings.jsonl');
    writeFileSync(
      file,
      [lines[0], lines[1], '{"reading_id": 1}', lines[2], 'garbage', lines[3], lines[4]].join('\n'),
    );
    const transport = new EmbeddedTransport();
    await transport.ensureTopics([{ topic: 'events', partitions: 1 }]);
    const source = new FileEventSource({
      transport,
      topic: 'events',
      file,
      contract,
      ratePerSecond: 5000,
      loop: true,
      maxEvents: 12,
      logger: silentLogger,
    });
    await source.start();
    await waitFor(() => transport.readAll('events').length >= 12, 10_000, '12 replayed events');
    await source.stop();
    const records = transport.readAll('events');
    expect(records).toHaveLength(12);
    expect(source.badLines).toBe(2);
    const ids = records.map(
      (r) => (contract.codec.type.fromBuffer(r.value!) as { reading_id: string }).reading_id,
    );
    const fileIds = lines.map((l) => (JSON.parse(l!) as { reading_id: string }).reading_id);
    expect(ids).toEqual([...fileIds, ...fileIds, ...fileIds.slice(0, 2)]);
    for (const r of records) {
      const event = contract.codec.type.fromBuffer(r.value!) as { device_id: string };
      expect(r.key?.toString()).toBe(event.device_id);
    }
    await transport.close();
  });

  it('refuses a file that does not exist, naming generator.file', async () => {
    const source = new FileEventSource({
      transport: new EmbeddedTransport(),
      topic: 'events',
      file: '/no/such/readings.jsonl',
      contract,
      ratePerSecond: 10,
      loop: false,
      maxEvents: 0,
      logger: silentLogger,
    });
    await expect(source.start()).rejects.toThrow(/^generator\.file: ENOENT/);
  });
});
