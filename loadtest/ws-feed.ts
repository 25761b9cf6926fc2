import { Command } from 'commander';
import WebSocket from 'ws';

/**
 * `npm run feed -- [--channel predictions] [--count N] [--min-score S] [--key K]`: subscribes to a
 * live channel like any dashboard would and prints each message as one JSON line.
 */
const program = new Command('feed')
  .option('--url <url>', 'WebSocket endpoint', `ws://localhost:${process.env.SLUICE_PORT ?? 8080}/ws`)
  .option('--channel <name>', 'predictions | deadletters | drift | status', 'predictions')
  .option('--count <n>', 'exit after this many messages (0 = run until Ctrl-C)', '0')
  .option('--min-score <s>', 'only predictions with score >= s')
  .option('--key <key...>', 'only predictions for these keys')
  .option('--timeout-ms <ms>', 'fail if nothing arrives within this long', '15000')
  .parse();

const options = program.opts<{
  url: string;
  channel: string;
  count: string;
  minScore?: string;
  key?: string[];
  timeoutMs: string;
}>();
const limit = Number(options.count);
const filter: Record<string, unknown> = {};
if (options.minScore !== undefined) filter.minScore = Number(options.minScore);
if (options.key) filter.keys = options.key;

const socket = new WebSocket(options.url);
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
