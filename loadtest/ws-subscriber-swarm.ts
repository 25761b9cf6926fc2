/**
 * A child process of the live-feed benchmarks: `count` WebSocket clients on one channel, the
 * last `stalled` of which stop reading after subscribing. It measures, for the clients that read,
 * the delivery latency of each message (receive time minus the `inference_time` the message
 * carries, the publish time in the fan-out runs) and reports over IPC: `ready` once all are
 * subscribed, then, when told `stop`, the counts, an HDR histogram's percentiles and the CPU it
 * used meanwhile. The clients are lean (loadtest/lean-ws-client.ts) so that they, sharing the
 * cores with the server, take as little of them as they can.
 */
import * as hdr from 'hdr-histogram-js';
import { LeanWsClient } from './lean-ws-client.ts';

const [port, count, stalled, batch, channel] = [
  Number(process.argv[2]),
  Number(process.argv[3]),
  Number(process.argv[4] ?? 0),
  process.argv[5] === 'batch',
  process.argv[6] ?? 'predictions',
];
const LATENCY_FIELD = Buffer.from('"inference_time":');
const CONTROL = Buffer.from('{"op"');
const SUBSCRIBED = Buffer.from('{"op":"subscribed"');
const DIGIT_0 = 0x30;

const histogram = hdr.build({
  lowestDiscernibleValue: 1,
  highestTrackableValue: 3_600_000,
  numberOfSignificantValueDigits: 3,
});
let received = 0;
let closedByServer = 0;
const clients: LeanWsClient[] = [];

function startsWith(payload: Buffer, start: number, end: number, prefix: Buffer): boolean {
  return (
    end - start >= prefix.length &&
    payload.compare(prefix, 0, prefix.length, start, start + prefix.length) === 0
  );
}

/** Every message in the frame (one, or an array of them in a batch frame): one latency each. */
function record(payload: Buffer, start: number, end: number): void {
  const now = Date.now();
  for (
    let at = payload.indexOf(LATENCY_FIELD, start);
    at >= 0 && at < end;
    at = payload.indexOf(LATENCY_FIELD, at + 1)
  ) {
    let sent = 0;
    for (let i = at + LATENCY_FIELD.length; i < end; i++) {
      const digit = payload[i]! - DIGIT_0;
      if (digit < 0 || digit > 9) break;
      sent = sent * 10 + digit;
    }
    received++;
    histogram.recordValue(Math.max(1, now - sent));
  }
}

async function open(i: number): Promise<void> {
  const reading = i < count - stalled;
  let subscribed: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    subscribed = resolve;
  });
  const client = await LeanWsClient.connect(port, '/ws', {
    onFrame(payload, start, end) {
      if (startsWith(payload, start, end, CONTROL)) {
        if (startsWith(payload, start, end, SUBSCRIBED)) {
          if (!reading) client.pause();
          subscribed();
        }
        return;
      }
      record(payload, start, end);
    },
    onClose(code) {
      if (code === 4008) closedByServer++;
    },
  });
  clients.push(client);
  client.sendText(JSON.stringify({ op: 'subscribe', channel, batch }));
  await done;
}

for (let i = 0; i < count; i += 50)
  await Promise.all(Array.from({ length: Math.min(50, count - i) }, (_, j) => open(i + j)));
const cpuAtReady = process.cpuUsage();
process.send!({ kind: 'ready' });
process.on('message', (message: { kind: string }) => {
  if (message.kind !== 'stop') return;
  const used = process.cpuUsage(cpuAtReady);
  process.send!({
    kind: 'result',
    received,
    closedByServer,
    p50Ms: histogram.getValueAtPercentile(50),
    p99Ms: histogram.getValueAtPercentile(99),
    maxMs: histogram.maxValue,
    cpuSeconds: (used.user + used.system) / 1e6,
  });
  for (const client of clients) client.destroy();
  setTimeout(() => process.exit(0), 100);
});
