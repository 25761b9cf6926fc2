import { expect } from 'vitest';
import type { Prediction } from '../../schemas/index.ts';
import { startCli } from './cli-process.ts';
import { generatedRecords, waitFor } from './embedded-harness.ts';
import {
  decodePredictions,
  type KafkaClient,
  kafkaConfig,
  openTransport,
  produceAll,
  producePaced,
  readTopic,
  scenarioEnv,
  type uniqueNames,
} from './kafka-pipeline.ts';

export interface KillMidStreamRun {
  eventIds: string[];
  /** Predictions a (read_committed) reader saw once the second instance had caught up. */
  predictions: Prediction[];
  /** Predictions visible right after the kill. */
  visibleAtKill: number;
}

/**
 * The crash scenario both delivery modes are tested with: half the events are waiting, the CLI
 * starts on them, once it scores the other half arrives, and the process is SIGKILLed at a random
 * moment of that. A second instance of the same group then finishes the stream and is stopped
 * with SIGTERM (which must exit 0).
 */
export async function runKilledMidStream(options: {
  client: KafkaClient;
  names: ReturnType<typeof uniqueNames>;
  events: number;
  seed: number;
  env: Record<string, string>;
}): Promise<KillMidStreamRun> {
  const { client, names } = options;
  const transport = await openTransport(kafkaConfig(client, names));
  try {
    await transport.ensureTopics(Object.values(names.topics).map((topic) => ({ topic, partitions: 6 })));
    const events = generatedRecords(options.events, options.seed, 1000);
    const records = events.map((e) => e.record);
    const half = Math.floor(records.length / 2);
    await produceAll(transport, names.topics.events, records.slice(0, half));
    const env = {
      ...scenarioEnv(names),
      SLUICE_PORT: '0',
      // The status line tells when the first instance is scoring (it is the kill's reference point).
      SLUICE_STATUS__INTERVAL_MS: '100',
      SLUICE_TRANSPORT__KAFKA__CLIENT: client,
      ...options.env,
    };

    const first = startCli(['start'], env);
    // Timed from the first scored events, not from the group join: a client can take more than a
    // second from assignment to its first fetch on a loaded machine, and a kill before any output
    // tests nothing.
    await waitFor(
      () => /"predictionsPerSec":[1-9]/.test(first.output()),
      60_000,
      'the first instance to score events',
    );
    const tail = producePaced(transport, names.topics.events, records.slice(half), 10_000);
    await new Promise((r) => setTimeout(r, 300 + Math.random() * 600));
    first.child.kill('SIGKILL');
    await first.exited;
    await tail;
    const visibleAtKill = (await readTopic(transport, names.topics.predictions, 1, 2000)).length;

    const second = startCli(['start'], env);
    const wanted = new Set(events.map((e) => e.eventId));
    let predictions = decodePredictions(
      await readTopic(transport, names.topics.predictions, wanted.size, 120_000),
    );
    const waitUntil = Date.now() + 60_000;
    while (new Set(predictions.map((p) => p.event_id)).size < wanted.size && Date.now() < waitUntil) {
      predictions = decodePredictions(
        await readTopic(transport, names.topics.predictions, wanted.size, 10_000),
      );
    }
    second.child.kill('SIGTERM');
    expect(await second.exited, second.output().slice(-2000)).toBe(0);
    return { eventIds: [...wanted], predictions, visibleAtKill };
  } finally {
    await transport.close();
  }
}
