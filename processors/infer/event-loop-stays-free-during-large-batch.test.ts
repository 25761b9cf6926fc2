import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../core/logger.ts';
import { InferencePool } from './inference-pool.ts';

const manifestPath = fileURLToPath(new URL('../../models/fraud/manifest.json', import.meta.url));
const ROWS = 200_000;
const WIDTH = 12;
/**
 * Loop turns the main thread must complete while the batch is in flight. A turn costs microseconds
 * and the batch 50–200 ms of a core, so a free loop clears this by orders of magnitude; a loop that
 * ran the model itself could not turn at all until the result was there. How long the loop may
 * stall is a timing question: `npm run bench -- event-loop` measures it.
 */
const TURNS = 100;

describe('the event loop stays free while a large batch runs in the worker', () => {
  let pool: InferencePool;
  beforeAll(async () => {
    pool = await InferencePool.create({ manifestPath, logger: silentLogger });
  });
  afterAll(() => pool.close());

  it(`completes ${TURNS} immediates and ${TURNS} message round trips before a ${ROWS}-row batch is scored`, async () => {
    // Built before the batch goes out: filling 2.4M floats is main-thread work the test is not about.
    const batch = new Float32Array(ROWS * WIDTH);
    for (let i = 0; i < batch.length; i++) batch[i] = (i % 97) / 10;

    let scored = false;
    let immediates = 0;
    let roundTrips = 0;
    let turnsWhenScored: { immediates: number; roundTrips: number } | undefined;
    // Each callback schedules the next, so each count is of separate passes through the loop: an
    // immediate runs in the check phase, a port message in the poll phase (where sockets are served).
    const spin = () => {
      if (scored) return;
      immediates++;
      setImmediate(spin);
    };
    const { port1, port2 } = new MessageChannel();
    port2.on('message', (n: number) => port2.postMessage(n));
    port1.on('message', (n: number) => {
      roundTrips = n;
      if (!scored) port1.postMessage(n + 1);
    });

    try {
      const scoring = pool.infer(batch, ROWS).then((scores) => {
        scored = true;
        turnsWhenScored = { immediates, roundTrips };
        return scores;
      });
      setImmediate(spin);
      port1.postMessage(1);
      const scores = await scoring;

      expect(scores).toHaveLength(ROWS);
      expect(turnsWhenScored!.immediates).toBeGreaterThanOrEqual(TURNS);
      expect(turnsWhenScored!.roundTrips).toBeGreaterThanOrEqual(TURNS);
    } finally {
      port1.close();
    }
  });
});
