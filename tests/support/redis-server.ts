// Redis for the integration tier. `sharedRedisUrl` is the provisioned server (REDIS_URL); tests that
// kill Redis start their own throwaway `redis-server` so the shared one is never disturbed.
import { type ChildProcess, spawn } from 'node:child_process';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../core/free-port.ts';

/** The provisioned Redis; throws with the way to get one when REDIS_URL is unset (tests never skip). */
export function sharedRedisUrl(): string {
  const url = process.env.REDIS_URL;
  if (!url) {
    throw new Error(
      'REDIS_URL is not set: these tests need a real Redis server. Run `bash scripts/services.sh up && ' +
        'source .sluice/services/env` (or `npm test`, which provisions one), or point REDIS_URL at a server.',
    );
  }
  return url;
}

/** A `redis-server` this test owns: SIGKILL it and start it again on the same port and data dir. */
export interface ThrowawayRedis {
  readonly port: number;
  readonly url: string;
  /** SIGKILLs the server and waits for it to exit. */
  kill(): Promise<void>;
  /** Starts the server again on the same port; with `appendOnly` it reloads what it had confirmed. */
  restart(): Promise<void>;
  /**
   * Starts a second server, on another port, from a copy of this one's data dir: what this server had
   * durably stored when it died, to inspect while it is down. The caller stops it.
   */
  inspectDataCopy(): Promise<ThrowawayRedis>;
  /** Kills the server and removes its data dir. */
  stop(): Promise<void>;
}

/**
 * Starts a `redis-server` on a free port in a temp dir. `appendOnly` keeps an AOF written before
 * each reply (`appendfsync always`), so a SIGKILLed server restarts with every write it confirmed.
 */
export async function startThrowawayRedis(
  options: { appendOnly?: boolean; extraArgs?: string[] } = {},
): Promise<ThrowawayRedis> {
  const dir = await mkdtemp(join(tmpdir(), 'sluice-redis-'));
  return launch(dir, await freePort(), options.appendOnly ?? false, options.extraArgs ?? []);
}

async function launch(
  dir: string,
  port: number,
  appendOnly: boolean,
  extraArgs: string[],
): Promise<ThrowawayRedis> {
  const spawnServer = () => spawnRedis(dir, port, appendOnly, extraArgs);
  let child = await spawnServer();
  const kill = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    async restart() {
      await kill();
      child = await spawnServer();
    },
    async inspectDataCopy() {
      const copy = await mkdtemp(join(tmpdir(), 'sluice-redis-copy-'));
      await cp(dir, copy, { recursive: true });
      return launch(copy, await freePort(), appendOnly, extraArgs);
    },
    async stop() {
      await kill();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function spawnRedis(
  dir: string,
  port: number,
  appendOnly: boolean,
  extraArgs: string[],
): Promise<ChildProcess> {
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''];
  args.push('--appendonly', appendOnly ? 'yes' : 'no', '--appendfsync', 'always', ...extraArgs);
  const child = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const failed = new Promise<never>((_, reject) => {
    child.once('error', (error) =>
      reject(
        new Error(
          `cannot start redis-server (is it installed? scripts/services.sh installs it): ${error.message}`,
        ),
      ),
    );
    child.once('exit', (code) =>
      reject(new Error(`redis-server on port ${port} exited with ${code} before it was ready:\n${output}`)),
    );
  });
  failed.catch(() => undefined);
  await Promise.race([waitForPong(port, 10_000), failed]);
  return child;
}

/** Resolves once the server answers PING with PONG or NOAUTH (not LOADING), so its data is fully loaded. */
async function waitForPong(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await pongs(port)) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`redis-server on port ${port} did not answer PING within ${timeoutMs} ms`);
}

function pongs(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('data', (reply) => done(/^(\+PONG|-NOAUTH)/.test(reply.toString())));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
  });
}
