/**
 * `npm run bench -- kafka-steady`: Sluice in Kafka mode under steady open-loop load, producer on
 * the same box. A producer in this process sends `--rate` events a second in 10 ms ticks on a
 * fixed schedule, each event's `event_time` its intended send time, never waiting for Sluice (it
 * reports how far behind its own schedule it fell). Sluice runs as its own process
 * (loadtest/sluice-process.ts), enriching from Redis, into a LogAppendTime predictions topic read
 * back by loadtest/prediction-reader.ts. Per run: end-to-end p50/p99 from event time to the
 * prediction's append time, and the backlog over time (events sent minus predictions appended,
 * per second). A rate is sustainable when the lag stayed flat: the backlog at the end of sending
 * is under a quarter second of input (at least 1,000) and grew by less than 50 ms of input over
 * the second half, and the producer kept its schedule.
 * `--search` finds the highest such rate.
 *
 *   npm run bench -- kafka-steady --rate 11750 --seconds 10 --clients confluent
 *   npm run bench -- kafka-steady --search --rate 20000 --clients confluent,kafkajs
 */

import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { TransactionGenerator } from '../models/generator/index.ts';
import { codecs } from '../schemas/index.ts';
import type { OutgoingRecord } from '../streams/index.ts';
import { names } from './kafka-bench.ts';
import {
  type BenchSetup,
  type Context,
  openContext,
  type SluiceClient,
  sluiceEnv,
  withSetupOptions,
} from './kafka-bench-setup.ts';
import { PredictionReader } from './prediction-reader.ts';
import { formatNumber, writeJson } from './report.ts';
import { SluiceProcess } from './sluice-process.ts';

const TICK_MS = 10;

/** One steady run at one rate. */
export interface SteadyResult {
  client: SluiceClient;
  rate: number;
  seconds: number;
  sent: number;
  /** How far behind its schedule the producer was, at its worst and at the end (ms). */
  producerBehindMaxMs: number;
  producerBehindEndMs: number;
  fromEventTime: { p50: number; p99: number };
  /** From event time, leaving out the first WARMUP_SECONDS of sending (a fresh process's JIT warm-up). */
  afterWarmup: { p50: number; p99: number };
  fromIngest: { p50: number; p99: number };
  /** Events sent minus predictions appended, at the end of each second of sending. */
  backlog: number[];
  /** Per second of sending: the worst wait before ingest (Kafka, fetch) and from ingest to append (the pipeline), ms. */
  worstBySecond: Array<{ toIngest: number; toAppend: number }>;
  sustainable: boolean;
  /** Predictions not read back within the grace after sending ended. */
  missing: number;
}

/** Seconds at the start of a run whose events `afterWarmup` leaves out: a fresh process is still compiling its hot paths. */
const WARMUP_SECONDS = 2;

/**
 * Flat: at the end, under a quarter second of input (at least 1,000), and over the second half of
 * the run it grew by less than 50 ms of input.
 */
function isFlat(backlog: readonly number[], rate: number): boolean {
  const last = backlog.at(-1) ?? 0;
  const middle = backlog[Math.floor(backlog.length / 2)] ?? 0;
  return last <= Math.max(1000, rate / 4) && last - middle <= Math.max(500, rate * 0.05);
}

async function untilReady(port: number, sluice: SluiceProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (sluice.exitCode() !== null)
      throw new Error(`Sluice exited ${sluice.exitCode()} while starting; see ${sluice.logFile}`);
    try {
      if ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  throw new Error(`Sluice was not ready within ${timeoutMs} ms; see ${sluice.logFile}`);
}

export async function steadyRun(
  ctx: Context,
  client: SluiceClient,
  rate: number,
  seconds: number,
  label: string,
): Promise<SteadyResult> {
  const n = names(`steady-${client}`);
  await ctx.transport.ensureTopics([
    { topic: n.events, partitions: 6 },
    { topic: n.out, partitions: 6, configs: { 'message.timestamp.type': 'LogAppendTime' } },
  ]);
  const env = await sluiceEnv(n, client, ctx);
  const sluice = SluiceProcess.start(
    ctx.dir,
    env,
    join(ctx.logDir, `steady-${client}-${label}.log`),
    ctx.nodeArgs,
    ctx.entry,
  );
  const reader = await PredictionReader.open(ctx.transport, n.out, `${n.group}-reader`);
  const producer = await ctx.transport.createProducer();
  try {
    await untilReady(Number(env.SLUICE_PORT), sluice);
    const generator = new TransactionGenerator({ seed: 7 });
    const total = Math.round(rate * seconds);
    const sentBySecond: number[] = new Array(seconds).fill(0);
    const sends: Array<Promise<void>> = [];
    let sent = 0;
    let behindMax = 0;
    let behindEnd = 0;
    const startMs = Date.now() + 50;
    reader.steadyFromMs = startMs + WARMUP_SECONDS * 1000;
    const produce = async () => {
      for (let tick = 0; sent < total; tick++) {
        const due = startMs + tick * TICK_MS;
        const wait = due - Date.now();
        if (wait > 0) await sleep(wait);
        const upTo = Math.min(total, Math.round((rate * (tick + 1) * TICK_MS) / 1000));
        const records: OutgoingRecord[] = [];
        for (; sent < upTo; sent++) {
          const event = { ...generator.next().event, event_time: due };
          records.push({ key: event.key, value: codecs.event.encode(event) });
        }
        behindEnd = Math.max(0, Date.now() - due);
        behindMax = Math.max(behindMax, behindEnd);
        sentBySecond[Math.min(seconds - 1, Math.floor((due - startMs) / 1000))]! += records.length;
        // Open loop: the next tick does not wait for this one's delivery.
        if (records.length > 0) sends.push(producer.send(n.events, records));
      }
      await Promise.all(sends);
    };
    await Promise.all([
      produce(),
      reader.readUntil(total, startMs + seconds * 1000 + 15_000, () => sluice.exitCode() !== null),
    ]);
    const r = reader.result();
    const backlog: number[] = [];
    let cumulativeSent = 0;
    for (let s = 0; s < seconds; s++) {
      cumulativeSent += sentBySecond[s]!;
      const endOfSecond = Math.floor((startMs + (s + 1) * 1000) / 100);
      let appended = 0;
      for (const [tenth, count] of reader.perTenth) if (tenth < endOfSecond) appended += count;
      backlog.push(cumulativeSent - appended);
    }
    return {
      client,
      rate,
      seconds,
      sent,
      producerBehindMaxMs: behindMax,
      producerBehindEndMs: behindEnd,
      fromEventTime: r.fromEventTime,
      afterWarmup: r.fromEventTimeSteady,
      fromIngest: r.fromIngest,
      backlog,
      worstBySecond: Array.from({ length: seconds }, (_, i) => {
        const worst = reader.worstBySecond.get(Math.floor(startMs / 1000) + i);
        return worst ?? { toIngest: 0, toAppend: 0 };
      }),
      sustainable: isFlat(backlog, rate) && behindEnd < 250,
      missing: total - r.unique,
    };
  } finally {
    await producer.close();
    await sluice.stop();
    await reader.close();
  }
}

/** The highest sustainable rate: up by half until a rate fails, then `steps` bisections. */
export async function searchSustainable(
  ctx: Context,
  client: SluiceClient,
  startRate: number,
  seconds: number,
  steps: number,
  report: (r: SteadyResult) => void,
): Promise<{ rate: number; runs: SteadyResult[] }> {
  const runs: SteadyResult[] = [];
  const tryRate = async (rate: number) => {
    const result = await steadyRun(ctx, client, Math.round(rate), seconds, `search-${runs.length}`);
    runs.push(result);
    report(result);
    return result.sustainable;
  };
  let lo = 0;
  let hi = Number.POSITIVE_INFINITY;
  let rate = startRate;
  while (hi === Number.POSITIVE_INFINITY && rate <= 1_000_000) {
    if (await tryRate(rate)) {
      lo = rate;
      rate *= 1.5;
    } else hi = rate;
  }
  if (lo === 0) {
    // Even the start failed: come down by halves until one holds.
    for (rate = startRate / 2; lo === 0 && rate >= 500; rate /= 2) {
      if (await tryRate(rate)) lo = rate;
      else hi = rate;
    }
  }
  for (let i = 0; i < steps && Number.isFinite(hi) && lo > 0; i++) {
    const mid = (lo + hi) / 2;
    if (await tryRate(mid)) lo = mid;
    else hi = mid;
  }
  return { rate: Math.round(lo), runs };
}

export function describeRun(r: SteadyResult): string {
  const backlog = r.backlog.map((b) => formatNumber(b)).join(' ');
  return (
    `${r.client} at ${formatNumber(r.rate)}/s for ${r.seconds} s: event time→append p50/p99 ${r.fromEventTime.p50}/${r.fromEventTime.p99} ms ` +
    `(after the first ${WARMUP_SECONDS} s: ${r.afterWarmup.p50}/${r.afterWarmup.p99} ms), ` +
    `producer behind max ${r.producerBehindMaxMs} ms, backlog by second [${backlog}] → ${r.sustainable ? 'sustainable' : 'NOT sustainable'}` +
    (r.missing > 0 ? `, ${r.missing} not read back in time` : '') +
    `\n  worst by second, before ingest / ingest→append ms: ${r.worstBySecond.map((w) => `${w.toIngest}/${w.toAppend}`).join(' ')}`
  );
}

/** `npm run bench -- kafka-steady`: one rate, or `--search` for the sustainable one, per client. */
export async function kafkaSteadyBench(
  options: BenchSetup & { rate: string; seconds: string; clients: string; search?: boolean; steps: string },
): Promise<void> {
  const clients = options.clients.split(',') as SluiceClient[];
  const seconds = Number(options.seconds);
  const { ctx, close } = await openContext(options, []);
  const say = (r: SteadyResult) => process.stderr.write(`bench kafka-steady: ${describeRun(r)}\n`);
  try {
    const rows: Array<Record<string, unknown>> = [];
    for (const client of clients) {
      if (options.search) {
        const { rate, runs } = await searchSustainable(
          ctx,
          client,
          Number(options.rate),
          seconds,
          Number(options.steps),
          say,
        );
        const best = runs.filter((r) => r.sustainable).sort((a, b) => b.rate - a.rate)[0];
        rows.push({ client, sustainable: rate, best, runs });
        process.stdout.write(`${client} sustainable ${formatNumber(rate)}/s\n`);
      } else {
        const run = await steadyRun(ctx, client, Number(options.rate), seconds, 'fixed');
        say(run);
        rows.push({ client, run });
        process.stdout.write(
          `${client} steady ${formatNumber(run.rate)}/s p99 ${run.fromEventTime.p99} ms from event time, ${run.afterWarmup.p99} ms after warm-up (${run.sustainable ? 'sustainable' : 'not sustainable'})\n`,
        );
      }
    }
    process.stdout.write(`wrote ${writeJson('kafka-steady', { seconds, rows })}\n`);
  } finally {
    await close();
  }
}

/** The options of `bench kafka-steady`. */
export function kafkaSteadyCommand(command: Command): Command {
  return withSetupOptions(
    command
      .description(
        'Sluice in Kafka mode under open-loop load on a fixed schedule: latency from event time, backlog over time, the sustainable rate',
      )
      .option('--rate <n>', 'events per second (with --search: where the search starts)', '20000')
      .option('--seconds <n>', 'seconds of sending per run', '10')
      .option('--clients <list>', 'comma-separated clients', 'platformatic')
      .option('--search', 'find the highest rate whose backlog stays flat')
      .option('--steps <n>', 'bisection steps of the search', '3'),
  ).action(kafkaSteadyBench);
}
