import { Command, Option } from 'commander';
import { ConfigError } from '../core/errors.ts';
import { createLogger } from '../core/logger.ts';
import { redactSecrets, scrubSecrets } from '../core/secrets.ts';
import { bundleCommand } from './bundle/bundle-command.ts';
import { loadConfig } from './config/index.ts';
import { driftCommand } from './drift/drift-command.ts';
import { featuresCommand } from './features-load/features-command.ts';
import { produceCommand } from './produce/produce-command.ts';
import { type RunningPipeline, runPipeline } from './run-pipeline.ts';
import { trainingDataCommand } from './training-data/training-data-command.ts';

/** Exit codes: 0 clean stop, 1 runtime failure, 2 bad config (the message names the key). */
const EXIT_CONFIG = 2;

function configOption(): Option {
  return new Option(
    '-c, --config <file>',
    'YAML or JSON config file (default: $SLUICE_CONFIG, else built-in defaults)',
  );
}

async function start(options: { config?: string }): Promise<void> {
  const config = loadConfig({ file: options.config });
  const logger = createLogger(config.log.level);
  let pipeline: RunningPipeline | undefined;
  let stopRequested = false;
  let signals = 0;
  const shutdown = (running: RunningPipeline) =>
    running.stop().then(
      ({ drained }) => {
        logger.info({ drained, ...running.topology.totals }, 'stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  // Installed before startup, so a signal while connecting or loading the model still drains
  // (once startup completes) instead of killing the process mid-way.
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      logger.warn({ signal }, 'second signal: exiting without draining');
      process.exit(130);
    }
    logger.info({ signal }, 'shutting down: draining in-flight batches and committing');
    const hardStop = setTimeout(() => {
      logger.error('shutdown took longer than 10 s; exiting');
      process.exit(1);
    }, 10_000);
    hardStop.unref();
    if (pipeline) void shutdown(pipeline);
    else stopRequested = true;
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  pipeline = await runPipeline(config, logger);
  if (stopRequested) void shutdown(pipeline);
}

function validate(options: { config?: string; showSecrets?: boolean }): void {
  const config = loadConfig({ file: options.config });
  const printed = options.showSecrets ? config : redactSecrets(config);
  process.stdout.write(`${JSON.stringify(printed, null, 2)}\n`);
}

/** The `sluice` command line; `npm start` runs `sluice start`. */
export function buildCli(): Command {
  const program = new Command('sluice')
    .description('Real-time scoring of event streams')
    .showHelpAfterError();
  program
    .command('start', { isDefault: true })
    .description('run the pipeline')
    .addOption(configOption())
    .action(start);
  program.addCommand(featuresCommand());
  program.addCommand(trainingDataCommand());
  program.addCommand(bundleCommand());
  program.addCommand(produceCommand());
  program.addCommand(driftCommand());
  program
    .command('config')
    .description('validate the config and print it with every default filled in (secrets as ***)')
    .addOption(configOption())
    .option('--show-secrets', 'print passwords and URL credentials in clear')
    .action(validate);
  return program;
}

/**
 * Runs the CLI; a ConfigError at any point prints its message and exits 2. What it prints is
 * scrubbed of the config's secrets (a client library's message may echo one).
 */
export async function runCli(argv: string[]): Promise<void> {
  try {
    await buildCli().parseAsync(argv);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`sluice: ${scrubSecrets(error.message)}\n`);
      process.exit(EXIT_CONFIG);
    }
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    process.stderr.write(`sluice: ${scrubSecrets(text)}\n`);
    process.exit(1);
  }
}
