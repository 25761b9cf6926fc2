import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { configSchema } from '../app/config/index.ts';
import { freePort } from '../core/free-port.ts';
import { silentLogger } from '../core/logger.ts';
import { codecs, type Prediction } from '../schemas/index.ts';
import { createKafkaTransport } from '../streams/kafka/index.ts';
import { generateEncodedEvents } from './pipeline-bench.ts';

/** What one kill-and-restart measured, ms from the SIGKILL. */
export interface RestartSample {
  staticMembership: boolean;
  /** Until the restarted instance's /readyz first answered 200. */
  readyMs: number;
  /** Until the first prediction of an event the restarted instance ingested reached the topic. */
  firstPredictionMs: number;
}

/** Events per second produced while an instance is killed and restarted. */
export const RESTART_RATE_PER_SECOND = 2000;

function startSluice(env: Record<string, string>): ChildProcess {
  const clean: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('SLUICE_') && !k.startsWith('KAFKA_') && !k.startsWith('REDIS_')) clean[k] = v;
  return spawn(process.execPath, ['--max-semi-space-size=64', '--import', 'tsx', 'app/main.ts', 'start'], {
    env: { ...clean, LOG_LEVEL: 'warn', ...env },
    stdio: 'ignore',
  });
}

async function ready(port: number): Promise<boolean> {
  try {
    return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
  } catch {
    return false;
  }
}

async function until(
  condition: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`restart bench: timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/**
 * The production entry point consuming a steady stream is SIGKILLed and started again at once
 * (as a supervisor would), with or without a static `group.instance.id`: how long until the new
 * process is ready, and until it delivers its first prediction. Without static membership the
 * dead member holds its partitions until its session times out (`sessionTimeoutMs`).
 */
export async function measureRestart(
  brokers: string[],
  staticMembership: boolean,
  sessionTimeoutMs: number,
): Promise<RestartSample> {
  const config = configSchema.parse({ transport: { kafka: { brokers, client: 'confluent' } } }).transport
    .kafka;
  const transport = await createKafkaTransport(config, silentLogger);
  const id = `restart-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  const topics = {
    events: `${id}-events`,
    predictions: `${id}-predictions`,
    dlq: `${id}-dlq`,
    drift: `${id}-drift`,
  };
  await transport.ensureTopics(Object.values(topics).map((topic) => ({ topic, partitions: 6 })));
  const env = {
    KAFKA_BROKERS: brokers.join(','),
    SLUICE_TOPICS__EVENTS: topics.events,
    SLUICE_TOPICS__PREDICTIONS: topics.predictions,
    SLUICE_TOPICS__DEAD_LETTERS: topics.dlq,
    SLUICE_TOPICS__DRIFT: topics.drift,
    SLUICE_TOPICS__PARTITIONS: '6',
    SLUICE_CONSUMER__GROUP_ID: id,
    SLUICE_TRANSPORT__KAFKA__SESSION_TIMEOUT_MS: String(sessionTimeoutMs),
    ...(staticMembership ? { SLUICE_TRANSPORT__KAFKA__GROUP_INSTANCE_ID: `${id}-0` } : {}),
  };
  // A steady stream for the whole run, so "first prediction" is about the consumer, not the input.
  const events = generateEncodedEvents(RESTART_RATE_PER_SECOND * 120);
  const producer = await transport.createProducer();
  let producing = true;
  const stream = (async () => {
    for (let i = 0; producing && i < events.length; i += RESTART_RATE_PER_SECOND / 20) {
      await producer.send(topics.events, events.slice(i, i + RESTART_RATE_PER_SECOND / 20));
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  // Predictions are read as they land; each carries its ingest time.
  let newestIngestMs = 0;
  const reader = await transport.createConsumer({
    groupId: `${id}-reader`,
    fromBeginning: true,
    rebalance: { onAssigned: () => {}, onRevoked: () => {} },
  });
  await reader.subscribe([topics.predictions]);
  let reading = true;
  const readLoop = (async () => {
    while (reading) {
      for (const record of await reader.poll(5000, 100)) {
        const p = codecs.prediction.type.fromBuffer(record.value!) as Prediction;
        if (p.ingest_time > newestIngestMs) newestIngestMs = p.ingest_time;
      }
    }
  })();
  const children: ChildProcess[] = [];
  try {
    const firstPort = await freePort();
    const first = startSluice({ ...env, SLUICE_PORT: String(firstPort) });
    children.push(first);
    await until(() => ready(firstPort), 60_000, 'the first instance to be ready');
    await until(() => newestIngestMs > 0, 60_000, 'the first instance to score');
    await new Promise((r) => setTimeout(r, 2000));
    const killedAt = Date.now();
    first.kill('SIGKILL');
    const secondPort = await freePort();
    const second = startSluice({ ...env, SLUICE_PORT: String(secondPort) });
    children.push(second);
    let readyMs = -1;
    await until(
      async () => {
        if (readyMs < 0 && (await ready(secondPort))) readyMs = Date.now() - killedAt;
        return readyMs >= 0 && newestIngestMs > killedAt;
      },
      sessionTimeoutMs + 60_000,
      'the restarted instance to score',
    );
    return { staticMembership, readyMs, firstPredictionMs: Date.now() - killedAt };
  } finally {
    for (const child of children) child.kill('SIGKILL');
    producing = false;
    await stream;
    reading = false;
    await readLoop;
    await reader.close();
    await producer.close();
    await transport.close();
  }
}
