import { Command } from 'commander';
import { progressReporter } from '../features-load/progress-reporter.ts';
import { writeTrainingRows } from './write-training-rows.ts';

const BAD_LINES_PRINTED = 50;

/** `sluice training-data <events>`: a bundle's training CSV, written by the row writer the server runs. */
export function trainingDataCommand(): Command {
  return new Command('training-data')
    .description("write a model's training rows (CSV) from an event file, with the bundle's own row writer")
    .argument('<events>', 'JSONL or CSV of events of --schema')
    .requiredOption('--manifest <file>', "the bundle's manifest.json")
    .requiredOption('--schema <file.avsc>', 'the Avro schema of the events')
    .requiredOption('--out <file.csv>', 'where to write the rows')
    .option('--features <file.jsonl>', 'store features per entity (the memory seed format)')
    .option('--key-field <field>', 'the event field that keys the store features', 'key')
    .option('--label-field <field>', 'an event field written after the row as "label"')
    .action(async (events: string, options: Record<string, string | undefined>) => {
      const progress = progressReporter(process.stderr, `rows from ${events}`);
      const summary = await writeTrainingRows({
        events,
        manifest: options.manifest!,
        schema: options.schema!,
        out: options.out!,
        features: options.features,
        keyField: options.keyField!,
        labelField: options.labelField,
        onProgress: (read, total, rows) =>
          progress.update(read, total, `${rows.toLocaleString('en-US')} rows`),
      });
      progress.finish();
      for (const bad of summary.badLines.slice(0, BAD_LINES_PRINTED))
        process.stdout.write(`bad line: ${events}:${bad.lineNo}: ${bad.reason}\n`);
      if (summary.badLines.length > BAD_LINES_PRINTED)
        process.stdout.write(`... and ${summary.badLines.length - BAD_LINES_PRINTED} more bad lines\n`);
      process.stdout.write(
        `wrote ${summary.rows.toLocaleString('en-US')} rows of ${summary.columns.length} columns to ${options.out}; ${summary.badLines.length} bad lines skipped\n`,
      );
    });
}
