/**
 * `node --import tsx loadtest/ws-send-cost-bench.ts [--subscribers 1000] [--seconds 3]`: what sending one message to
 * one subscriber costs this process in CPU (all threads, from process.cpuUsage), publishing 5
 * messages every 10 ms to subscribers in a child process: through the LiveServer's hub (one
 * publishBatch of 5: one cork and one write per subscriber), and through uWS's own pub/sub
 * (`app.publish` of each, whose writes happen later in uWS's loop, so the call alone looks cheap). Writes bench-results/ws-send-cost-*.json.
 */

import uws from 'uWebSockets.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { Command } from 'commander';
import { silentLogger } from '../core/logger.ts';
import { LiveServer } from '../sinks/websocket/index.ts';
import { formatNumber, printTable, writeJson } from './report.ts';
import { Swarm } from './subscriber-swarm.ts';

const PER_TICK = 5;

function message(seq: number): Buffer {
  const now = Date.now();
  return Buffer.from(
    JSON.stringify({
      channel: 'predictions',
      seq,
      data: { event_id: `e-${seq}`, key: 'k', score: 0.5, inference_time: now },
    }),
  );
}

/** CPU ns per message-subscriber while `publish` sends PER_TICK messages every 10 ms for `seconds`. */
async function measure(subscribers: number, seconds: number, publish: (firstSeq: number) => void) {
  let seq = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  let inCallMs = 0;
  for (let t = 0; t < seconds * 100; t++) {
    const at = performance.now();
    publish(seq + 1);
    seq += PER_TICK;
    inCallMs += performance.now() - at;
    await sleep(10);
  }
  const used = process.cpuUsage(cpu);
  const wallMs = performance.now() - started;
  const deliveries = seq * subscribers;
  return {
    cpuNsPerDelivery: ((used.user + used.system) * 1000) / deliveries,
    inCallNsPerDelivery: (inCallMs * 1e6) / deliveries,
    cpuShareOfWall: (used.user + used.system) / 1000 / wallMs,
  };
}

async function main(options: { subscribers: string; seconds: string }): Promise<void> {
  const subscribers = Number(options.subscribers);
  const seconds = Number(options.seconds);

  const server = await LiveServer.start({
    port: 0,
    logger: silentLogger,
    maxSubscribers: subscribers + 10,
    maxFanOutShare: 1,
  });
  let swarm = new Swarm(server.port, subscribers);
  await swarm.ready;
  const hub = await measure(subscribers, seconds, () =>
    server.publishBatch('predictions', [{ key: 'k', score: 0.5, inference_time: Date.now() }]),
  );
  await swarm.stop();
  await server.close();

  const app = uws.App();
  app.ws('/ws', {
    compression: uws.DISABLED,
    maxBackpressure: 1 << 20,
    open: (ws) => {
      ws.send('{"op":"hello"}');
    },
    message: (ws) => {
      ws.subscribe('predictions');
      ws.send('{"op":"subscribed"}');
    },
  });
  let port = 0;
  let listening: uws.us_listen_socket | undefined;
  app.listen('127.0.0.1', 0, (socket) => {
    listening = socket || undefined;
    if (socket) port = uws.us_socket_local_port(socket);
  });
  swarm = new Swarm(port, subscribers);
  await swarm.ready;
  const pubsub = await measure(subscribers, seconds, (seq) =>
    app.publish('predictions', message(seq), false),
  );
  await swarm.stop();
  if (listening) uws.us_listen_socket_close(listening);
  (app as { close?: () => void }).close?.();

  printTable({
    title: `Sending to ${formatNumber(subscribers)} subscribers, ${PER_TICK} messages every 10 ms for ${seconds} s (subscribers in a child process)`,
    columns: ['path', 'process CPU ns per message-subscriber', 'in the call ns', 'process CPU share of wall'],
    rows: [
      [
        'LiveServer hub (cork, writes per subscriber)',
        formatNumber(hub.cpuNsPerDelivery),
        formatNumber(hub.inCallNsPerDelivery),
        `${formatNumber(100 * hub.cpuShareOfWall, 1)}%`,
      ],
      [
        'uWS app.publish (pub/sub)',
        formatNumber(pubsub.cpuNsPerDelivery),
        formatNumber(pubsub.inCallNsPerDelivery),
        `${formatNumber(100 * pubsub.cpuShareOfWall, 1)}%`,
      ],
    ],
  });
  process.stderr.write(
    `ws-send-cost: wrote ${writeJson('ws-send-cost', { subscribers, seconds, hub, pubsub })}\n`,
  );
  process.exit(0);
}

await new Command('ws-send-cost-bench')
  .option('--subscribers <n>', 'subscribers', '1000')
  .option('--seconds <n>', 'seconds per path', '3')
  .action(main)
  .parseAsync();
