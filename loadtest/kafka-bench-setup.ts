/**
 * What the Kafka benches (`bench kafka`, `bench kafka-steady`) share to set up their runs: a private
 * Redis loaded with the fraud features, a transport for setup and read-back, the Sluice child's
 * environment, and the command-line options that pick which Sluice runs and how.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { configSchema } from '../app/config/index.ts';
import { freePort } from '../core/free-port.ts';
import { silentLogger } from '../core/logger.ts';
import { deadLetterTopicSpec } from '../processors/encode/dead-letter-room.ts';
import type { OutgoingRecord, TopicSpec, Transport } from '../streams/index.ts';
import { createKafkaTransport } from '../streams/kafka/index.ts';
import type { KafkaClientName, names } from './kafka-bench.ts';
import { startPrivateRedis } from './private-redis.ts';
import type { SluiceEntry } from './sluice-process.ts';

export interface Context {
  dir: string;
  brokers: string[];
  redisUrl: string;
  transport: Transport;
  records: OutgoingRecord[];
  extraEnv: Record<string, string>;
  logDir: string;
  decisions: boolean;
  nodeArgs: string[];
  entry: SluiceEntry;
  memory: boolean;
  /** Sluice processes in the group (each its own member); CPU and RSS are their sums. */
  replicas: number;
  /** Create Sluice's own topics before it starts, so its startup is timed as a restart's. */
  topicsExist: boolean;
}

/**
 * A client to run Sluice with: one of the adapters, or `default`, which sets none, so Sluice uses
 * its own default (how `ab-bench` compares commits whose defaults differ).
 */
export type SluiceClient = KafkaClientName | 'default';

/** The child's environment: the topics, group and client of this run, Redis enrichment, a free port. */
export async function sluiceEnv(n: ReturnType<typeof names>, client: SluiceClient, ctx: Context) {
  return {
    KAFKA_BROKERS: ctx.brokers.join(','),
    REDIS_URL: ctx.redisUrl,
    SLUICE_PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
    ...(client === 'default' ? {} : { SLUICE_TRANSPORT__KAFKA__CLIENT: client }),
    SLUICE_TOPICS__EVENTS: n.events,
    SLUICE_TOPICS__PREDICTIONS: n.out,
    SLUICE_TOPICS__DEAD_LETTERS: n.dlq,
    SLUICE_TOPICS__DRIFT: n.drift,
    SLUICE_TOPICS__DRIFT_PARTIALS: `${n.drift}.partials`,
    SLUICE_TOPICS__ALERTS: `${n.drift}.alerts`,
    SLUICE_TOPICS__PARTITIONS: '6',
    SLUICE_CONSUMER__GROUP_ID: n.group,
    ...(ctx.decisions ? { LOG_LEVEL: 'debug' } : {}),
    ...ctx.extraEnv,
  };
}

/**
 * The topics Sluice creates for itself when they are missing (dead letters, drift, its partials and
 * alerts), as it would create them: with them in place, a start is timed as a restart is.
 */
export function sluiceOwnTopics(n: ReturnType<typeof names>): TopicSpec[] {
  const { maxOriginalBytes } = configSchema.parse({}).deadLetters;
  return [
    deadLetterTopicSpec(n.dlq, 6, maxOriginalBytes),
    { topic: n.drift, partitions: 6 },
    { topic: `${n.drift}.partials`, partitions: 1 },
    { topic: `${n.drift}.alerts`, partitions: 6 },
  ];
}

export function loadFeatures(dir: string, redisUrl: string): void {
  const loaded = spawnSync(
    process.execPath,
    ['bin/sluice.js', 'features', 'load', 'models/fraud/user-features.jsonl', '--view', 'user'],
    { cwd: dir, env: { ...process.env, REDIS_URL: redisUrl }, encoding: 'utf8' },
  );
  if (loaded.status !== 0) throw new Error(`sluice features load failed: ${loaded.stderr}`);
}

export function parseEnv(pairs: string[]): Record<string, string> {
  return Object.fromEntries(
    pairs.map((pair) => {
      const at = pair.indexOf('=');
      if (at <= 0)
        throw new Error(`--env ${pair}: expected NAME=value, e.g. SLUICE_BATCH__MAX_BATCH_SIZE=1000`);
      return [pair.slice(0, at), pair.slice(at + 1)];
    }),
  );
}

/** What both Kafka benches take from the command line to set up their runs. */
export interface BenchSetup {
  sluiceDir: string;
  env: string[];
  decisions?: boolean;
  nodeArgs?: string;
  /** `dist` builds (scripts/build.sh in the checkout) and runs the compiled entry. */
  entry?: string;
  /** Sample the process's /metrics for a memory breakdown at its highest RSS. */
  memory?: boolean;
  /** Sluice processes in the group (`bench kafka` only). */
  replicas?: string;
  /** Sluice's own topics exist before it starts (a restart). */
  topicsExist?: boolean;
}

/** A private Redis loaded with the fraud features, a transport for setup and read-back, the runs' settings. */
export async function openContext(
  options: BenchSetup,
  records: OutgoingRecord[],
): Promise<{ ctx: Context; close(): Promise<void> }> {
  const brokers = process.env.KAFKA_BROKERS?.split(',');
  if (!brokers)
    throw new Error('KAFKA_BROKERS is not set: `npm run services -- up && source .sluice/services/env`');
  const dir = resolve(options.sluiceDir);
  const redis = await startPrivateRedis();
  const kafka = configSchema.parse({ transport: { kafka: { brokers } } }).transport.kafka;
  const transport = await createKafkaTransport(kafka, silentLogger);
  const logDir = resolve('.sluice/bench-logs');
  mkdirSync(logDir, { recursive: true });
  const ctx: Context = {
    dir,
    brokers,
    redisUrl: redis.url,
    transport,
    records,
    extraEnv: parseEnv(options.env),
    logDir,
    decisions: options.decisions === true,
    nodeArgs: options.nodeArgs?.split(' ').filter(Boolean) ?? [],
    entry: options.entry === 'dist' ? 'dist' : 'tsx',
    memory: options.memory === true,
    replicas: Math.max(1, Number(options.replicas ?? 1)),
    topicsExist: options.topicsExist === true,
  };
  if (ctx.entry === 'dist') {
    const built = spawnSync('bash', ['scripts/build.sh'], { cwd: dir, encoding: 'utf8' });
    if (built.status !== 0) throw new Error(`scripts/build.sh failed in ${dir}: ${built.stderr}`);
  }
  try {
    loadFeatures(dir, redis.url);
  } catch (error) {
    await transport.close();
    await redis.stop();
    throw error;
  }
  return {
    ctx,
    close: async () => {
      await transport.close();
      await redis.stop();
    },
  };
}

/** The options both Kafka benches share: which Sluice runs, and how. */
export function withSetupOptions(command: Command): Command {
  return command
    .option('--sluice-dir <dir>', 'the checkout whose Sluice runs', '.')
    .option('--env <NAME=value...>', 'extra environment for Sluice (config keys as SLUICE_A__B)', [])
    .option(
      '--node-args <args>',
      "extra Node flags for Sluice's process, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof'",
    )
    .option(
      '--entry <tsx|dist>',
      'run app/main.ts through tsx (npm start) or the compiled dist/ (built first)',
      'tsx',
    )
    .option('--memory', "sample Sluice's /metrics every 250 ms for its memory by kind at its highest RSS");
}
