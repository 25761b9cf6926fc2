import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLOSE_GOING_AWAY } from './live-server.ts';
import { fakePrediction, startTestServer, TestClient, waitUntil } from './live-test-support.ts';

function connectError(port: number): Promise<string | null> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(null);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
  });
}

describe('close frees the port', () => {
  it('closes subscribers with 1001, stops listening, and publish stays safe', async () => {
    const server = await startTestServer();
    const port = server.port;
    expect(port).toBeGreaterThan(0);
    const client = await TestClient.connect(port);
    await client.subscribe('predictions');

    await server.close();
    await waitUntil(() => client.closeCode !== null, 'client close');
    expect(client.closeCode).toBe(CLOSE_GOING_AWAY);
    expect(client.closeReason).toBe('server shutting down');
    expect(await connectError(port)).toBe('ECONNREFUSED');
    expect(server.stats().connections).toBe(0);
    expect(() => server.publishBatch('predictions', [fakePrediction(1)])).not.toThrow();
    await server.close(); // idempotent
  });

  it('lets a new server bind the same port right after close', async () => {
    const first = await startTestServer();
    const port = first.port;
    // A subscriber that leaves on its own: the TIME_WAIT is on its side, not on the server port.
    const client = await TestClient.connect(port);
    client.close();
    await waitUntil(() => first.stats().connections === 0, 'server to see the client leave');
    await first.close();
    const second = await startTestServer({ port, listenRetryMs: 0 });
    expect(second.port).toBe(port);
    await second.close();
  });

  it('lets the process exit once closed, with a subscriber and a keep-alive HTTP client connected', async () => {
    const script = fileURLToPath(new URL('./live-test-exit-script.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => {
      output += String(d);
    });
    child.stderr.on('data', (d) => {
      output += String(d);
    });
    const started = Date.now();
    const code = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.on('exit', (c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
    expect(output).toContain('closed');
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
  });
});
