/**
 * `node --import tsx loadtest/producer-cost-bench.ts`: the CPU a Kafka adapter's producer spends
 * per record, alone: sends of `--send` prediction-sized records (as the pipeline hands them over,
 * up to 8 in flight) to a 6-partition topic, timed by this process's CPU (all threads; the broker
 * is another process). Prints a table and writes JSON. The adapter comes from the working
 * directory's checkout, so ab-bench compares two commits' producers with one harness:
 *   ../shared/tools/ab-bench --base <commit> --cmd "node --import tsx $PWD/loadtest/producer-cost-bench.ts" \
 *     --metric 'cpu=producer ([0-9.]+) µs/record'
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

  await sendAll(); // warm-up: the JIT and the connection
  const micros: number[] = [];
  for (let run = 0; run < Number(options.runs); run++) {
    const before = process.cpuUsage();
    await sendAll();
    const used = process.cpuUsage(before);
    const perRecord = (used.user + used.system) / total;
    micros.push(perRecord);
    process.stderr.write(`producer-cost: run ${run + 1}: ${perRecord.toFixed(2)} µs/record\n`);
  }
  await producer.close();
  await transport.close();

  const result = { client: options.client, records: total, perSend, microsPerRecord: median(micros) };
  printTable({
    title: `Producer CPU per record, ${total} records in sends of ${perSend} (${checkout})`,
    columns: ['client', 'CPU µs/record (median)'],
    rows: [[options.client, result.microsPerRecord.toFixed(2)]],
  });
  console.log(`producer ${result.microsPerRecord.toFixed(2)} µs/record`);
  writeJson('producer-cost', result);
}

await new Command('producer-cost-bench')
  .option('--records <n>', 'records per run', '200000')
  .option('--send <n>', 'records per send', '256')
  .option('--runs <n>', 'runs after a warm-up (the median is reported)', '5')
  .option('--client <name>', 'transport.kafka.client', 'platformatic')
  .action(producerCost)
  .parseAsync();
