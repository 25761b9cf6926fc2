import { Command } from 'commander';
import WebSocket from 'ws';

/**
 * `npm run feed -- [--channel predictions] [--count N] [--min-score S] [--key K] [--sample R]
 * [--token T]`: subscribes to a live channel like any dashboard would and prints each message as
 * one JSON line. With auth on, pass the token (or set SLUICE_LIVE_TOKEN).
 */
const program = new Command('feed')
  .option('--url <url>', 'WebSocket endpoint', `ws://localhost:${process.env.SLUICE_PORT ?? 8080}/ws`)
  .option('--channel <name>', 'predictions | deadletters | drift | alerts | stats', 'predictions')
  .option('--count <n>', 'exit after this many messages (0 = run until Ctrl-C)', '0')
  .option('--min-score <s>', 'only predictions with score >= s')
  .option('--key <key...>', 'only predictions for these keys')
  .option('--sample <rate>', 'only this share of predictions (0 to 1, the same ones for every client)')
  .option('--token <token>', 'bearer token when websocket.auth is configured', process.env.SLUICE_LIVE_TOKEN)
  .option('--timeout-ms <ms>', 'fail if nothing arrives within this long', '15000')
  .parse();

const options = program.opts<{
  url: string;
  channel: string;
  count: string;
  minScore?: string;
  key?: string[];
  sample?: string;
  token?: string;
  timeoutMs: string;
}>();
const limit = Number(options.count);
const filter: Record<string, unknown> = {};
if (options.minScore !== undefined) filter.minScore = Number(options.minScore);
if (options.key) filter.keys = options.key;
if (options.sample !== undefined) filter.sample = Number(options.sample);

const socket = new WebSocket(options.url, {
  headers: options.token ? { authorization: `Bearer ${options.token}` } : {},
});
let received = 0;
const timeout = setTimeout(() => {
  process.stderr.write(`feed: no message on "${options.channel}" within ${options.timeoutMs} ms\n`);
  process.exit(1);
}, Number(options.timeoutMs));

socket.on('open', () => {
  const subscribe = {
    op: 'subscribe',
    channel: options.channel,
    ...(Object.keys(filter).length ? { filter } : {}),
  };
  socket.send(JSON.stringify(subscribe));
});
socket.on('message', (data) => {
  const text = data.toString();
  const message = JSON.parse(text) as { op?: string; channel?: string };
  if (message.op === 'error') {
    process.stderr.write(`feed: server said ${text}\n`);
    process.exit(1);
  }
  if (message.channel !== options.channel || message.op !== undefined) return;
  timeout.refresh();
  process.stdout.write(`${text}\n`);
  if (limit > 0 && ++received >= limit) {
    socket.close();
    process.exit(0);
  }
});
socket.on('error', (error) => {
  process.stderr.write(`feed: cannot reach ${options.url}: ${error.message}\n`);
  process.exit(1);
});
