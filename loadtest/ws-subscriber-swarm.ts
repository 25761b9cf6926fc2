/**
 * A child process of loadtest/ws-fanout-bench.ts: `count` WebSocket clients on one channel, the
 * last `stalled` of which stop reading after subscribing. It measures, for the clients that read,
 * the delivery latency of each message (receive time minus the `inference_time` the message
 * carries, the publish time in the fan-out runs) and reports over IPC: `ready` once all are
 * subscribed, then, when told `stop`, the counts and an HDR histogram's percentiles.
 */
import * as hdr from 'hdr-histogram-js';
import WebSocket from 'ws';

const [port, count, stalled, channel] = [
  Number(process.argv[2]),
  Number(process.argv[3]),
  Number(process.argv[4] ?? 0),
  process.argv[5] ?? 'predictions',
];
const histogram = hdr.build({
  lowestDiscernibleValue: 1,
  highestTrackableValue: 3_600_000,
  numberOfSignificantValueDigits: 3,
});
let received = 0;
let closedByServer = 0;
const sockets: WebSocket[] = [];

async function open(i: number): Promise<void> {
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`);
  sockets.push(ws);
  const reading = i < count - stalled;
  await new Promise<void>((resolve, reject) => {
    ws.on('error', reject);
    ws.on('close', (code) => {
      if (code === 4008) closedByServer++;
    });
    ws.on('message', (data) => {
      const text = String(data);
      if (text.startsWith('{"op"')) {
        if (text.startsWith('{"op":"subscribed"')) {
          if (!reading) (ws as unknown as { _socket: { pause(): void } })._socket.pause();
          resolve();
        }
        return;
      }
      received++;
      const at = text.indexOf('"inference_time":');
      if (at > 0) {
        const sent = Number.parseInt(text.slice(at + 17, at + 40), 10);
        histogram.recordValue(Math.max(1, Date.now() - sent));
      }
    });
    ws.on('open', () => ws.send(JSON.stringify({ op: 'subscribe', channel })));
  });
}

for (let i = 0; i < count; i += 50)
  await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, j) => open(i + j)));
process.send!({ kind: 'ready' });
process.on('message', (message: { kind: string }) => {
  if (message.kind !== 'stop') return;
  process.send!({
    kind: 'result',
    received,
    closedByServer,
    p50Ms: histogram.getValueAtPercentile(50),
    p99Ms: histogram.getValueAtPercentile(99),
    maxMs: histogram.maxValue,
  });
  for (const ws of sockets) ws.terminate();
  setTimeout(() => process.exit(0), 100);
});
