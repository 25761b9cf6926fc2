import { Command } from 'commander';
import { silentLogger } from '../core/logger.ts';
import { InferencePool } from '../processors/infer/index.ts';

import { type LoopLag, measureLoopLagDuringInference } from './event-loop-bench.ts';
import { runFeaturesBench } from './features-bench.ts';
import { type KafkaClientName, measurePassThrough, measureSluice } from './kafka-bench.ts';
import { kafkaClientsCommand } from './kafka-clients-bench.ts';
import { kafkaDrainCommand } from './kafka-process-bench.ts';
import { kafkaSteadyCommand } from './kafka-steady-bench.ts';
import {
  generateEncodedEvents,
  measureCodecFloor,
  measureInferenceThroughput,
  measurePipeline,
} from './pipeline-bench.ts';
import { startPrivateRedis } from './private-redis.ts';
import { formatNumber, median, printTable, writeJson } from './report.ts';
import { measureRestart, RESTART_RATE_PER_SECOND, type RestartSample } from './restart-bench.ts';
import { rowBench } from './row-writer-bench.ts';
import { sensorBench } from './sensor-bench.ts';

const BATCH_SIZES = [1, 8, 64, 256, 1024];

/** `npm run bench [-- --runs N --events N]`: inference, codec floor and end-to-end embedded pipeline. */
async function pipelineBench(options: { runs: string; events: string; batch1Events: string }): Promise<void> {
  const runs = Number(options.runs);
  const eventCount = Number(options.events);
  const batch1Events = Number(options.batch1Events);
  process.stderr.write(
    `bench: ${runs} runs each; ${eventCount} events end to end (${batch1Events} at batch size 1)\n`,
  );
  const pool = await InferencePool.create({
    manifestPath: 'models/fraud/manifest.json',
    logger: silentLogger,
  });

  process.stderr.write('bench: inference worker throughput by batch size...\n');
  const inference = [];
  for (const batchSize of BATCH_SIZES) {
    const samples = [];
    for (let r = 0; r < runs; r++)
      samples.push((await measureInferenceThroughput(pool, batchSize, 1000)).rowsPerSecond);
    inference.push({ batchSize, rowsPerSecond: median(samples), samples });
  }
  const batch1Rate = inference[0]!.rowsPerSecond;
  printTable({
    title: `Inference worker (1 worker, 1 intra-op thread, model ${pool.info.model} v${pool.info.version}, provider ${pool.info.provider}); median of ${runs}`,
    columns: ['batch size', 'rows/s', 'vs batch 1'],
    rows: inference.map((r) => [
      r.batchSize,
      formatNumber(r.rowsPerSecond),
      `${formatNumber(r.rowsPerSecond / batch1Rate, 1)}x`,
    ]),
  });

  process.stderr.write('bench: codec floor and end-to-end pipeline...\n');
  const events = generateEncodedEvents(eventCount);
  const floors: number[] = [];
  const batchedFloors: number[] = [];
  const e2e256: Array<{ eventsPerSecond: number; p50Ms: number; p99Ms: number }> = [];
  const e2e1: Array<{ eventsPerSecond: number; p50Ms: number; p99Ms: number }> = [];
  const sensor = await sensorBench(eventCount);
  const sensor256: typeof e2e256 = [];
  for (let r = 0; r < runs; r++) {
    floors.push(measureCodecFloor(events.slice(0, 50_000), 'per-record').eventsPerSecond);
    batchedFloors.push(measureCodecFloor(events.slice(0, 50_000), 'batched').eventsPerSecond);
    e2e256.push(await measurePipeline(pool, events, { maxBatchSize: 256 }));
    e2e1.push(await measurePipeline(pool, events.slice(0, batch1Events), { maxBatchSize: 1, maxDelayMs: 0 }));
    sensor256.push(await sensor.measure({ maxBatchSize: 256 }));
    process.stderr.write(
      `bench: run ${r + 1}/${runs}: floor ${formatNumber(floors.at(-1)!)}/s, batch 256 ${formatNumber(e2e256.at(-1)!.eventsPerSecond)}/s, batch 1 ${formatNumber(e2e1.at(-1)!.eventsPerSecond)}/s, sensor ${formatNumber(sensor256.at(-1)!.eventsPerSecond)}/s\n`,
    );
  }
  await sensor.close();
  const floor = median(floors);
  const batchedFloor = median(batchedFloors);
  const summarize = (samples: typeof e2e256) => ({
    eventsPerSecond: median(samples.map((s) => s.eventsPerSecond)),
    p50Ms: median(samples.map((s) => s.p50Ms)),
    p99Ms: median(samples.map((s) => s.p99Ms)),
    samples,
  });
  const at256 = summarize(e2e256);
  const at1 = summarize(e2e1);
  const sensorAt256 = summarize(sensor256);
  const row = (name: string, r: typeof at1) => [
    name,
    formatNumber(r.eventsPerSecond),
    formatNumber(1e6 / r.eventsPerSecond, 2),
    formatNumber(r.p50Ms, 1),
    formatNumber(r.p99Ms, 1),
    share(r.eventsPerSecond, floor),
    share(r.eventsPerSecond, batchedFloor),
  ];
  const share = (rate: number, of: number) => `${formatNumber((rate / of) * 100, 1)}%`;
  printTable({
    title: `End to end, embedded transport, 4 partitions, backlog drained at full speed; median of ${runs}`,
    columns: ['measurement', 'events/s', 'µs/event', 'p50 ms', 'p99 ms', 'vs floor', 'vs batched floor'],
    rows: [
      [
        'codec floor: Avro decode + encode per record, 1 core',
        formatNumber(floor),
        formatNumber(1e6 / floor, 2),
        '-',
        '-',
        '100%',
        share(floor, batchedFloor),
      ],
      [
        'codec floor: decode + batched encode, 1 core',
        formatNumber(batchedFloor),
        formatNumber(1e6 / batchedFloor, 2),
        '-',
        '-',
        share(batchedFloor, floor),
        '100%',
      ],
      row('pipeline, maxBatchSize 256', at256),
      row('pipeline, maxBatchSize 1', at1),
      row('sensor example (regressor), maxBatchSize 256', sensorAt256),
    ],
  });
  const batchingGain = at256.eventsPerSecond / at1.eventsPerSecond;
  process.stdout.write(
    `\npipeline at batch 256 = ${share(at256.eventsPerSecond, floor)} of the per-record codec floor (target >= 30%), ` +
      `${share(at256.eventsPerSecond, batchedFloor)} of the batched floor. batching gain 256 vs 1: ${formatNumber(batchingGain, 1)}x (target >= 10x)\n`,
  );
  const path = writeJson('pipeline', {
    runs,
    inference: inference.map((r) => ({ ...r, ratioToBatch1: r.rowsPerSecond / batch1Rate })),
    codecFloor: { eventsPerSecond: floor, microsPerEvent: 1e6 / floor, samples: floors },
    endToEnd: {
      maxBatchSize256: at256,
      maxBatchSize1: at1,
      sensorExampleMaxBatchSize256: sensorAt256,
      shareOfCodecFloor: at256.eventsPerSecond / floor,
      batchingGain,
    },
  });
  process.stdout.write(`wrote ${path}\n`);
  await pool.close();
}

/** `npm run bench -- kafka-raw`: both clients on the same broker, raw pass-through against Sluice in-process. */
async function kafkaBench(options: { runs: string; events: string; clients: string }): Promise<void> {
  const brokers = process.env.KAFKA_BROKERS?.split(',');
  if (!brokers)
    throw new Error('KAFKA_BROKERS is not set: `npm run services -- up && source .sluice/services/env`');
  const runs = Number(options.runs);
  const records = generateEncodedEvents(Number(options.events));
  const pool = await InferencePool.create({
    manifestPath: 'models/fraud/manifest.json',
    logger: silentLogger,
  });
  const results: Record<
    string,
    { raw: number[]; sluice: Array<{ eventsPerSecond: number; p50Ms: number; p99Ms: number }> }
  > = {};
  const clients = options.clients.split(',') as KafkaClientName[];
  for (const client of clients) results[client] = { raw: [], sluice: [] };
  // Clients alternate within each run, so a noisy moment on the machine hits both alike.
  for (let r = 0; r < runs; r++) {
    for (const client of clients) {
      const raw = await measurePassThrough(brokers, client, records);
      const sluice = await measureSluice(brokers, client, records, pool);
      results[client]!.raw.push(raw);
      results[client]!.sluice.push(sluice);
      process.stderr.write(
        `bench kafka: ${client} run ${r + 1}/${runs}: raw ${formatNumber(raw)}/s, sluice ${formatNumber(sluice.eventsPerSecond)}/s\n`,
      );
    }
  }
  const rows = Object.entries(results).map(([client, r]) => {
    const raw = median(r.raw);
    const sluice = median(r.sluice.map((s) => s.eventsPerSecond));
    return {
      client,
      raw,
      sluice,
      ratio: sluice / raw,
      p50Ms: median(r.sluice.map((s) => s.p50Ms)),
      p99Ms: median(r.sluice.map((s) => s.p99Ms)),
    };
  });
  printTable({
    title: `Kafka (${brokers.join(',')}), ${records.length} events over 6 partitions; median of ${runs}`,
    columns: ['client', 'raw pass-through/s', 'sluice end to end/s', 'sluice / raw', 'p50 ms', 'p99 ms'],
    rows: rows.map((r) => [
      r.client,
      formatNumber(r.raw),
      formatNumber(r.sluice),
      `${formatNumber(r.ratio * 100, 1)}%`,
      formatNumber(r.p50Ms, 1),
      formatNumber(r.p99Ms, 1),
    ]),
  });
  process.stdout.write(
    `wrote ${writeJson('kafka', { runs, events: records.length, rows, samples: results })}\n`,
  );
  await pool.close();
}

/** `npm run bench -- features`: RedisFeatureStore keys/s by layout and batch size, against redis-benchmark. */
async function featuresBench(options: {
  runs: string;
  entities: string;
  durationMs: string;
  redisPort?: string;
}): Promise<void> {
  const runs = Number(options.runs);
  // A private server by default: a shared one (REDIS_URL) carries other work that would add noise.
  const redis = options.redisPort
    ? { url: `redis://127.0.0.1:${options.redisPort}`, port: Number(options.redisPort), stop: async () => {} }
    : await startPrivateRedis();
  try {
    const { rows } = await runFeaturesBench(
      {
        runs,
        entities: Number(options.entities),
        durationMs: Number(options.durationMs),
        batches: [256, 1024],
      },
      redis,
    );
    printTable({
      title: `Feature lookups, one connection, one batch in flight, ${options.entities} entities (4 fields + timestamp); median of ${runs}`,
      columns: [
        'layout',
        'batch',
        'sluice keys/s',
        'redis-benchmark keys/s',
        'sluice / redis-benchmark',
        'p50 ms/batch',
        'redis-benchmark command',
      ],
      rows: rows.map((r) => [
        r.layout,
        r.batchSize,
        formatNumber(r.sluiceKeysPerSecond),
        formatNumber(r.redisBenchmarkKeysPerSecond),
        `${formatNumber(r.ratio * 100, 1)}%`,
        formatNumber(r.p50BatchMs, 2),
        r.command,
      ]),
    });
    process.stdout.write(
      `wrote ${writeJson('features', { runs, entities: Number(options.entities), rows })}\n`,
    );
  } finally {
    await redis.stop();
  }
}

/** `npm run bench -- event-loop`: main-thread event-loop lag while the worker scores large batches. */
async function eventLoopBench(options: { runs: string; rows: string; batches: string }): Promise<void> {
  const runs = Number(options.runs);
  const rows = Number(options.rows);
  const batches = Number(options.batches);
  const pool = await InferencePool.create({
    manifestPath: 'models/fraud/manifest.json',
    logger: silentLogger,
  });
  const samples: Array<{ idle: LoopLag; scoring: LoopLag }> = [];
  for (let r = 0; r < runs; r++) {
    const sample = await measureLoopLagDuringInference(pool, rows, batches);
    samples.push(sample);
    process.stderr.write(
      `bench event-loop: run ${r + 1}/${runs}: max lag ${formatNumber(sample.scoring.maxLagMs, 1)} ms scoring, ` +
        `${formatNumber(sample.idle.maxLagMs, 1)} ms idle\n`,
    );
  }
  const summary = (pick: (s: { idle: LoopLag; scoring: LoopLag }) => LoopLag) => ({
    windowMs: median(samples.map((s) => pick(s).windowMs)),
    p50LagMs: median(samples.map((s) => pick(s).p50LagMs)),
    p99LagMs: median(samples.map((s) => pick(s).p99LagMs)),
    maxLagMs: median(samples.map((s) => pick(s).maxLagMs)),
  });
  const scoring = summary((s) => s.scoring);
  const idle = summary((s) => s.idle);
  const rowsPerSecond = median(samples.map((s) => s.scoring.rows / (s.scoring.windowMs / 1000)));
  printTable({
    title: `Main-thread event-loop lag (10 ms resolution), ${batches} batches of ${formatNumber(rows)} rows back to back in 1 worker; median of ${runs}`,
    columns: ['window', 'length ms', 'rows/s', 'p50 lag ms', 'p99 lag ms', 'max lag ms'],
    rows: [
      [
        'scoring in the worker',
        formatNumber(scoring.windowMs),
        formatNumber(rowsPerSecond),
        formatNumber(scoring.p50LagMs, 1),
        formatNumber(scoring.p99LagMs, 1),
        formatNumber(scoring.maxLagMs, 1),
      ],
      [
        'idle, same length',
        formatNumber(idle.windowMs),
        '-',
        formatNumber(idle.p50LagMs, 1),
        formatNumber(idle.p99LagMs, 1),
        formatNumber(idle.maxLagMs, 1),
      ],
    ],
  });
  process.stdout.write(
    `wrote ${writeJson('event-loop', { runs, rows, batches, scoring: { ...scoring, rowsPerSecond }, idle, samples })}\n`,
  );
  await pool.close();
}

/** `npm run bench -- restart`: SIGKILL and restart, with and without static group membership. */
async function restartBench(options: { runs: string; sessionTimeoutMs: string }): Promise<void> {
  const brokers = process.env.KAFKA_BROKERS?.split(',');
  if (!brokers)
    throw new Error(
      'bench restart needs KAFKA_BROKERS (npm run services -- up && source .sluice/services/env)',
    );
  const runs = Number(options.runs);
  const sessionTimeoutMs = Number(options.sessionTimeoutMs);
  const samples: RestartSample[] = [];
  for (let r = 0; r < runs; r++) {
    for (const staticMembership of [false, true]) {
      const sample = await measureRestart(brokers, staticMembership, sessionTimeoutMs);
      samples.push(sample);
      process.stderr.write(
        `bench: run ${r + 1}/${runs}, static ${staticMembership}: ready ${formatNumber(sample.readyMs)} ms, first prediction ${formatNumber(sample.firstPredictionMs)} ms after the kill\n`,
      );
    }
  }
  const rows = [false, true].map((staticMembership) => {
    const of = samples.filter((s) => s.staticMembership === staticMembership);
    return [
      staticMembership ? 'on (transport.kafka.groupInstanceId)' : 'off',
      formatNumber(median(of.map((s) => s.readyMs))),
      formatNumber(median(of.map((s) => s.firstPredictionMs))),
      of.map((s) => formatNumber(s.firstPredictionMs)).join(' / '),
    ];
  });
  printTable({
    title: `SIGKILL, then an immediate restart of npm start's entry point (Confluent client, 6 partitions, ${RESTART_RATE_PER_SECOND}/s steady input, sessionTimeoutMs ${sessionTimeoutMs}); median of ${runs}`,
    columns: ['static membership', 'kill → /readyz 200 ms', 'kill → first prediction ms', 'each run'],
    rows,
  });
  process.stdout.write(`wrote ${writeJson('restart', { runs, sessionTimeoutMs, samples })}\n`);
}

const program = new Command('bench').description(
  'Sluice benchmarks: print a table and write JSON under bench-results/',
);
program
  .command('pipeline', { isDefault: true })
  .description('inference by batch size, codec floor, end-to-end embedded pipeline')
  .option('--runs <n>', 'runs per measurement (the median is reported)', '3')
  .option('--events <n>', 'events per end-to-end run at batch 256', '300000')
  .option('--batch1-events <n>', 'events per end-to-end run at batch 1', '30000')
  .action(pipelineBench);
kafkaDrainCommand(program.command('kafka'));
kafkaSteadyCommand(program.command('kafka-steady'));
kafkaClientsCommand(program.command('kafka-clients'));
program
  .command('kafka-raw')
  .description('both Kafka clients on the same broker: raw consume→produce pass-through vs Sluice in-process')
  .option('--runs <n>', 'runs per client (the median is reported)', '3')
  .option('--events <n>', 'events per run', '100000')
  .option('--clients <list>', 'comma-separated clients to measure', 'confluent,kafkajs')
  .action(kafkaBench);
program
  .command('features')
  .description('Redis feature store: keys/s for both layouts at batch 256 and 1024 vs redis-benchmark')
  .option('--runs <n>', 'runs per measurement (the median is reported)', '3')
  .option('--entities <n>', 'entities seeded per layout', '100000')
  .option('--duration-ms <n>', 'how long each Sluice measurement runs', '1500')
  .option('--redis-port <port>', 'use a running redis-server on 127.0.0.1 instead of starting a private one')
  .action(featuresBench);
program
  .command('event-loop')
  .description('main-thread event-loop lag while the inference worker scores large batches, against idle')
  .option('--runs <n>', 'runs (the median is reported)', '3')
  .option('--rows <n>', 'rows per batch', '200000')
  .option('--batches <n>', 'batches scored back to back per run', '6')
  .action(eventLoopBench);
program
  .command('restart')
  .description(
    'SIGKILL and restart on Kafka: time to ready and to the first prediction, static membership on and off',
  )
  .option('--runs <n>', 'runs per mode (the median is reported)', '3')
  .option('--session-timeout-ms <n>', 'transport.kafka.sessionTimeoutMs of both instances', '10000')
  .action(restartBench);
program
  .command('row')
  .description('ns per row: the compiled input-row declaration against the hand-written fraud row')
  .option('--runs <n>', 'alternating runs of each (the median is reported)', '9')
  .option('--rows <n>', 'rows per run', '2000000')
  .action(rowBench);
await program.parseAsync(process.argv);
