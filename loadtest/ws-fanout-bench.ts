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
import { performance } from 'node:perf_hooks';
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

/** How the fan-out rows run: the hub's settings and how the swarm subscribes. */
interface FanOutSettings {
  maxFanOutShare?: number;
  flushIntervalMs?: number | 'auto';
  batch: boolean;
}

async function fanOut(subscribers: number, rate: number, seconds: number, settings: FanOutSettings) {
  const server = await LiveServer.start({
    port: 0,
    logger: silentLogger,
    maxSubscribers: subscribers + 10,
    ...(settings.maxFanOutShare === undefined ? {} : { maxFanOutShare: settings.maxFanOutShare }),
    ...(settings.flushIntervalMs === undefined ? {} : { flushIntervalMs: settings.flushIntervalMs }),
  });
  const swarm = new Swarm(server.port, subscribers, { batch: settings.batch });
  await swarm.ready;
  const cpu = process.cpuUsage();
  const published = await publishFor(server, rate, seconds);
  const used = process.cpuUsage(cpu);
  await sleep(300);
  const result = await swarm.stop();
  await server.close();
  return {
    subscribers,
    rate,
    published,
    deliveredPerSec: result.received / seconds,
    serverCpuShare: (used.user + used.system) / 1e6 / seconds,
    swarmCpuShare: result.cpuSeconds / seconds,
    ...result,
  };
}

async function stalledRun(readers: number, stalled: number, seconds: number, batch: boolean) {
  const server = await LiveServer.start({ port: 0, logger: silentLogger });
  const swarm = new Swarm(server.port, readers + stalled, { stalled, batch });
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

async function pipelineWithSubscribers(runs: number, events: number, settings: FanOutSettings) {
  const pool = await InferencePool.create({
    manifestPath: 'models/fraud/manifest.json',
    logger: silentLogger,
  });
  const encoded = generateEncodedEvents(events);
  const server = await LiveServer.start({
    port: 0,
    logger: silentLogger,
    maxSubscribers: 1100,
    ...(settings.maxFanOutShare === undefined ? {} : { maxFanOutShare: settings.maxFanOutShare }),
    ...(settings.flushIntervalMs === undefined ? {} : { flushIntervalMs: settings.flushIntervalMs }),
  });
  const idleRss = rssMiB();
  let peakRss = idleRss;
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, rssMiB());
  }, 50);
  const none: number[] = [];
  const withSubscribers: number[] = [];
  const swarmCpu: number[] = [];
  for (let r = 0; r < runs; r++) {
    none.push(
      (await measurePipeline(pool, encoded, { maxBatchSize: 256 }, undefined, { liveFeed: server }))
        .eventsPerSecond,
    );
    const swarm = new Swarm(server.port, 1000, { batch: settings.batch });
    await swarm.ready;
    const started = performance.now();
    withSubscribers.push(
      (await measurePipeline(pool, encoded, { maxBatchSize: 256 }, undefined, { liveFeed: server }))
        .eventsPerSecond,
    );
    const seconds = (performance.now() - started) / 1000;
    swarmCpu.push((await swarm.stop()).cpuSeconds / seconds);
    await sleep(200);
    process.stderr.write(
      `ws-bench: pipeline run ${r + 1}/${runs}: none ${formatNumber(none.at(-1)!)}/s, 1,000 subscribers ${formatNumber(withSubscribers.at(-1)!)}/s (swarm CPU ${formatNumber(swarmCpu.at(-1)!, 2)} cores)\n`,
    );
  }
  clearInterval(sampler);
  await server.close();
  await pool.close();
  return { none, withSubscribers, swarmCpu, idleRss, peakRss };
}

type Settings = FanOutSettings & { seconds: number; runs: number; events: number };

async function fanOutSection(settings: Settings): Promise<string> {
  const fan = [];
  for (const subscribers of [100, 1000])
    for (const rate of [500, 3000, 10_000]) {
      process.stderr.write(`ws-bench: fan-out to ${subscribers} at ${rate}/s...\n`);
      fan.push(await fanOut(subscribers, rate, settings.seconds, settings));
    }
  printTable({
    title: `Fan-out: one LiveServer, subscribers${settings.batch ? ' (batch frames)' : ''} in a child process, ${settings.seconds} s per row (latency: receive minus publish time; CPU: cores busy)`,
    columns: [
      'subscribers',
      'publish rate/s',
      'delivered msgs/s',
      'p50 ms',
      'p99 ms',
      'max ms',
      'server CPU',
      'swarm CPU',
    ],
    rows: fan.map((f) => [
      f.subscribers,
      formatNumber(f.rate),
      formatNumber(f.deliveredPerSec),
      f.p50Ms,
      f.p99Ms,
      f.maxMs,
      formatNumber(f.serverCpuShare, 2),
      formatNumber(f.swarmCpuShare, 2),
    ]),
  });
  const at500 = fan.find((f) => f.subscribers === 1000 && f.rate === 500)!;
  writeResult('fan-out', fan);
  return `fan-out p99 with 1,000 subscribers at 500/s: ${at500.p99Ms} ms (target < 50)`;
}

async function stalledSection(settings: Settings): Promise<string> {
  const stalledSeconds = Math.max(8, settings.seconds * 2);
  const without = [];
  const withStalled = [];
  // Alternating rounds: a p99 of a few ms moves with whatever else the machine does.
  for (let r = 0; r < settings.runs; r++) {
    process.stderr.write(`ws-bench: 10 stalled clients, round ${r + 1}/${settings.runs}...\n`);
    without.push(await stalledRun(20, 0, stalledSeconds, settings.batch));
    withStalled.push(await stalledRun(20, 10, stalledSeconds, settings.batch));
  }
  const p99Without = median(without.map((w) => w.p99Ms));
  const p99With = median(withStalled.map((w) => w.p99Ms));
  printTable({
    title: `Stalled clients: 2,000 messages/s of ~2.3 KB for ${stalledSeconds} s, 20 readers; medians of ${settings.runs} alternating rounds`,
    columns: ['run', 'stalled', 'evicted (4008)', 'p50 ms', 'p99 ms'],
    rows: [
      ['no stalled clients', 0, 0, median(without.map((w) => w.p50Ms)), p99Without],
      [
        '10 stalled clients',
        10,
        median(withStalled.map((w) => w.evictions)),
        median(withStalled.map((w) => w.p50Ms)),
        p99With,
      ],
    ],
  });
  writeResult('stalled', { without, withStalled });
  return `readers' p99 with 10 stalled clients = ${formatNumber(p99With / Math.max(1, p99Without), 2)}x of none (${p99With} vs ${p99Without} ms; target <= 1.5x)`;
}

async function pipelineSection(settings: Settings): Promise<string> {
  process.stderr.write('ws-bench: the pipeline with 1,000 subscribers and without...\n');
  const pipeline = await pipelineWithSubscribers(settings.runs, settings.events, settings);
  const rateNone = median(pipeline.none);
  const rateWith = median(pipeline.withSubscribers);
  printTable({
    title: `Embedded pipeline at batch 256, ${formatNumber(settings.events)} events, the predictions channel published; median of ${settings.runs}`,
    columns: ['subscribers to predictions', 'events/s', 'swarm CPU (cores)'],
    rows: [
      ['none', formatNumber(rateNone), '-'],
      ['1,000', formatNumber(rateWith), formatNumber(median(pipeline.swarmCpu), 2)],
    ],
  });
  writeResult('pipeline', pipeline);
  const budgetMiB = 32;
  return (
    `pipeline with 1,000 subscribers = ${formatNumber((100 * rateWith) / rateNone, 1)}% of none (target >= 90%)\n` +
    `server RSS: idle ${formatNumber(pipeline.idleRss)} MiB, peak ${formatNumber(pipeline.peakRss)} MiB with 1,000 subscribers (target <= idle + ${budgetMiB} MiB budget + 200 MiB)`
  );
}

const results: Record<string, unknown> = {};
function writeResult(section: string, value: unknown): void {
  results[section] = value;
}

const SECTIONS = { 'fan-out': fanOutSection, stalled: stalledSection, pipeline: pipelineSection };

async function main(options: {
  seconds: string;
  runs: string;
  events: string;
  only: string;
  maxFanOutShare?: string;
  flushIntervalMs?: string;
  batch?: boolean;
}): Promise<void> {
  const settings: Settings = {
    seconds: Number(options.seconds),
    runs: Number(options.runs),
    events: Number(options.events),
    batch: options.batch === true,
    ...(options.maxFanOutShare === undefined ? {} : { maxFanOutShare: Number(options.maxFanOutShare) }),
    ...(options.flushIntervalMs === undefined
      ? {}
      : {
          flushIntervalMs:
            options.flushIntervalMs === 'auto' ? ('auto' as const) : Number(options.flushIntervalMs),
        }),
  };
  const lines: string[] = [];
  for (const name of options.only.split(',')) {
    const section = SECTIONS[name.trim() as keyof typeof SECTIONS];
    if (section === undefined)
      throw new Error(`--only: "${name}" is not a section; use ${Object.keys(SECTIONS).join(', ')}`);
    lines.push(await section(settings));
  }
  process.stdout.write(`\n${lines.join('\n')}\n`);
  const path = writeJson('ws-fanout', { settings, ...results });
  process.stderr.write(`ws-bench: wrote ${path}\n`);
}

await new Command('ws-fanout-bench')
  .option('--seconds <n>', 'seconds per fan-out row', '4')
  .option('--runs <n>', 'pipeline runs each way', '3')
  .option('--events <n>', 'events per pipeline run', '200000')
  .option(
    '--only <sections>',
    `comma-separated: ${Object.keys(SECTIONS).join(', ')}`,
    'fan-out,stalled,pipeline',
  )
  .option('--max-fan-out-share <share>', 'websocket.maxFanOutShare (default: the config default)')
  .option(
    '--flush-interval-ms <ms>',
    'websocket.flushIntervalMs: auto or ms (default: the config default, auto)',
  )
  .option('--batch', 'subscribers ask for batch frames ("batch": true)')
  .action(main)
  .parseAsync();
