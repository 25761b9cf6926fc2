/**
 * Cost of `publishBatch` on the pipeline's thread: 256 predictions per batch, with 0, 1
 * (unfiltered, filtered, and stalled: it never reads, so its share is dropped) and 10 subscribers.
 * Subscribers run in a child process so their reading does not share this event loop. Prints a
 * table, writes JSON.
 *
 *   npx tsx loadtest/publish-cost-bench.ts [out.json]   (default: $TMPDIR/sluice-publish-cost.json)
 */
import { type ChildProcess, fork } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { fakePrediction, startTestServer } from '../tests/support/live-server-harness.ts';

const BATCH = 256;
const ROUNDS = 2000;

/**
 * Child mode: `count` subscribers on `port` (with `stall`, each stops reading once subscribed);
 * answers any IPC message with the number of data messages received.
 */
function runSubscribers(port: string, count: number, filter: string, stall: boolean): void {
  let received = 0;
  let ready = 0;
  for (let i = 0; i < count; i++) {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
    ws.on('open', () => {
      const message = {
        op: 'subscribe',
        channel: 'predictions',
        ...(filter ? { filter: JSON.parse(filter) } : {}),
      };
      ws.send(JSON.stringify(message));
    });
    ws.on('message', (data) => {
      const text = String(data);
      if (text.startsWith('{"channel"')) received++;
      else if (text.startsWith('{"op":"subscribed"')) {
        if (stall) ws.pause();
        if (++ready === count) process.send?.('ready');
      }
    });
  }
  process.on('message', () => process.send?.(received));
}

async function scenario(name: string, subscribers: number, filter?: object, stall = false) {
  const server = await startTestServer({ slowSubscriberCloseMs: 0 });
  const batches = Array.from({ length: 64 }, (_, b) =>
    Array.from({ length: BATCH }, (_, i) => fakePrediction(b * BATCH + i)),
  );
  let child: ChildProcess | undefined;
  if (subscribers > 0) {
    const args = [
      'subscribers',
      String(server.port),
      String(subscribers),
      filter ? JSON.stringify(filter) : '',
      stall ? 'stall' : '',
    ];
    child = fork(fileURLToPath(import.meta.url), args, { execArgv: ['--import', 'tsx'] });
    await new Promise((resolve) => child!.once('message', resolve));
  }
  const samplesUs: number[] = [];
  for (let round = -200; round < ROUNDS; round++) {
    const started = process.hrtime.bigint();
    server.publishBatch('predictions', batches[(round + 200) % 64]!);
    if (round >= 0) samplesUs.push(Number(process.hrtime.bigint() - started) / 1000);
    // The pipeline yields between batches too; this lets uWS flush to the sockets.
    if (subscribers > 0) await new Promise((resolve) => setImmediate(resolve));
  }
  samplesUs.sort((a, b) => a - b);
  const p50 = samplesUs[Math.floor(samplesUs.length / 2)]!;
  const mean = samplesUs.reduce((a, b) => a + b, 0) / samplesUs.length;
  const stats = server.stats().channels.find((c) => c.channel === 'predictions')!;
  let received: unknown = '-';
  if (child) {
    await sleep(300);
    child.send('report');
    received = await new Promise((resolve) => child!.once('message', resolve));
    child.kill();
  }
  await server.close();
  return {
    scenario: name,
    batchP50Us: +p50.toFixed(1),
    perMessageP50Us: +(p50 / BATCH).toFixed(3),
    perMessageMeanUs: +(mean / BATCH).toFixed(3),
    sent: stats.sent,
    dropped: stats.dropped,
    received,
  };
}

if (process.argv[2] === 'subscribers') {
  runSubscribers(
    process.argv[3]!,
    Number(process.argv[4]),
    process.argv[5] ?? '',
    process.argv[6] === 'stall',
  );
} else {
  const rows = [
    await scenario('0 subscribers', 0),
    await scenario('1 subscriber', 1),
    await scenario('1 subscriber, minScore 0.9 (10% match)', 1, { minScore: 0.9 }),
    await scenario('1 subscriber, keys filter matching nothing', 1, { keys: ['nobody'] }),
    await scenario('1 stalled subscriber (never reads: dropped)', 1, undefined, true),
    await scenario('10 subscribers (one client process)', 10),
  ];
  console.table(rows);
  const out = process.argv[2] ?? join(tmpdir(), 'sluice-publish-cost.json');
  writeFileSync(out, `${JSON.stringify(rows, null, 2)}\n`);
  console.log(`wrote ${out}`);
}
