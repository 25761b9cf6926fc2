import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, startCli } from '../support/cli-process.ts';
import { closeSharedScorer, generatedRecords, waitFor } from '../support/embedded-harness.ts';
import {
  DEFAULT_KAFKA_CLIENT,
  decodePredictions,
  kafkaConfig,
  openTransport,
  produceAll,
  readTopic,
  scenarioEnv,
  uniqueNames,
} from '../support/kafka-pipeline.ts';
import { waitForAsync } from '../support/wait-for.ts';

afterAll(closeSharedScorer);

// Longer than the test may take to recover: a restart that had to wait for the dead member's
// session to expire could not score the second half before the waits below give up.
const SESSION_TIMEOUT_MS = 90_000;

/** The /readyz status and body (what it found wanting); 0 while nothing listens. */
async function readyz(port: number): Promise<{ status: number; body: string }> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/readyz`);
    return { status: response.status, body: await response.text() };
  } catch (error) {
    return { status: 0, body: String(error) };
  }
}

/** Waits until /readyz says 200; a moment's 503 (a Redis call timing out on a loaded machine) is not the verdict. */
async function awaitReady(port: number, timeoutMs: number, what: string): Promise<void> {
  let last = { status: 0, body: '' };
  await waitForAsync(
    async () => {
      last = await readyz(port);
      return last.status === 200;
    },
    timeoutMs,
    what,
  ).catch((error: unknown) => {
    throw new Error(`${String(error)}; last /readyz: ${last.status} ${last.body}`);
  });
}

describe('static group membership (transport.kafka.groupInstanceId, Confluent client)', () => {
  it('lets an instance restarted after SIGKILL take its partitions back at once, and /readyz says 200 only once it holds them', async () => {
    const names = uniqueNames('static');
    const transport = await openTransport(kafkaConfig(DEFAULT_KAFKA_CLIENT, names));
    try {
      await transport.ensureTopics(Object.values(names.topics).map((topic) => ({ topic, partitions: 6 })));
      const events = generatedRecords(4000, 71, 1000);
      const records = events.map((e) => e.record);
      await produceAll(transport, names.topics.events, records.slice(0, 2000));
      const env = (port: number) => ({
        ...scenarioEnv(names),
        SLUICE_PORT: String(port),
        SLUICE_TRANSPORT__KAFKA__CLIENT: DEFAULT_KAFKA_CLIENT,
        SLUICE_TRANSPORT__KAFKA__GROUP_INSTANCE_ID: `sluice-test-${randomBytes(4).toString('hex')}`,
        SLUICE_TRANSPORT__KAFKA__SESSION_TIMEOUT_MS: String(SESSION_TIMEOUT_MS),
        SLUICE_CONSUMER__COMMIT_INTERVAL_MS: '100',
      });
      const sameInstance = env(0).SLUICE_TRANSPORT__KAFKA__GROUP_INSTANCE_ID;

      const firstPort = await freePort();
      const first = startCli(['start'], {
        ...env(firstPort),
        SLUICE_TRANSPORT__KAFKA__GROUP_INSTANCE_ID: sameInstance,
      });
      await waitFor(() => /partitions assigned/.test(first.output()), 60_000, 'the first instance to join');
      await waitForAsync(
        async () => (await readTopic(transport, names.topics.predictions, 2000, 2000)).length >= 2000,
        60_000,
        'the first half scored',
      );
      await awaitReady(firstPort, 10_000, 'the first instance to be ready while it scores');
      first.child.kill('SIGKILL');
      await first.exited;

      const secondPort = await freePort();
      const second = startCli(['start'], {
        ...env(secondPort),
        SLUICE_TRANSPORT__KAFKA__GROUP_INSTANCE_ID: sameInstance,
      });
      try {
        await awaitReady(secondPort, 30_000, 'the restarted instance to be ready');
        expect(second.output()).toContain('partitions assigned');
        await produceAll(transport, names.topics.events, records.slice(2000));
        const wanted = new Set(events.map((e) => e.eventId));
        await waitForAsync(
          async () =>
            new Set(
              decodePredictions(await readTopic(transport, names.topics.predictions, wanted.size, 2000)).map(
                (p) => p.event_id,
              ),
            ).size === wanted.size,
          30_000,
          'every event scored',
        );
      } finally {
        second.child.kill('SIGTERM');
        expect(await second.exited, second.output().slice(-2000)).toBe(0);
      }
    } finally {
      await transport.close();
    }
  }, 240_000);
});
