import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../core/free-port.ts';

const run = promisify(execFile);

/** A `redis-server` the benchmark owns (no persistence), so other users of a shared Redis add no noise. */
export async function startPrivateRedis(): Promise<{ port: number; url: string; stop(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-bench-redis-'));
  const port = await freePort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  child.once('error', (error) => {
    throw new Error(`cannot start redis-server (npm run services -- up installs it): ${error.message}`);
  });
  for (let i = 0; ; i++) {
    try {
      await run('redis-cli', ['-p', String(port), 'ping']);
      break;
    } catch (error) {
      if (i > 100) throw error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      child.kill('SIGKILL');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs `redis-benchmark` on one connection (`-c 1`), like Sluice's one client, and returns its
 * requests per second. `__rand_int__` in the command becomes a random 12-digit key under `-r`.
 */
export async function redisBenchmarkRps(options: {
  port: number;
  requests: number;
  pipeline: number;
  keyspace: number;
  command: string[];
}): Promise<number> {
  const args = [
    '-p',
    String(options.port),
    '-c',
    '1',
    '-n',
    String(options.requests),
    '-P',
    String(options.pipeline),
  ];
  args.push('-r', String(options.keyspace), '--csv', ...options.command);
  const { stdout } = await run('redis-benchmark', args, { maxBuffer: 16 * 1024 * 1024 });
  const line = stdout.trim().split('\n').at(-1) ?? '';
  const rps = Number(JSON.parse(`[${line}]`)[1]);
  if (!Number.isFinite(rps)) throw new Error(`redis-benchmark: cannot read requests/s from: ${stdout}`);
  return rps;
}
