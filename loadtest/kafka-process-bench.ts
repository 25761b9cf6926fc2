/**
 * `npm run bench -- kafka` (or `node --import tsx loadtest/kafka-process-bench.ts`): Sluice in
 * Kafka mode measured from outside, as a user's process: each run, per client, a fresh group drains
 * a backlog of `--events` events over 6 partitions, enriched from Redis, into a predictions topic
 * with `message.timestamp.type=LogAppendTime`. Reported per client (medians over `--runs`):
 * events/s, p50/p99 from ingest and from event time to the prediction's append time, CPU seconds
 * per 100k events of the whole Sluice process (/proc, every thread, from the first record ingested
 * to the last prediction appended), peak RSS, time from process start to the first record, and, in
 * the same run, the embedded pipeline's CPU per event (the ratio the issue's target is about).
 *
 * `--sluice-dir` names the checkout whose Sluice runs (default: the working directory), so
 * ab-bench can run this harness against another commit:
 *   ../shared/tools/ab-bench --base <commit> \
 *     --cmd "node --import tsx $PWD/loadtest/kafka-process-bench.ts --runs 1 --clients default" \
 *     --metric 'rate=default drain ([0-9,.]+)/s'
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { freePort } from '../core/free-port.ts';
import { silentLogger } from '../core/logger.ts';
import type { OutgoingRecord } from '../streams/index.ts';
import { fill, names } from './kafka-bench.ts';
import {
  type BenchSetup,
  type Context,
  openContext,
  type SluiceClient,
  sluiceEnv,
  sluiceOwnTopics,
  withSetupOptions,
} from './kafka-bench-setup.ts';
import { printDecisions, printMemory, printThreads } from './kafka-process-report.ts';
import { type MemoryBreakdown, MemorySampler } from './memory-sampler.ts';
import { PredictionReader } from './prediction-reader.ts';
import { ProcSampler, processCpuSeconds, threadCpuSeconds } from './proc-sampler.ts';
import { formatNumber, median, printTable, writeJson } from './report.ts';
import { SluiceProcess } from './sluice-process.ts';

/** One drain of the backlog by one Sluice process. */
export interface DrainResult {
  client: SluiceClient;
  eventsPerSecond: number;
  fromIngest: { p50: number; p99: number };
  fromEventTime: { p50: number; p99: number };
  cpuSecondsPer100k: number;
  cpuMicrosPerEvent: number;
  peakRssMiB: number;
  startupMs: number;
  duplicates: number;
  /** CPU seconds per 100k events by thread kind, from the first prediction read back to the last. */
  threads: Record<string, number>;
  /** With --memory: the process's memory by kind, at its highest RSS while draining. */
  memory?: MemoryBreakdown | undefined;
}

async function drain(ctx: Context, client: SluiceClient, run: number): Promise<DrainResult> {
  const n = names(`drain-${client}`);
  await ctx.transport.ensureTopics([
    { topic: n.events, partitions: 6 },
    { topic: n.out, partitions: 6, configs: { 'message.timestamp.type': 'LogAppendTime' } },
    ...(ctx.topicsExist ? sluiceOwnTopics(n) : []),
  ]);
  await fill(ctx.transport, n.events, ctx.records);
  const reader = await PredictionReader.open(ctx.transport, n.out, `${n.group}-reader`);
  const logFile = join(ctx.logDir, `drain-${client}-${run}.log`);
  const env = await sluiceEnv(n, client, ctx);
  const sluice = SluiceProcess.start(ctx.dir, env, logFile, ctx.nodeArgs, ctx.entry);
  const sampler = new ProcSampler(sluice.pid);
  const replicas: SluiceProcess[] = [];
  for (let i = 1; i < ctx.replicas; i++) {
    const replicaEnv = { ...env, SLUICE_PORT: String(await freePort()) };
    const replicaLog = logFile.replace(/\.log$/, `-replica${i}.log`);
    replicas.push(SluiceProcess.start(ctx.dir, replicaEnv, replicaLog, ctx.nodeArgs, ctx.entry));
  }
  const replicaSamplers = replicas.map((p) => new ProcSampler(p.pid));
  const memory = ctx.memory ? new MemorySampler(Number(env.SLUICE_PORT)) : undefined;
  const total = ctx.records.length;
  try {
    let threadsAtStart = new Map<string, number>();
    let othersAtStart = new Map<string, number>();
    await reader.readUntil(
      total,
      Date.now() + 300_000,
      () => sluice.exitCode() !== null || replicas.some((p) => p.exitCode() !== null),
      () => {
        threadsAtStart = threadCpuSeconds(sluice.pid);
        othersAtStart = otherProcessesCpu();
      },
    );
    const threads: Record<string, number> = {};
    for (const [kind, seconds] of threadCpuSeconds(sluice.pid))
      threads[kind] = ((seconds - (threadsAtStart.get(kind) ?? 0)) * 100_000) / total;
    // What shares the cores: the broker, and this bench reading the predictions back.
    for (const [kind, seconds] of otherProcessesCpu())
      threads[kind] = ((seconds - (othersAtStart.get(kind) ?? seconds)) * 100_000) / total;
    sampler.stop();
    for (const s of replicaSamplers) s.stop();
    if (reader.unique < total)
      throw new Error(
        `${client}: ${reader.unique} of ${total} predictions read back (Sluice ${sluice.exitCode() === null ? 'still running' : `exited ${sluice.exitCode()}`}); see ${logFile}`,
      );
    const r = reader.result();
    const seconds = (r.lastAppendMs - r.firstIngestMs) / 1000;
    let cpu = sampler.cpuAt(r.lastAppendMs) - sampler.cpuAt(r.firstIngestMs);
    for (const s of replicaSamplers) cpu += s.cpuAt(r.lastAppendMs) - s.cpuAt(r.firstIngestMs);
    return {
      client,
      eventsPerSecond: total / seconds,
      fromIngest: r.fromIngest,
      fromEventTime: r.fromEventTime,
      cpuSecondsPer100k: (cpu * 100_000) / total,
      cpuMicrosPerEvent: (cpu * 1e6) / total,
      // VmHWM, read by the sampler's last sample (stop) while the process still runs.
      peakRssMiB: replicaSamplers.reduce((sum, s) => sum + s.peakRssMiB, sampler.peakRssMiB),
      startupMs: r.firstIngestMs - sluice.startedAtMs,
      duplicates: r.duplicates,
      threads,
      memory: memory?.peak,
    };
  } finally {
    sampler.stop();
    for (const s of replicaSamplers) s.stop();
    memory?.stop();
    await Promise.all([sluice.stop(), ...replicas.map((p) => p.stop())]);
    await reader.close();
  }
}

/**
 * CPU seconds so far of the processes that share the cores with Sluice: the Kafka broker (its pid
 * from KAFKA_PID or `npm run services`' pid file) and this bench process.
 */
function otherProcessesCpu(): Map<string, number> {
  const out = new Map<string, number>();
  const { user, system } = process.cpuUsage();
  out.set('(bench process)', (user + system) / 1e6);
  const pidFile = '.sluice/services/kafka/kafka.pid';
  const brokerPid = Number(
    process.env.KAFKA_PID ?? (existsSync(pidFile) ? readFileSync(pidFile, 'utf8') : NaN),
  );
  const broker = Number.isInteger(brokerPid) ? processCpuSeconds(brokerPid) : null;
  if (broker !== null) out.set('(kafka broker)', broker);
  return out;
}

/** The embedded pipeline's CPU per event (every thread), with the code of the checkout under test. */
async function embeddedCpuMicrosPerEvent(dir: string, events: number): Promise<number> {
  const load = (path: string) => import(pathToFileURL(resolve(dir, path)).href);
  const { generateEncodedEvents, measurePipeline } = await load('loadtest/pipeline-bench.ts');
  const { InferencePool } = await load('processors/infer/index.ts');
  const pool = await InferencePool.create({
    manifestPath: resolve(dir, 'models/fraud/manifest.json'),
    logger: silentLogger,
  });
  try {
    const result = await measurePipeline(pool, generateEncodedEvents(events), { maxBatchSize: 256 });
    return result.cpuMicrosPerEvent as number;
  } finally {
    await pool.close();
  }
}

export async function kafkaProcessBench(
  options: BenchSetup & { runs: string; events: string; clients: string },
): Promise<void> {
  const dir = resolve(options.sluiceDir);
  const runs = Number(options.runs);
  const clients = options.clients.split(',') as SluiceClient[];
  const { generateEncodedEvents } = await import(
    pathToFileURL(resolve(dir, 'loadtest/pipeline-bench.ts')).href
  );
  const records: OutgoingRecord[] = generateEncodedEvents(Number(options.events));
  const { ctx, close } = await openContext(options, records);
  const logDir = ctx.logDir;
  try {
    const embedded: number[] = [];
    const results = new Map<SluiceClient, DrainResult[]>(clients.map((c) => [c, []]));
    for (let r = 0; r < runs; r++) {
      embedded.push(await embeddedCpuMicrosPerEvent(dir, 200_000));
      // Clients alternate within each run, so a noisy moment on the machine hits both alike.
      for (const client of clients) {
        const result = await drain(ctx, client, r);
        results.get(client)!.push(result);
        process.stderr.write(
          `bench kafka: run ${r + 1}/${runs}: ${client} drain ${formatNumber(result.eventsPerSecond)}/s, p99 ${result.fromIngest.p99} ms, ${formatNumber(result.cpuSecondsPer100k, 2)} CPU s/100k, peak RSS ${formatNumber(result.peakRssMiB)} MiB; embedded ${formatNumber(embedded.at(-1)!, 2)} µs/event\n`,
        );
      }
    }
    if (ctx.decisions)
      for (const client of clients) printDecisions(join(logDir, `drain-${client}-${runs - 1}.log`));
    const embeddedMicros = median(embedded);
    const rows = clients.map((client) => {
      const all = results.get(client)!;
      const m = (f: (d: DrainResult) => number) => median(all.map(f));
      return {
        client,
        eventsPerSecond: m((d) => d.eventsPerSecond),
        p50Ms: m((d) => d.fromIngest.p50),
        p99Ms: m((d) => d.fromIngest.p99),
        eventTimeP50Ms: m((d) => d.fromEventTime.p50),
        eventTimeP99Ms: m((d) => d.fromEventTime.p99),
        cpuSecondsPer100k: m((d) => d.cpuSecondsPer100k),
        cpuRatioToEmbedded: m((d) => d.cpuMicrosPerEvent) / embeddedMicros,
        peakRssMiB: m((d) => d.peakRssMiB),
        startupMs: m((d) => d.startupMs),
        duplicates: m((d) => d.duplicates),
      };
    });
    printTable({
      title: `Kafka mode from outside: ${formatNumber(records.length)} events over 6 partitions, Redis enrichment, drained by a fresh group; median of ${runs} (${dir})`,
      columns: [
        'client',
        'events/s',
        'ingest→append p50/p99 ms',
        'CPU s/100k',
        'CPU vs embedded',
        'peak RSS MiB',
        'start→first record ms',
      ],
      rows: rows.map((r) => [
        r.client,
        formatNumber(r.eventsPerSecond),
        `${r.p50Ms} / ${r.p99Ms}`,
        formatNumber(r.cpuSecondsPer100k, 2),
        `${formatNumber(r.cpuRatioToEmbedded, 1)}x`,
        formatNumber(r.peakRssMiB),
        formatNumber(r.startupMs),
      ]),
    });
    printThreads(clients, results);
    if (ctx.memory) printMemory(clients, results);
    process.stdout.write(
      `embedded pipeline (batch 256, same runs): ${formatNumber(embeddedMicros, 2)} µs CPU/event\n`,
    );
    for (const r of rows)
      process.stdout.write(
        `${r.client} drain ${formatNumber(r.eventsPerSecond)}/s p99 ${r.p99Ms} ms cpu ${formatNumber(r.cpuSecondsPer100k, 2)} s/100k ratio ${formatNumber(r.cpuRatioToEmbedded, 2)}x rss ${formatNumber(r.peakRssMiB)} MiB startup ${formatNumber(r.startupMs)} ms\n`,
      );
    process.stdout.write(
      `wrote ${writeJson('kafka-process', { runs, events: records.length, dir, embeddedMicros, rows, samples: Object.fromEntries(results) })}\n`,
    );
  } finally {
    await close();
  }
}

/** The options of `bench kafka` (also this file's own command line). */
export function kafkaDrainCommand(command: Command): Command {
  return withSetupOptions(
    command
      .description(
        'Sluice in Kafka mode as a process, from outside: drain rate, ingest→append latency, CPU and RSS from /proc, per client',
      )
      .option('--runs <n>', 'runs (each drains the backlog once per client)', '3')
      .option('--events <n>', 'events in the backlog', '100000')
      .option(
        '--clients <list>',
        'comma-separated clients (`default`: none set, Sluice picks)',
        'platformatic,confluent,kafkajs',
      )
      .option(
        '--topics-exist',
        "create Sluice's own topics (dead letters, drift) first, so its startup is timed as a restart's",
      )
      .option(
        '--replicas <n>',
        'Sluice processes in the group, each its own member (CPU and RSS summed; threads of the first)',
        '1',
      )
      .option(
        '--decisions',
        "print the latency-budget controller's decisions of the last run (Sluice logs at debug)",
      ),
  ).action(kafkaProcessBench);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href)
  await kafkaDrainCommand(new Command('kafka-process-bench')).parseAsync();
