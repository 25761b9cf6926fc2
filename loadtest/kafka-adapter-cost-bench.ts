/**
 * `node --import tsx loadtest/kafka-adapter-cost-bench.ts`: the CPU a Kafka adapter spends per
 * record, alone, on each side. Producer: sends of `--send` prediction-sized records (as the
 * pipeline hands them over, up to 8 in flight) to a 6-partition topic. Consumer: a fresh group
 * polls them back (5,000 at a time, as the engine asks) and commits. Timed by this process's CPU
 * (all threads; the broker is another process). Prints a table and writes JSON. The adapter comes
 * from the working directory's checkout, so ab-bench compares two commits with one harness:
 *   ../shared/tools/ab-bench --base <commit> --cmd "node --import tsx $PWD/loadtest/kafka-adapter-cost-bench.ts" \
 *     --metric 'produce=producer ([0-9.]+) µs/record' --metric 'consume=consumer ([0-9.]+) µs/record'
 */
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { median, printTable, writeJson } from './report.ts';

interface Options {
  records: string;
  send: string;
  runs: string;
  client: string;
}

async function producerCost(options: Options): Promise<void> {
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
  const checkout = process.cwd();
  const { createKafkaTransport } = (await import(
    pathToFileURL(join(checkout, 'streams/kafka/index.ts')).href
  )) as typeof import('../streams/kafka/index.ts');
  const { configSchema } = (await import(
    pathToFileURL(join(checkout, 'app/config/index.ts')).href
  )) as typeof import('../app/config/index.ts');
  const { silentLogger } = (await import(
    pathToFileURL(join(checkout, 'core/logger.ts')).href
  )) as typeof import('../core/logger.ts');

  const total = Number(options.records);
  const perSend = Number(options.send);
  const config = configSchema.parse({ transport: { kafka: { brokers, client: options.client } } });
  const transport = await createKafkaTransport(config.transport.kafka, silentLogger);
  const topic = `bench-producer-cost-${Date.now().toString(36)}`;
  await transport.ensureTopics([{ topic, partitions: 6 }]);
  const producer = await transport.createProducer();
  const value = Buffer.alloc(120, 1);
  const records = Array.from({ length: total }, (_, i) => ({
    key: Buffer.from(`entity-${(i % 5000).toString().padStart(6, '0')}`),
    value,
  }));

  const sendAll = async () => {
    const inFlight = new Set<Promise<void>>();
    for (let i = 0; i < total; i += perSend) {
      const sent = producer.send(topic, records.slice(i, i + perSend));
      inFlight.add(sent);
      void sent.finally(() => inFlight.delete(sent));
      if (inFlight.size >= 8) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
  };

  /** Reads `expected` records back with a fresh group; returns how many came. */
  const consumeAll = async (group: string, expected: number) => {
    const consumer = await transport.createConsumer({
      groupId: group,
      fromBeginning: true,
      rebalance: { onAssigned: () => {}, onRevoked: () => {} },
    });
    await consumer.subscribe([topic]);
    let seen = 0;
    const last = new Map<number, number>();
    const deadline = Date.now() + 120_000;
    while (seen < expected && Date.now() < deadline) {
      for (const record of await consumer.poll(5000, 100)) {
        seen++;
        last.set(record.partition, record.offset);
      }
    }
    await consumer.commit([...last].map(([partition, offset]) => ({ topic, partition, offset: offset + 1 })));
    await consumer.close();
    return seen;
  };

  const cpuMicrosPerRecord = async (work: () => Promise<unknown>) => {
    const before = process.cpuUsage();
    await work();
    const used = process.cpuUsage(before);
    return (used.user + used.system) / total;
  };

  await sendAll(); // warm-up: the JIT and the connections
  await consumeAll(`${topic}-warm-up`, total);
  const produced: number[] = [];
  const consumed: number[] = [];
  for (let run = 0; run < Number(options.runs); run++) {
    produced.push(await cpuMicrosPerRecord(sendAll));
    const inTopic = total * (run + 2);
    // Each run's group reads the whole topic; per record of this run's share.
    const consumerMicros = await cpuMicrosPerRecord(() => consumeAll(`${topic}-run-${run}`, inTopic));
    consumed.push((consumerMicros * total) / inTopic);
    process.stderr.write(
      `adapter-cost: run ${run + 1}: producer ${produced.at(-1)!.toFixed(2)}, consumer ${consumed.at(-1)!.toFixed(2)} µs/record\n`,
    );
  }
  await producer.close();
  await transport.close();

  const result = {
    client: options.client,
    records: total,
    perSend,
    producerMicrosPerRecord: median(produced),
    consumerMicrosPerRecord: median(consumed),
  };
  printTable({
    title: `Kafka adapter CPU per record (all threads of this process), ${total} records in sends of ${perSend} (${checkout})`,
    columns: ['client', 'producer µs/record', 'consumer µs/record'],
    rows: [
      [options.client, result.producerMicrosPerRecord.toFixed(2), result.consumerMicrosPerRecord.toFixed(2)],
    ],
  });
  console.log(`producer ${result.producerMicrosPerRecord.toFixed(2)} µs/record`);
  console.log(`consumer ${result.consumerMicrosPerRecord.toFixed(2)} µs/record`);
  writeJson('kafka-adapter-cost', result);
}

await new Command('kafka-adapter-cost-bench')
  .option('--records <n>', 'records per run', '200000')
  .option('--send <n>', 'records per send', '256')
  .option('--runs <n>', 'runs after a warm-up (the median is reported)', '3')
  .option('--client <name>', 'transport.kafka.client', 'platformatic')
  .action(producerCost)
  .parseAsync();
