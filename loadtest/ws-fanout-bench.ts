/**
 * `npm run bench:ws [-- --seconds 4]`: what the live feed delivers and what it costs. Subscribers
 * run in a child process (loadtest/ws-subscriber-swarm.ts), so the server's process is measured
 * alone. Four tables:
 * 1. fan-out: messages/s delivered to 100 and 1,000 subscribers and their p50/p99 delivery latency
 *    (receive time minus publish time), at several publish rates;
 * 2. stalled clients: the readers' p99 with 10 clients that stopped reading, against none;
 * 3. the embedded pipeline's end-to-end rate with 1,000 subscribers to `predictions` against none;
 * 4. the server process's peak RSS with 1,000 subscribers against its idle RSS.
 * Writes bench-results/ws-fanout-*.json.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { silentLogger } from '../core/logger.ts';
import { InferencePool } from '../processors/infer/index.ts';
import type { Prediction } from '../schemas/index.ts';
import { LiveServer } from '../sinks/websocket/index.ts';
import { generateEncodedEvents, measurePipeline } from './pipeline-bench.ts';
import { formatNumber, median, printTable, writeJson } from './report.ts';
import { Swarm } from './subscriber-swarm.ts';

function prediction(i: number, pad: string): Prediction {
  const now = Date.now();
  return {
    event_id: `bench-${i}`,
    key: `user-${i % 1000}`,
    model: 'fraud',
    model_version: '1',
    score: (i % 100) / 100,
    label: 0,
    features_missing: pad ? [pad] : [],
    features_stale: [],
    event_time: now,
    ingest_time: now,
    inference_time: now,
    latency_ms: 0,
    source_partition: 0,
    source_offset: i,
    outputs: {},
  };
}

/** Publishes `rate` messages a second for `seconds`, in 10 ms ticks, while the swarm reads. */
async function publishFor(server: LiveServer, rate: number, seconds: number, pad = ''): Promise<number> {
  const perTick = Math.max(1, Math.round(rate / 100));
  const ticks = seconds * 100;
  const started = Date.now();
  let seq = 0;
  for (let t = 0; t < ticks; t++) {
    server.publishBatch(
      'predictions',
      Array.from({ length: perTick }, () => prediction(++seq, pad)),
    );
    const due = started + (t + 1) * 10;
    await sleep(Math.max(0, due - Date.now()));
  }
  return seq;
}

async function fanOut(subscribers: number, rate: number, seconds: number, maxFanOutShare?: number) {
  const server = await LiveServer.start({
    port: 0,
    logger: silentLogger,
    maxSubscribers: subscribers + 10,
    ...(maxFanOutShare === undefined ? {} : { maxFanOutShare }),
  });
  const swarm = new Swarm(server.port, subscribers);
  await swarm.ready;
  const published = await publishFor(server, rate, seconds);
  await sleep(300);
  const result = await swarm.stop();
  await server.close();
  return { subscribers, rate, published, deliveredPerSec: result.received / seconds, ...result };
}

async function stalledRun(readers: number, stalled: number, seconds: number) {
  const server = await LiveServer.start({ port: 0, logger: silentLogger });
  const swarm = new Swarm(server.port, readers + stalled, stalled);
  await swarm.ready;
  await publishFor(server, 2000, seconds, 'x'.repeat(2000));
  await sleep(300);
  const result = await swarm.stop();
  const evictions = server.stats().evictions;
  await server.close();
  return { readers, stalled, evictions, ...result };
}

function rssMiB(): number {
  return process.memoryUsage().rss / 1024 / 1024;
}

async function pipelineWithSubscribers(runs: number, events: number) {
  const pool = await InferencePool.create({
    manifestPath: 'models/fraud/manifest.json',
    logger: silentLogger,
  });
  const encoded = generateEncodedEvents(events);
  const server = await LiveServer.start({ port: 0, logger: silentLogger, maxSubscribers: 1100 });
  const idleRss = rssMiB();
  let peakRss = idleRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, rssMiB());
  }, 50);
  const none: number[] = [];
  const withSubscribers: number[] = [];
  for (let r = 0; r < runs; r++) {
    none.push(
      (await measurePipeline(pool, encoded, { maxBatchSize: 256 }, undefined, { liveFeed: server }))
        .eventsPerSecond,
    );
    const swarm = new Swarm(server.port, 1000);
    await swarm.ready;
    withSubscribers.push(
      (await measurePipeline(pool, encoded, { maxBatchSize: 256 }, undefined, { liveFeed: server }))
        .eventsPerSecond,
    );
    await swarm.stop();
    await sleep(200);
    process.stderr.write(
      `ws-bench: pipeline run ${r + 1}/${runs}: none ${formatNumber(none.at(-1)!)}/s, 1,000 subscribers ${formatNumber(withSubscribers.at(-1)!)}/s\n`,
    );
  }
  clearInterval(sampler);
  await server.close();
  await pool.close();
  return { none, withSubscribers, idleRss, peakRss };
}

async function main(options: {
  seconds: string;
  runs: string;
  events: string;
  fanOutOnly?: boolean;
  maxFanOutShare?: string;
}): Promise<void> {
  const seconds = Number(options.seconds);
  const share = options.maxFanOutShare === undefined ? undefined : Number(options.maxFanOutShare);
  const fan = [];
  for (const subscribers of [100, 1000])
    for (const rate of [500, 3000, 10_000]) {
      process.stderr.write(`ws-bench: fan-out to ${subscribers} at ${rate}/s...\n`);
      fan.push(await fanOut(subscribers, rate, seconds, share));
    }
  printTable({
    title: `Fan-out: one LiveServer, subscribers in a child process, ${seconds} s per row (latency: receive minus publish time)`,
    columns: ['subscribers', 'publish rate/s', 'delivered msgs/s', 'p50 ms', 'p99 ms', 'max ms'],
    rows: fan.map((f) => [
      f.subscribers,
      formatNumber(f.rate),
      formatNumber(f.deliveredPerSec),
      f.p50Ms,
      f.p99Ms,
      f.maxMs,
    ]),
  });

  if (options.fanOutOnly) return;
  process.stderr.write('ws-bench: 10 stalled clients...\n');
  const stalledSeconds = Math.max(8, seconds * 2);
  const without = await stalledRun(20, 0, stalledSeconds);
  const withStalled = await stalledRun(20, 10, stalledSeconds);
  printTable({
    title: `Stalled clients: 2,000 messages/s of ~2.3 KB for ${stalledSeconds} s; the readers' delivery latency`,
    columns: ['run', 'readers', 'stalled', 'evicted (4008)', 'p50 ms', 'p99 ms'],
    rows: [
      ['no stalled clients', without.readers, 0, without.evictions, without.p50Ms, without.p99Ms],
      [
        '10 stalled clients',
        withStalled.readers,
        10,
        withStalled.evictions,
        withStalled.p50Ms,
        withStalled.p99Ms,
      ],
    ],
  });

  process.stderr.write('ws-bench: the pipeline with 1,000 subscribers and without...\n');
  const pipeline = await pipelineWithSubscribers(Number(options.runs), Number(options.events));
  const rateNone = median(pipeline.none);
  const rateWith = median(pipeline.withSubscribers);
  printTable({
    title: `Embedded pipeline at batch 256, ${formatNumber(Number(options.events))} events, the predictions channel published; median of ${options.runs}`,
    columns: ['subscribers to predictions', 'events/s'],
    rows: [
      ['none', formatNumber(rateNone)],
      ['1,000', formatNumber(rateWith)],
    ],
  });
  const budgetMiB = 32;
  process.stdout.write(
    `\nfan-out p99 with 1,000 subscribers at 500/s: ${fan.find((f) => f.subscribers === 1000 && f.rate === 500)!.p99Ms} ms (target < 50)\n` +
      `pipeline with 1,000 subscribers = ${formatNumber((100 * rateWith) / rateNone, 1)}% of none (target >= 90%)\n` +
      `readers' p99 with 10 stalled clients = ${formatNumber(withStalled.p99Ms / Math.max(1, without.p99Ms), 2)}x of none (target <= 1.5x)\n` +
      `server RSS: idle ${formatNumber(pipeline.idleRss)} MiB, peak ${formatNumber(pipeline.peakRss)} MiB with 1,000 subscribers (target <= idle + ${budgetMiB} MiB budget + 200 MiB)\n`,
  );
  const path = writeJson('ws-fanout', { fan, stalled: { without, withStalled }, pipeline });
  process.stderr.write(`ws-bench: wrote ${path}\n`);
}

await new Command('ws-fanout-bench')
  .option('--seconds <n>', 'seconds per fan-out row', '4')
  .option('--runs <n>', 'pipeline runs each way', '3')
  .option('--events <n>', 'events per pipeline run', '200000')
  .option('--fan-out-only', 'the fan-out table alone')
  .option(
    '--max-fan-out-share <share>',
    'websocket.maxFanOutShare for the fan-out table (default: the config default)',
  )
  .action(main)
  .parseAsync();
