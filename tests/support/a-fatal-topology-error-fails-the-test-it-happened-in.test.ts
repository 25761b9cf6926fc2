import { afterAll, describe, expect, it, onTestFailed } from 'vitest';
import type { Prediction } from '../../schemas/index.ts';
import type { BatchSink } from '../../sinks/index.ts';
import { closeSharedScorer, generatedRecords, startEmbeddedTopology, waitFor } from './embedded-harness.ts';
import { FatalErrorLog } from './fatal-errors.ts';

afterAll(closeSharedScorer);

/** A prediction store with a bug: a TypeError is never retried, so the topology reports it as fatal. */
const brokenStore: BatchSink<Prediction> = {
  name: 'broken-store',
  write: async () => {
    throw new TypeError('broken-store: cannot read properties of undefined');
  },
};

describe('a fatal error a harness topology reports', () => {
  // What vitest reported for the test below, before `fails` turned its failure into a pass.
  let reported: string[] | undefined;

  // `fails`: this test passes only if vitest failed it. Its body passes; what fails it is the
  // harness's afterEach, because the topology it started reported a fatal error during it.
  it.fails('fails the test during which it was reported, though the test body passed', async () => {
    onTestFailed(({ task }) => {
      reported = (task.result?.errors ?? []).map((e) => String(e.message));
    });
    const { transport, topology, fatalErrors } = await startEmbeddedTopology({
      predictionStore: brokenStore,
    });
    const producer = await transport.createProducer();
    await producer.send(
      'events',
      generatedRecords(3).map((e) => e.record),
    );
    await waitFor(() => fatalErrors.errors.length > 0, 10_000, 'the topology to report a fatal error');
    await topology.stop(1000);
  });

  // Relies on running after the test above (tests in a file run in order).
  it('and the failure names the error and the test', () => {
    expect(reported).toBeDefined();
    expect(reported).toHaveLength(1);
    expect(reported![0]).toMatch(/fatal error\(s\) through onFatal during "fails the test during which/);
    expect(reported![0]).toContain('TypeError: broken-store: cannot read properties of undefined');
  });
});

describe('the fatal error log', () => {
  it('check throws once per batch of recorded errors, naming each with its code, and forgets them', () => {
    const log = new FatalErrorLog();
    expect(() => log.check('during "nothing"')).not.toThrow();
    const coded = Object.assign(new Error('commit failed'), { code: 'SLUICE_COMMIT_FAILED' });
    log.onFatal(coded);
    log.onFatal('a string');
    expect(log.errors).toEqual([coded, 'a string']);
    let thrown: unknown;
    try {
      log.check('during "a test"');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    const error = thrown as Error;
    expect(error.message).toContain('reported 2 fatal error(s) through onFatal during "a test"');
    expect(error.message).toContain(
      'Error SLUICE_COMMIT_FAILED: commit failed (recorded in "the fatal error log',
    );
    expect(error.message).toContain('- a string');
    expect(error.cause).toBe(coded);
    expect(log.errors).toEqual([]);
    expect(() => log.check('during "the next test"')).not.toThrow();
  });

  it('take hands a test the errors it provoked on purpose, so the check passes', () => {
    const log = new FatalErrorLog();
    const expected = new Error('expected');
    log.onFatal(expected);
    expect(log.take()).toEqual([expected]);
    expect(() => log.check('during "a test"')).not.toThrow();
  });
});
