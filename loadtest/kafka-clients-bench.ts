/**
 * `npm run bench -- kafka-clients`: each Kafka client's own consume→produce pass-through on the
 * same broker, alternating within every run: the two Sluice has adapters for (confluent, kafkajs)
 * and @platformatic/kafka, which it has none for yet. The ceiling each client puts on Sluice.
 */

import type { Command } from 'commander';
import { measurePassThrough } from './kafka-bench.ts';
import { generateEncodedEvents } from './pipeline-bench.ts';
import { measurePlatformaticPassThrough } from './platformatic-pass-through.ts';
import { formatNumber, median, printTable, writeJson } from './report.ts';

const CLIENTS = ['platformatic', 'confluent', 'kafkajs'] as const;
type ClientName = (typeof CLIENTS)[number];

export async function kafkaClientsBench(options: {
  runs: string;
  events: string;
  clients: string;
}): Promise<void> {
  const brokers = process.env.KAFKA_BROKERS?.split(',');
  if (!brokers)
    throw new Error('KAFKA_BROKERS is not set: `npm run services -- up && source .sluice/services/env`');
  const clients = options.clients.split(',') as ClientName[];
  for (const c of clients)
    if (!CLIENTS.includes(c)) throw new Error(`--clients: "${c}" is not one of ${CLIENTS.join(', ')}`);
  const records = generateEncodedEvents(Number(options.events));
  const samples = new Map<ClientName, number[]>(clients.map((c) => [c, []]));
  for (let r = 0; r < Number(options.runs); r++) {
    for (const client of clients) {
      const rate =
        client === 'platformatic'
          ? await measurePlatformaticPassThrough(brokers, records)
          : await measurePassThrough(brokers, client, records);
      samples.get(client)!.push(rate);
      process.stderr.write(`bench kafka-clients: run ${r + 1}: ${client} ${formatNumber(rate)}/s\n`);
    }
  }
  printTable({
    title: `Raw consume→produce pass-through, ${formatNumber(records.length)} records over 6 partitions, commit after delivery; median of ${options.runs}`,
    columns: ['client', 'records/s'],
    rows: clients.map((c) => [c, formatNumber(median(samples.get(c)!))]),
  });
  for (const c of clients) process.stdout.write(`${c} raw ${formatNumber(median(samples.get(c)!))}/s\n`);
  process.stdout.write(`wrote ${writeJson('kafka-clients', { samples: Object.fromEntries(samples) })}\n`);
}

/** The options of `bench kafka-clients`. */
export function kafkaClientsCommand(command: Command): Command {
  return command
    .description(
      'each Kafka client alone, @platformatic/kafka included: raw consume→produce pass-through, alternating',
    )
    .option('--runs <n>', 'runs (the median is reported)', '3')
    .option('--events <n>', 'records per run', '100000')
    .option(
      '--clients <list>',
      'comma-separated: platformatic, confluent, kafkajs',
      'platformatic,confluent,kafkajs',
    )
    .action(kafkaClientsBench);
}
