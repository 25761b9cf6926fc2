import { Command, Option } from 'commander';
import { ConfigError } from '../../core/errors.ts';
import { createLogger } from '../../core/logger.ts';
import { connectRedis } from '../../core/redis-connect.ts';
import { loadConfig } from '../config/index.ts';
import { loadConfiguredModel } from '../configured-model.ts';
import { loadFeatureFile } from './load-feature-file.ts';
import { progressReporter } from './progress-reporter.ts';

const BAD_ROWS_PRINTED = 50;

async function load(file: string, options: { view: string; batch: string; config?: string }): Promise<void> {
  const loaded = loadConfig({ file: options.config });
  // The model's view takes its fields from the bundle; any other view must declare its own.
  const config = { ...loaded, features: loadConfiguredModel(loaded).features };
  const view = config.features.views[options.view];
  if (!view) {
    throw new ConfigError(
      'SLUICE_CONFIG_INVALID',
      `--view ${options.view}: no such view under features.views (have: ${Object.keys(config.features.views).join(', ')})`,
      { subject: 'features.views' },
    );
  }
  const url = config.features.redis.url;
  if (!url) {
    throw new ConfigError(
      'SLUICE_CONFIG_INVALID',
      'features.redis.url: not set; set REDIS_URL to the Redis to load into',
      {
        subject: 'features.redis.url',
      },
    );
  }
  const client = await connectRedis({
    url,
    source: process.env.REDIS_URL === url ? 'REDIS_URL' : 'features.redis.url',
    connectTimeoutMs: config.features.redis.connectTimeoutMs,
    caFile: config.features.redis.caFile,
    caFileKey: 'features.redis.caFile',
    logger: createLogger('warn'),
    name: 'sluice-features-load',
    codes: {
      authFailed: 'SLUICE_FEATURE_STORE_AUTH_FAILED',
      unavailable: 'SLUICE_FEATURE_STORE_UNAVAILABLE',
    },
  });
  const progress = progressReporter(process.stderr, `loading ${file}`);
  try {
    const summary = await loadFeatureFile({
      file,
      client,
      view,
      batchSize: Number(options.batch),
      onProgress: ({ bytesRead, totalBytes, loaded, bad }) =>
        progress.update(bytesRead, totalBytes, `${loaded.toLocaleString('en-US')} rows, ${bad} bad`),
    });
    progress.finish();
    for (const bad of summary.badRows.slice(0, BAD_ROWS_PRINTED)) {
      process.stdout.write(`bad row: ${file}:${bad.lineNo}: ${bad.reason}\n`);
    }
    if (summary.badRows.length > BAD_ROWS_PRINTED) {
      process.stdout.write(`... and ${summary.badRows.length - BAD_ROWS_PRINTED} more bad rows\n`);
    }
    process.stdout.write(
      `loaded ${summary.loaded.toLocaleString('en-US')} rows into view "${options.view}" ` +
        `(${view.layout} layout, keys ${view.keyTemplate}); ${summary.badRows.length} bad rows skipped; ` +
        `${(summary.elapsedMs / 1000).toFixed(2)} s, ${Math.round(summary.rowsPerSecond).toLocaleString('en-US')} rows/s\n`,
    );
  } finally {
    client.disconnect();
  }
}

/** `sluice features load <file> --view user`: the feature loader. */
export function featuresCommand(): Command {
  const features = new Command('features').description('manage the Redis feature store');
  features
    .command('load <file>')
    .description("load a CSV (header line first) or JSONL file of entities into Redis, in the view's layout")
    .requiredOption('--view <name>', 'feature view under features.views')
    .option('--batch <rows>', 'writes per pipeline (one round trip each)', '1000')
    .addOption(new Option('-c, --config <file>', 'YAML or JSON config file (default: $SLUICE_CONFIG)'))
    .action(load);
  return features;
}
