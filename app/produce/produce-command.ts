import type avro from 'avsc';
import { Command, Option } from 'commander';
import { ConfigError, errorMessage } from '../../core/errors.ts';
import { createLogger } from '../../core/logger.ts';
import {
  type AvroCodec,
  frameWithSchemaId,
  readSchemaFile,
  SchemaRegistryClient,
} from '../../schemas/index.ts';
import { loadConfig } from '../config/index.ts';
import { createTransport } from '../create-transport.ts';
import { progressReporter } from '../features-load/progress-reporter.ts';
import { publishEventFile } from './publish-event-file.ts';

const BAD_LINES_PRINTED = 50;

interface ProduceOptions {
  schema: string;
  topic: string;
  keyField: string;
  rate: string;
  config?: string;
}

function readSchema(path: string): { schema: avro.Schema; codec: AvroCodec<object> } {
  try {
    return readSchemaFile<object>(path);
  } catch (error) {
    throw new ConfigError(
      'SLUICE_CONFIG_INVALID',
      `--schema ${path}: not a readable Avro schema: ${errorMessage(error)}`,
      {
        subject: '--schema',
      },
    );
  }
}

async function produce(file: string, options: ProduceOptions): Promise<void> {
  const config = loadConfig({ file: options.config });
  if (config.transport.kind !== 'kafka') {
    throw new ConfigError(
      'SLUICE_CONFIG_INVALID',
      'transport.kind: sluice produce publishes to Kafka; set KAFKA_BROKERS (or transport.kafka.brokers)',
      { subject: 'transport.kind' },
    );
  }
  const rate = Number(options.rate);
  if (!Number.isFinite(rate) || rate < 0)
    throw new ConfigError('SLUICE_CONFIG_INVALID', `--rate ${options.rate}: events per second, 0 or more`, {
      subject: '--rate',
    });
  const { schema, codec } = readSchema(options.schema);
  const fields = (schema as { fields?: Array<{ name: string }> }).fields ?? [];
  if (!fields.some((f) => f.name === options.keyField))
    throw new ConfigError(
      'SLUICE_CONFIG_INVALID',
      `--key-field ${options.keyField}: not a field of ${options.schema} (fields: ${fields.map((f) => f.name).join(', ')})`,
      { subject: '--key-field' },
    );
  let frame: ((body: Buffer) => Buffer) | undefined;
  if (config.schemaRegistry.url) {
    const registry = new SchemaRegistryClient({ ...config.schemaRegistry, url: config.schemaRegistry.url });
    const id = await registry.register(`${options.topic}-value`, schema);
    frame = (body) => frameWithSchemaId(id, body);
  }
  const transport = await createTransport(config, createLogger('error'));
  // A missing topic is created with the partitions the pipeline would give it; an existing one is
  // left as it is (growing it would move keys to other partitions).
  const exists = await transport.describeTopicConfigs(options.topic).then(
    () => true,
    () => false,
  );
  if (!exists) {
    await transport.ensureTopics([{ topic: options.topic, partitions: config.topics.partitions }]);
    process.stderr.write(
      `created topic "${options.topic}" with ${config.topics.partitions} partitions (topics.partitions)\n`,
    );
  }
  const producer = await transport.createProducer();
  const progress = progressReporter(process.stderr, `publishing ${file}`);
  try {
    const summary = await publishEventFile({
      file,
      topic: options.topic,
      codec,
      keyField: options.keyField,
      producer,
      ratePerSecond: rate,
      frame,
      onProgress: (read, total, published, bad) =>
        progress.update(read, total, `${published.toLocaleString('en-US')} events, ${bad} bad`),
    });
    progress.finish();
    for (const bad of summary.badLines.slice(0, BAD_LINES_PRINTED))
      process.stdout.write(`bad line: ${file}:${bad.lineNo}: ${bad.reason}\n`);
    if (summary.badLines.length > BAD_LINES_PRINTED)
      process.stdout.write(`... and ${summary.badLines.length - BAD_LINES_PRINTED} more bad lines\n`);
    const seconds = summary.elapsedMs / 1000;
    process.stdout.write(
      `published ${summary.published.toLocaleString('en-US')} events to "${options.topic}" ` +
        `(${frame ? 'Confluent wire format' : 'Avro'}, keyed by ${options.keyField}); ${summary.badLines.length} bad lines skipped; ` +
        `${seconds.toFixed(2)} s, ${Math.round(summary.published / Math.max(seconds, 0.001)).toLocaleString('en-US')} events/s\n`,
    );
  } finally {
    await producer.close();
    await transport.close();
  }
}

/** `sluice produce <file>`: publishes a JSONL or CSV file of events to Kafka. */
export function produceCommand(): Command {
  return new Command('produce')
    .description(
      'publish a JSONL or CSV file of events to a Kafka topic as Avro, checking each line against the schema',
    )
    .argument('<file>', 'JSONL (one JSON object per line) or CSV (header line first)')
    .requiredOption('--schema <file.avsc>', 'the Avro schema each line must fit')
    .requiredOption('--topic <topic>', 'the topic to publish to')
    .requiredOption('--key-field <field>', 'the field whose value is the message key')
    .option('--rate <events/s>', 'at most this many events per second (0: as fast as the broker takes)', '0')
    .addOption(new Option('-c, --config <file>', 'YAML or JSON config file (default: $SLUICE_CONFIG)'))
    .action(produce);
}
